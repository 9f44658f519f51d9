namespace Chat.UnitTests.TestData;

using System.Collections.Concurrent;
using System.Globalization;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Media;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>
/// A real <see cref="MediaService"/> over mocked ports. The media store and blob mocks keep what they
/// are given (records with ETags, blobs with their facts), so retry loops and sweeps see their own writes.
/// </summary>
public sealed class MediaHarness
{
    public const string ReadUrlBase = "https://blobs.test/media/";

    private readonly ConcurrentDictionary<string, Versioned<MediaRecord>> records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Versioned<ChatRecord>> chats = new(StringComparer.Ordinal);
    private int etag;

    public MediaHarness()
    {
        Media.Setup(m => m.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => records.GetValueOrDefault(id));
        Media.Setup(m => m.CreateAsync(It.IsAny<MediaRecord>(), It.IsAny<CancellationToken>()))
            .Callback((MediaRecord record, CancellationToken _) => records[record.MediaId] = Version(record))
            .Returns(Task.CompletedTask);
        Media.Setup(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord record, string tag, CancellationToken _) => TryReplace(record, tag));
        Media.Setup(m => m.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string id, CancellationToken _) => records.TryRemove(id, out Versioned<MediaRecord>? _))
            .Returns(Task.CompletedTask);

        Blobs.Setup(b => b.CreateUploadAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, string contentType, DateTimeOffset expiresAt, CancellationToken _) => new UploadTicket(
                id,
                "https://blobs.test/media/" + id + "?sig=create-only",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["x-ms-blob-type"] = "BlockBlob", ["Content-Type"] = contentType },
                expiresAt));
        Blobs.Setup(b => b.InspectAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => BlobsById.GetValueOrDefault(id));
        Blobs.Setup(b => b.CreateReadUrlAsync(It.IsAny<MediaRecord>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord record, bool thumbnail, CancellationToken _) => ReadUrl(record.MediaId, thumbnail));
        Blobs.Setup(b => b.OpenReadAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => (Stream)new MemoryStream(BlobsById[id].Head));
        Blobs.Setup(b => b.SaveThumbnailAsync(It.IsAny<string>(), It.IsAny<byte[]>(), It.IsAny<CancellationToken>()))
            .Callback((string id, byte[] jpeg, CancellationToken _) => Thumbnails[id] = jpeg)
            .Returns(Task.CompletedTask);
        Blobs.Setup(b => b.ListAsync(It.IsAny<CancellationToken>())).Returns(() => ListBlobs());
        Blobs.Setup(b => b.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string id, CancellationToken _) =>
            {
                BlobsById.TryRemove(id, out BlobFacts? _);
                Thumbnails.TryRemove(id, out byte[]? _);
            })
            .Returns(Task.CompletedTask);

        Chats.Setup(c => c.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => chats.GetValueOrDefault(id));

        Renderer.Setup(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>())).Returns(() => ThumbnailJpeg);
        Renderer.Setup(r => r.CanRender(It.IsAny<Stream>(), It.IsAny<bool>(), It.IsAny<ThumbnailLimits>())).Returns(() => Renderable);

        Limiter = new InMemoryRateLimiter(Time);
        Service = new MediaService(
            Media.Object,
            Blobs.Object,
            Chats.Object,
            Messages.Object,
            Jobs.Object,
            Renderer.Object,
            Limiter,
            Microsoft.Extensions.Options.Options.Create(Options),
            Microsoft.Extensions.Options.Options.Create(Limits),
            Time,
            Logs);
    }

    public Mock<IMediaStore> Media { get; } = new();

    public Mock<IMediaBlobs> Blobs { get; } = new();

    public Mock<IChatStore> Chats { get; } = new();

    /// <summary>Loose: every call completes; tests verify the jobs they care about.</summary>
    public Mock<IMediaJobs> Jobs { get; } = new();

    /// <summary>Empty unless a test sets it up: the sweep looks for the message of a reserved upload.</summary>
    public Mock<IMessageStore> Messages { get; } = new();

    public Mock<IThumbnailRenderer> Renderer { get; } = new();

    public FakeTimeProvider Time { get; } = TestClock.New();

    public MediaOptions Options { get; } = new();

    public LimitsOptions Limits { get; } = new();

    public InMemoryRateLimiter Limiter { get; }

    public RecordingLogger<MediaService> Logs { get; } = new();

    /// <summary>What the renderer says of an image's header when it is attached.</summary>
    public bool Renderable { get; set; } = true;

    public MediaService Service { get; }

    public ConcurrentDictionary<string, BlobFacts> BlobsById { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, byte[]> Thumbnails { get; } = new(StringComparer.Ordinal);

    public byte[] ThumbnailJpeg { get; set; } = [0xFF, 0xD8, 0xFF, 0xDB, 0x01, 0x02, 0x03];

    /// <summary>The next this many replaces fail as if someone else wrote first (and bump the stored ETag).</summary>
    public int ConflictingReplaces { get; set; }

    public static Uri ReadUrl(string mediaId, bool thumbnail) => new(ReadUrlBase + mediaId + (thumbnail ? "/thumbnail" : string.Empty));

    public MediaRecord Store(MediaRecord record)
    {
        records[record.MediaId] = Version(record);
        return record;
    }

    public MediaRecord? Stored(string mediaId) => records.GetValueOrDefault(mediaId)?.Value;

    public IReadOnlyCollection<MediaRecord> AllStored => records.Values.Select(v => v.Value).ToArray();

    public ChatRecord StoreChat(ChatRecord chat)
    {
        chats[chat.ChatId] = new Versioned<ChatRecord>(chat, "c1");
        return chat;
    }

    /// <summary>An uploaded blob whose first bytes are <paramref name="head"/>; its size is the head's length unless told.</summary>
    public BlobFacts Upload(string mediaId, byte[] head, long? sizeBytes = null, string etag = MediaBuilder.BlobETag)
    {
        var facts = new BlobFacts(sizeBytes ?? head.Length, etag, head);
        BlobsById[mediaId] = facts;
        return facts;
    }

    /// <summary>Stores <paramref name="record"/> and uploads a blob that matches its content type and declared size.</summary>
    public MediaRecord StoreUploaded(MediaRecord record)
    {
        Upload(record.MediaId, MediaBuilder.HeadOf(record.ContentType), record.SizeBytes);
        return Store(record);
    }

    private bool TryReplace(MediaRecord record, string tag)
    {
        if (!records.TryGetValue(record.MediaId, out var current) || current.ETag != tag)
        {
            return false;
        }

        if (ConflictingReplaces > 0)
        {
            ConflictingReplaces--;
            records[record.MediaId] = Version(current.Value);
            return false;
        }

        return records.TryUpdate(record.MediaId, Version(record), current);
    }

    private async IAsyncEnumerable<string> ListBlobs()
    {
        foreach (var id in BlobsById.Keys.Order(StringComparer.Ordinal).ToArray())
        {
            await Task.Yield();
            yield return id;
        }
    }

    private Versioned<MediaRecord> Version(MediaRecord record) =>
        new(record, "e" + Interlocked.Increment(ref etag).ToString(CultureInfo.InvariantCulture));
}
