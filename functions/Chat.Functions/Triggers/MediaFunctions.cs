namespace Chat.Functions.Triggers;

using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class MediaFunctions(MediaService media)
{
    [Function(nameof(CreateMedia))]
    public async Task<IActionResult> CreateMedia([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "media")] HttpRequest req) =>
        new ObjectResult(await media.CreateAsync(req.CallerId(), await req.ReadBodyAsync<CreateMediaRequest>(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    /// <summary>302 to a short-lived read URL of the blob; bytes never pass through the function.</summary>
    [Function(nameof(GetMedia))]
    public async Task<IActionResult> GetMedia([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "media/{mediaId}")] HttpRequest req, string mediaId) =>
        new RedirectResult((await media.OpenAsync(req.CallerId(), mediaId, req.Aborted())).ToString(), permanent: false);

    /// <summary>Thumbnails are not generated yet: 404 for every media (API.md allows it until they exist).</summary>
    [Function(nameof(GetMediaThumbnail))]
    public async Task<IActionResult> GetMediaThumbnail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "media/{mediaId}/thumbnail")] HttpRequest req, string mediaId)
    {
        await media.OpenAsync(req.CallerId(), mediaId, req.Aborted());
        throw ChatErrors.NotFound("thumbnail");
    }
}
