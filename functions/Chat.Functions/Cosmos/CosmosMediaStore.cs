namespace Chat.Functions.Cosmos;

using Chat.Core.Common;
using Chat.Core.Media;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;

/// <summary>Media records in the directory container (partition = id): every lookup is a point read.
/// A record that is still pending carries a TTL of twice the unattached lifetime, so uploads that were
/// announced but never uploaded (no blob for the sweep to find) expire by themselves; attaching clears it.</summary>
public sealed class CosmosMediaStore(CosmosDatabase db, IOptions<MediaOptions> options) : IMediaStore
{
    public Task<Versioned<MediaRecord>?> GetAsync(string mediaId, CancellationToken ct)
    {
        var id = Id(mediaId);
        return db.ReadAsync<DirectoryItem<MediaRecord>, MediaRecord>(db.Directory, id, id, i => i.Data, ct);
    }

    public Task CreateAsync(MediaRecord media, CancellationToken ct) =>
        db.TryCreateAsync(db.Directory, Item(media), Id(media.MediaId), ct);

    public Task<bool> TryReplaceAsync(MediaRecord media, string etag, CancellationToken ct)
    {
        var id = Id(media.MediaId);
        return db.TryReplaceAsync(db.Directory, Item(media), id, id, etag, ct);
    }

    public Task DeleteAsync(string mediaId, CancellationToken ct) => db.DeleteAsync(db.Directory, Id(mediaId), Id(mediaId), ct);

    private static string Id(string mediaId) => "media:" + mediaId;

    private DirectoryItem<MediaRecord> Item(MediaRecord media) =>
        new(Id(media.MediaId), "media", media, media.State == MediaStates.Pending && !media.IsAvatar ? (int)(options.Value.UnattachedLifetime * 2).TotalSeconds : null);
}
