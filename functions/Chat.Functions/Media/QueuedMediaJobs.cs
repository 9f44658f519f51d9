namespace Chat.Functions.Media;

using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Functions.Queues;
using Microsoft.Extensions.Logging;

/// <summary>Media jobs on Storage queues, picked up by the queue-triggered functions. Best effort:
/// a job that cannot be queued is logged and never fails the send that asked for it.</summary>
public sealed partial class QueuedMediaJobs(StorageQueues queues, ILogger<QueuedMediaJobs> logger) : IMediaJobs
{
    public async Task EnqueueThumbnailAsync(string mediaId, CancellationToken ct)
    {
        try
        {
            await queues.SendAsync(QueueNames.MediaThumbnails, new ThumbnailJob(mediaId), ct);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e) && !ct.IsCancellationRequested)
        {
            LogEnqueueFailed(logger, e, mediaId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The thumbnail job of media {MediaId} could not be queued")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string mediaId);
}
