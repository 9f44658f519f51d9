namespace Chat.Functions.Cosmos;

using Chat.Core.Common;
using Chat.Core.Media;
using Chat.Core.Ports;

/// <summary>Media records in the directory container (partition = id): every lookup is a point read.</summary>
public sealed class CosmosMediaStore(CosmosDatabase db) : IMediaStore
{
    public Task<Versioned<MediaRecord>?> GetAsync(string mediaId, CancellationToken ct)
    {
        var id = Id(mediaId);
        return db.ReadAsync<DirectoryItem<MediaRecord>, MediaRecord>(db.Directory, id, id, i => i.Data, ct);
    }

    public Task CreateAsync(MediaRecord media, CancellationToken ct) =>
        db.TryCreateAsync(db.Directory, new DirectoryItem<MediaRecord>(Id(media.MediaId), "media", media), Id(media.MediaId), ct);

    public Task<bool> TryReplaceAsync(MediaRecord media, string etag, CancellationToken ct)
    {
        var id = Id(media.MediaId);
        return db.TryReplaceAsync(db.Directory, new DirectoryItem<MediaRecord>(id, "media", media), id, id, etag, ct);
    }

    public Task DeleteAsync(string mediaId, CancellationToken ct) => db.DeleteAsync(db.Directory, Id(mediaId), Id(mediaId), ct);

    private static string Id(string mediaId) => "media:" + mediaId;
}
