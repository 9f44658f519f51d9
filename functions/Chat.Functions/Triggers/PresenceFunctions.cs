namespace Chat.Functions.Triggers;

using Chat.Core.Presence;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class PresenceFunctions(PresenceService presence)
{
    /// <summary>204: the activity itself is recorded by the pipeline, as for every authenticated call.
    /// Cost: 0 Cosmos requests and at most 1 Redis round trip.</summary>
    [Answers(204)]
    [Function(nameof(Heartbeat))]
    public IActionResult Heartbeat([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "presence/heartbeat")] HttpRequest req)
    {
        _ = req.CallerId();
        return new NoContentResult();
    }

    /// <summary>Cost: 1 Redis MGET for up to 100 users, plus the visibility check's Cosmos reads.</summary>
    [QueryParameter("userIds", typeof(string), "Comma-separated user ids, up to 100.")]
    [Answers(200, typeof(IReadOnlyList<PresenceView>))]
    [Function(nameof(GetPresence))]
    public async Task<IActionResult> GetPresence([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "presence")] HttpRequest req)
    {
        var ids = req.Query["userIds"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new OkObjectResult(await presence.GetAsync(req.CallerId(), ids, req.Aborted()));
    }
}
