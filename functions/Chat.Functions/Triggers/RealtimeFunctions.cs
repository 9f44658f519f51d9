namespace Chat.Functions.Triggers;

using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Chat.Functions.Queues;
using Chat.Functions.Realtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class RealtimeFunctions(NegotiateService negotiate, RealtimeGroupSync groupSync, IRealtime realtime)
{
    /// <summary>The SignalR serverless negotiate answer <c>{url, accessToken}</c>, after a fresh read of the caller's session.</summary>
    [Answers(200, typeof(NegotiateResult), Description = "The SignalR serverless negotiate answer.")]
    [Function(nameof(Negotiate))]
    public async Task<IActionResult> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "negotiate")] HttpRequest req) =>
        new OkObjectResult(await negotiate.NegotiateAsync(req.CallerId(), req.CallerSessionId(), req.CallerTokenExpires(), req.Aborted()));

    /// <summary>Retries a real-time group change that failed at first, applying the chat's current
    /// membership; a failure queues it again with back-off (it never throws, so it is never poisoned
    /// by the trigger's own retries).</summary>
    [Function(nameof(SyncRealtimeGroup))]
    public Task SyncRealtimeGroup([QueueTrigger(QueueNames.RealtimeGroups, Connection = QueueNames.Connection)] GroupChange change, CancellationToken ct) =>
        groupSync.ReconcileAsync(change, ct);

    /// <summary>Retries closing a revoked session's connections; a failure queues it again with back-off (it never throws).</summary>
    [Function(nameof(CloseRevokedSession))]
    public Task CloseRevokedSession([QueueTrigger(QueueNames.SessionCloses, Connection = QueueNames.Connection)] SessionClose close, CancellationToken ct) =>
        realtime.CloseSessionAsync(close, ct);
}
