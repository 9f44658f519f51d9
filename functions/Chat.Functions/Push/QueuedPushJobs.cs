namespace Chat.Functions.Push;

using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Functions.Queues;

/// <summary>Push jobs on the <c>push-notifications</c> Storage queue; its <c>-poison</c> twin holds
/// the ones that failed for good (as the queue trigger would put them there). 1 storage call each.</summary>
public sealed class QueuedPushJobs(StorageQueues queues) : IPushJobs
{
    /// <summary>Storage queues hide a message for at most 7 days.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    public Task EnqueueAsync(PushJob job, TimeSpan delay, CancellationToken ct) =>
        SendAsync(QueueNames.PushNotifications, job, delay > MaxDelay ? MaxDelay : delay, ct);

    public Task PoisonAsync(PushJob job, CancellationToken ct) =>
        SendAsync(QueueNames.PushNotifications + "-poison", job, null, ct);

    private async Task SendAsync(string queue, PushJob job, TimeSpan? delay, CancellationToken ct)
    {
        try
        {
            await queues.SendAsync(queue, job, ct, delay is { } d && d > TimeSpan.Zero ? d : null);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e) && !ct.IsCancellationRequested)
        {
            throw new PushDeliveryException($"The push job of chat {job.ChatId} seq {job.Seq} could not be queued.", transient: true, inner: e);
        }
    }
}
