namespace Chat.Functions.Triggers;

using Chat.Core.Push;
using Chat.Functions.Queues;
using Microsoft.Azure.Functions.Worker;

public sealed class PushFunctions(PushService push)
{
    /// <summary>Sends one message's notifications to its offline recipients (see <see cref="PushService.DispatchAsync"/>).</summary>
    [Function(nameof(DispatchPush))]
    public Task DispatchPush([QueueTrigger(QueueNames.PushNotifications, Connection = QueueNames.Connection)] PushJob job, CancellationToken ct) =>
        push.DispatchAsync(job, ct);
}
