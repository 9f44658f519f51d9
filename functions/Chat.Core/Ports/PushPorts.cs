namespace Chat.Core.Ports;

using Chat.Core.Push;

/// <summary>
/// The push hub (Azure Notification Hubs, or the local sink). Devices are installations tagged with
/// their user id and carrying one template per platform, so one send reaches every platform.
/// Failures throw <see cref="PushDeliveryException"/>.
/// </summary>
public interface IPushHub
{
    Task UpsertDeviceAsync(PushDevice device, CancellationToken ct);

    /// <summary>Removes the installation; removing an unknown one succeeds.</summary>
    Task DeleteDeviceAsync(string hubInstallationId, CancellationToken ct);

    /// <summary>Sends to every device of the given users (at most 20 per call: one tag expression).</summary>
    Task SendAsync(PushNotification notification, IReadOnlyCollection<string> userIds, CancellationToken ct);
}

/// <summary>The push job queue; its poison twin holds jobs that failed for good.</summary>
public interface IPushJobs
{
    /// <summary>Queues the job to run after <paramref name="delay"/>; throws <see cref="PushDeliveryException"/> when the queue is unreachable.</summary>
    Task EnqueueAsync(PushJob job, TimeSpan delay, CancellationToken ct);

    Task PoisonAsync(PushJob job, CancellationToken ct);
}

/// <summary>Which recipients of a message were already notified, so a retried job notifies nobody twice.</summary>
public interface IPushLog
{
    Task<IReadOnlySet<string>> GetNotifiedAsync(string chatId, long seq, CancellationToken ct);

    /// <summary>Records the full set notified so far (upsert; entries expire after a few days).</summary>
    Task SetNotifiedAsync(string chatId, long seq, IReadOnlyCollection<string> userIds, CancellationToken ct);
}
