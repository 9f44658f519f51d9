namespace Chat.Functions.Triggers;

using Chat.Functions.Queues;
using Chat.Core.Media;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class MediaFunctions(MediaService media)
{
    [RequestBody(typeof(CreateMediaRequest))]
    [Answers(201, typeof(UploadTicket))]
    [Problems(422, 429)]
    [Function(nameof(CreateMedia))]
    public async Task<IActionResult> CreateMedia([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "media")] HttpRequest req) =>
        new ObjectResult(await media.CreateAsync(req.CallerId(), await req.ReadBodyAsync<CreateMediaRequest>(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    /// <summary>302 to a short-lived read URL of the blob; bytes never pass through the function. The
    /// Location is the escaped form (<see cref="Uri.AbsoluteUri"/>): the SAS carries an encoded file name.</summary>
    [Answers(302)]
    [Problems(404, 410)]
    [Function(nameof(GetMedia))]
    public async Task<IActionResult> GetMedia([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "media/{mediaId}")] HttpRequest req, string mediaId) =>
        new RedirectResult((await media.OpenAsync(req.CallerId(), mediaId, req.Aborted())).AbsoluteUri, permanent: false);

    /// <summary>302 to the thumbnail once the queue made it; 404 before that and for non-images.</summary>
    [Answers(302, Description = "Found: the thumbnail exists.")]
    [Problems(404, 410)]
    [Function(nameof(GetMediaThumbnail))]
    public async Task<IActionResult> GetMediaThumbnail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "media/{mediaId}/thumbnail")] HttpRequest req, string mediaId) =>
        new RedirectResult((await media.OpenThumbnailAsync(req.CallerId(), mediaId, req.Aborted())).AbsoluteUri, permanent: false);

    /// <summary>Hourly clean-up of unattached and expired media (see <see cref="MediaService.SweepAsync"/>).</summary>
    [Function(nameof(SweepMedia))]
    public Task SweepMedia([TimerTrigger("0 15 * * * *")] TimerInfo timer, CancellationToken ct) => media.SweepAsync(ct);

    [Function(nameof(MakeThumbnail))]
    public Task MakeThumbnail([QueueTrigger(QueueNames.MediaThumbnails, Connection = QueueNames.Connection)] ThumbnailJob job, CancellationToken ct) =>
        media.MakeThumbnailAsync(job.MediaId, ct);
}
