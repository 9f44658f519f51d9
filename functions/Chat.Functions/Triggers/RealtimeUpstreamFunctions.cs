namespace Chat.Functions.Triggers;

using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Chat.Functions.Realtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

/// <summary>
/// The upstream of Azure SignalR Service (serverless mode): it posts connection events here, to the URL template
/// <c>…/api/realtime/upstream/{hub}/{category}/{event}</c> (infra/app/signalr.bicep; the local SignalR service alike).
/// A plain HTTP function rather than the SignalR trigger extension: no user token, the caller proves it is the service.
/// </summary>
public sealed class RealtimeUpstreamFunctions(SignalRUpstreamReader upstream, SessionConnections connections)
{
    [InternalRoute("Called by the SignalR service (its upstream), not by clients.")]
    [Function(nameof(RealtimeUpstream)), Public]
    public async Task<IActionResult> RealtimeUpstream(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "realtime/upstream/{hub}/{category}/{event}")] HttpRequest req)
    {
        var reported = await upstream.ReadAsync(req);
        await connections.ReportedAsync(reported.Category, reported.Event, reported.Connection, req.Aborted());
        return new NoContentResult();
    }
}
