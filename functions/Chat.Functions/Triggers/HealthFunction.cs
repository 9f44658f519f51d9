namespace Chat.Functions.Triggers;

using Chat.Functions.Cosmos;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class HealthFunction(CosmosDatabase cosmos)
{
    /// <summary>200 once every backing service answers; 503 otherwise.</summary>
    [Function(nameof(Health)), Public]
    public async Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req)
    {
        var checks = new Dictionary<string, string> { ["cosmos"] = await cosmos.PingAsync(req.Aborted()) ? "healthy" : "unavailable" };
        if (checks.Values.All(v => v == "healthy"))
        {
            return new OkObjectResult(new { status = "healthy", checks });
        }

        req.HttpContext.Response.Headers.RetryAfter = "5";
        var problem = new Dictionary<string, object>
        {
            ["type"] = "https://httpwg.org/specs/rfc9110.html#status.503",
            ["title"] = "Service unavailable",
            ["status"] = 503,
            ["detail"] = "A backing service does not answer.",
            ["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? req.HttpContext.TraceIdentifier,
            ["checks"] = checks,
        };
        return new ObjectResult(problem) { StatusCode = 503, ContentTypes = { "application/problem+json" } };
    }
}
