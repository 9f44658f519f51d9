namespace Chat.Functions.Triggers;

using Chat.Functions.Cosmos;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Chat.Functions.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

/// <summary>The answer of <c>GET /api/health</c> when every backing service answers.</summary>
public sealed record HealthView(string Status, IReadOnlyDictionary<string, string> Checks);

public sealed class HealthFunction(CosmosDatabase cosmos, StorageQueues queues)
{
    private static readonly TimeSpan StorageBudget = TimeSpan.FromSeconds(3);

    /// <summary>200 once every backing service answers; 503 otherwise. Cost: 1 Cosmos read and 1
    /// queue properties call, in parallel (SignalR and Notification Hubs failures only degrade
    /// delivery, so they do not make the API unhealthy).</summary>
    [Answers(200, typeof(HealthView))]
    [Problems(503)]
    [Function(nameof(Health)), Public]
    public async Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req)
    {
        var cosmosCheck = cosmos.PingAsync(req.Aborted());
        var storageCheck = PingStorageAsync(req.Aborted());
        var checks = new Dictionary<string, string>
        {
            ["cosmos"] = await cosmosCheck ? "healthy" : "unavailable",
            ["storage"] = await storageCheck ? "healthy" : "unavailable",
        };
        if (checks.Values.All(v => v == "healthy"))
        {
            return new OkObjectResult(new HealthView("healthy", checks));
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

    /// <summary>The queues (thumbnails, push jobs, group retries) answer: one properties call on a queue
    /// the app owns, which the app's data role may read.</summary>
    private async Task<bool> PingStorageAsync(CancellationToken ct)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(StorageBudget);
        try
        {
            var queue = await queues.GetAsync(QueueNames.PushNotifications).WaitAsync(budget.Token);
            await queue.GetPropertiesAsync(budget.Token);
            return true;
        }
        catch (Exception e) when (StorageFailures.IsTransient(e) && !ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Azure.RequestFailedException e) when (StorageFailures.IsMissing(e))
        {
            queues.Forget(QueueNames.PushNotifications); // storage came back empty: the next check creates it again
            return false;
        }
    }
}
