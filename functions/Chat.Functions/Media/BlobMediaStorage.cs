namespace Chat.Functions.Media;

using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Functions.Queues;
using Microsoft.Extensions.Options;

/// <summary>Media blobs in one container, named by media id (never by the client's file name).
/// SAS URLs are signed with the account key, or with a user delegation key (managed identity).</summary>
public sealed class BlobMediaStorage : IMediaBlobs
{
    private readonly MediaStorageOptions options;
    private readonly TimeProvider time;
    private readonly BlobServiceClient service;
    /// <summary>How often an instance makes sure the container is there: storage that came back empty
    /// (an emulator restarted) serves uploads again within this, or at once after a miss was seen.</summary>
    private static readonly TimeSpan ContainerRecheck = TimeSpan.FromSeconds(30);

    private Task<BlobContainerClient>? container;
    private DateTimeOffset containerCheckedAt;
    private bool corsApplied;
    private (UserDelegationKey Key, DateTimeOffset Until)? delegation;

    public BlobMediaStorage(IOptions<MediaStorageOptions> options, TokenCredential credential, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;
        service = this.options.ConnectionString is { Length: > 0 } connection
            ? new BlobServiceClient(connection)
            : new BlobServiceClient(this.options.ServiceUri!, credential);
    }

    public async Task<UploadTicket> CreateUploadAsync(string mediaId, string contentType, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var blob = (await ContainerAsync()).GetBlobClient(mediaId);

        // Create only: the URL can make this one blob once and never overwrite it.
        var sas = new BlobSasBuilder(BlobSasPermissions.Create, expiresAt) { BlobContainerName = blob.BlobContainerName, BlobName = blob.Name, Resource = "b" };
        var url = await SignAsync(blob, sas, ct);
        var headers = new Dictionary<string, string>
        {
            ["x-ms-blob-type"] = "BlockBlob",
            ["Content-Type"] = contentType,
            ["If-None-Match"] = "*",
        };
        return new UploadTicket(mediaId, url.AbsoluteUri, headers, expiresAt);
    }

    public async Task<BlobFacts?> InspectAsync(string mediaId, CancellationToken ct)
    {
        var blob = (await ContainerAsync()).GetBlobClient(mediaId);
        try
        {
            BlobProperties properties = await blob.GetPropertiesAsync(cancellationToken: ct);
            var head = new byte[Math.Min(16, properties.ContentLength)];
            if (head.Length > 0)
            {
                var download = await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(0, head.Length) }, ct);
                head = download.Value.Content.ToArray();
            }

            return new BlobFacts(properties.ContentLength, properties.ETag.ToString(), head);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            if (StorageFailures.IsMissing(e))
            {
                container = null; // the container itself is gone: the next call creates it again
            }

            return null;
        }
    }

    /// <summary>The container, created (and opened to browsers) on first use and checked again every
    /// <see cref="ContainerRecheck"/>; a failed creation is forgotten, so the next call tries again.
    /// Cost: no storage call, but 1–2 per instance every 30 s.</summary>
    private Task<BlobContainerClient> ContainerAsync()
    {
        var current = container;
        var now = time.GetUtcNow();
        if (current is null || current.IsFaulted || current.IsCanceled || now - containerCheckedAt > ContainerRecheck)
        {
            containerCheckedAt = now;
            current = container = CreateContainerAsync();
        }

        return current;
    }

    private async Task<BlobContainerClient> CreateContainerAsync()
    {
        var client = service.GetBlobContainerClient(options.Container);
        var created = await client.CreateIfNotExistsAsync() is not null;
        if (!string.IsNullOrWhiteSpace(options.CorsOrigins) && (created || !corsApplied))
        {
            await AllowBrowsersAsync(options.CorsOrigins); // once per process, and again for an account that came back empty
            corsApplied = true;
        }

        return client;
    }

    /// <summary>Streams the blob in 256 KiB ranges: a header probe reads one, a render at most the
    /// media limit (16 MiB) in pieces, never the whole blob at once.</summary>
    public async Task<Stream> OpenReadAsync(string mediaId, CancellationToken ct) =>
        await (await ContainerAsync()).GetBlobClient(mediaId).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 256 * 1024 }, ct);

    public async Task SaveThumbnailAsync(string mediaId, byte[] jpeg, CancellationToken ct) =>
        await (await ContainerAsync()).GetBlobClient(ThumbnailName(mediaId)).UploadAsync(
            new BinaryData(jpeg), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" } }, ct);

    public async Task<Uri> CreateReadUrlAsync(MediaRecord media, bool thumbnail, CancellationToken ct)
    {
        var blob = (await ContainerAsync()).GetBlobClient(thumbnail ? ThumbnailName(media.MediaId) : media.MediaId);

        // Every caller in the same window gets the same URL, so a CDN can cache it.
        var window = options.ReadUrlWindow.Ticks;
        var expires = new DateTimeOffset(((time.GetUtcNow().UtcTicks / window) + 2) * window, TimeSpan.Zero);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expires)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            ContentType = thumbnail ? "image/jpeg" : media.ContentType,
            ContentDisposition = thumbnail ? "inline"
                : media.IsServedInline() ? ContentDispositionBuilder.Inline(media.FileName)
                : ContentDispositionBuilder.Attachment(media.FileName),
        };
        var url = await SignAsync(blob, sas, ct);
        if (options.PublicBaseUrl is { } cdn)
        {
            url = new UriBuilder(url) { Scheme = cdn.Scheme, Host = cdn.Host, Port = cdn.IsDefaultPort ? -1 : cdn.Port }.Uri;
        }

        return url;
    }

    public async IAsyncEnumerable<string> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var blob in (await ContainerAsync()).GetBlobsAsync(cancellationToken: ct))
        {
            if (!blob.Name.Contains('/', StringComparison.Ordinal))
            {
                yield return blob.Name;
            }
        }
    }

    public async Task DeleteAsync(string mediaId, CancellationToken ct)
    {
        var client = await ContainerAsync();
        await client.GetBlobClient(mediaId).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
        await client.GetBlobClient(ThumbnailName(mediaId)).DeleteIfExistsAsync(cancellationToken: ct);
    }

    /// <summary>Browser uploads (PUT with the upload headers) and downloads from the configured origins.</summary>
    private async Task AllowBrowsersAsync(string origins)
    {
        BlobServiceProperties properties = await service.GetPropertiesAsync();
        properties.Cors = [new BlobCorsRule
        {
            AllowedOrigins = origins,
            AllowedMethods = "GET,HEAD,PUT,OPTIONS",
            AllowedHeaders = "content-type,x-ms-blob-type,if-none-match,x-ms-version,x-ms-date",
            ExposedHeaders = "etag,content-length,content-type",
            MaxAgeInSeconds = 3600,
        }];
        await service.SetPropertiesAsync(properties);
    }

    private static string ThumbnailName(string mediaId) => "thumbnails/" + mediaId;

    private async Task<Uri> SignAsync(BlobClient blob, BlobSasBuilder sas, CancellationToken ct)
    {
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }

        var now = time.GetUtcNow();
        if (delegation is not { } cached || cached.Until < now.AddMinutes(30))
        {
            var key = await service.GetUserDelegationKeyAsync(now.AddMinutes(-5), now.AddHours(2), ct);
            delegation = cached = (key.Value, now.AddHours(2));
        }

        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(cached.Key, service.AccountName) }.ToUri();
    }
}
