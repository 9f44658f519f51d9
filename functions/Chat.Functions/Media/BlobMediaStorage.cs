namespace Chat.Functions.Media;

using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Chat.Core.Media;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;

/// <summary>Media blobs in one container, named by media id (never by the client's file name).
/// SAS URLs are signed with the account key, or with a user delegation key (managed identity).</summary>
public sealed class BlobMediaStorage : IMediaBlobs
{
    private readonly MediaStorageOptions options;
    private readonly TimeProvider time;
    private readonly BlobServiceClient service;
    private readonly Lazy<Task<BlobContainerClient>> container;
    private (UserDelegationKey Key, DateTimeOffset Until)? delegation;

    public BlobMediaStorage(IOptions<MediaStorageOptions> options, TokenCredential credential, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;
        service = this.options.ConnectionString is { Length: > 0 } connection
            ? new BlobServiceClient(connection)
            : new BlobServiceClient(this.options.ServiceUri!, credential);
        container = new Lazy<Task<BlobContainerClient>>(async () =>
        {
            var client = service.GetBlobContainerClient(this.options.Container);
            await client.CreateIfNotExistsAsync();
            if (!string.IsNullOrWhiteSpace(this.options.CorsOrigins))
            {
                await AllowBrowsersAsync(this.options.CorsOrigins);
            }

            return client;
        });
    }

    public async Task<UploadTicket> CreateUploadAsync(string mediaId, string contentType, DateTimeOffset expiresAt, CancellationToken ct)
    {
        var blob = (await container.Value).GetBlobClient(mediaId);

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
        var blob = (await container.Value).GetBlobClient(mediaId);
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
            return null;
        }
    }

    /// <summary>Streams the blob in 256 KiB ranges: a header probe reads one, a render at most the
    /// media limit (16 MiB) in pieces, never the whole blob at once.</summary>
    public async Task<Stream> OpenReadAsync(string mediaId, CancellationToken ct) =>
        await (await container.Value).GetBlobClient(mediaId).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 256 * 1024 }, ct);

    public async Task SaveThumbnailAsync(string mediaId, byte[] jpeg, CancellationToken ct) =>
        await (await container.Value).GetBlobClient(ThumbnailName(mediaId)).UploadAsync(
            new BinaryData(jpeg), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" } }, ct);

    public async Task<Uri> CreateReadUrlAsync(MediaRecord media, bool thumbnail, CancellationToken ct)
    {
        var blob = (await container.Value).GetBlobClient(thumbnail ? ThumbnailName(media.MediaId) : media.MediaId);

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
        await foreach (var blob in (await container.Value).GetBlobsAsync(cancellationToken: ct))
        {
            if (!blob.Name.Contains('/', StringComparison.Ordinal))
            {
                yield return blob.Name;
            }
        }
    }

    public async Task DeleteAsync(string mediaId, CancellationToken ct)
    {
        var client = await container.Value;
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
