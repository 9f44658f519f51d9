namespace Chat.Functions.Triggers;

using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.Queues;
using Chat.Functions.Realtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class RealtimeFunctions(NegotiateService negotiate, SignalRRestClient signalR)
{
    /// <summary>The SignalR serverless negotiate answer <c>{url, accessToken}</c>, after a fresh read of the caller's session.</summary>
    [Function(nameof(Negotiate))]
    public async Task<IActionResult> Negotiate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "negotiate")] HttpRequest req) =>
        new OkObjectResult(await negotiate.NegotiateAsync(req.CallerId(), req.CallerSessionId(), req.CallerTokenExpires(), req.Aborted()));

    /// <summary>Retries a real-time group change that failed at first; throwing leaves it on the
    /// queue (visibility back-off), and after five tries it lands in the poison queue.</summary>
    [Function(nameof(SyncRealtimeGroup))]
    public Task SyncRealtimeGroup([QueueTrigger(QueueNames.RealtimeGroups, Connection = QueueNames.Connection)] GroupChange change, CancellationToken ct) =>
        signalR.ApplyNowAsync(change, ct);
}
