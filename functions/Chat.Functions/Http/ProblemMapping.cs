namespace Chat.Functions.Http;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure;
using Chat.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;

/// <summary>Maps every failure to problem details once, for both hosts.</summary>
public static class ProblemMapping
{
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The caller-facing error for <paramref name="exception"/>; null for an internal fault (500).</summary>
    public static ChatException? Classify(Exception exception, CancellationToken requestAborted) => exception switch
    {
        ChatException chat => chat,
        CosmosException { StatusCode: HttpStatusCode.TooManyRequests } cosmos =>
            ChatErrors.Unavailable("database (throttled)", AtLeastOneSecond(cosmos.RetryAfter ?? DefaultRetryAfter), cosmos),
        CosmosException { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout or HttpStatusCode.Gone or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout } cosmos =>
            ChatErrors.Unavailable("database", DefaultRetryAfter, cosmos),
        RequestFailedException { Status: 0 or >= 500 or 429 or 408 } storage => ChatErrors.Unavailable("storage", DefaultRetryAfter, storage),
        AggregateException aggregate when Chat.Functions.Queues.StorageFailures.IsTransient(aggregate) => ChatErrors.Unavailable("storage", DefaultRetryAfter, aggregate),
        HttpRequestException http => ChatErrors.Unavailable("backing service", DefaultRetryAfter, http),
        TimeoutException timeout => ChatErrors.Unavailable("backing service", DefaultRetryAfter, timeout),
        OperationCanceledException canceled when !requestAborted.IsCancellationRequested =>
            ChatErrors.Unavailable("backing service", DefaultRetryAfter, canceled),
        _ => null,
    };

    public static async Task WriteAsync(HttpContext context, ChatException? error)
    {
        var status = error?.Status ?? StatusCodes.Status500InternalServerError;
        var response = context.Response;
        response.Clear();
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        if (error?.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var body = new Dictionary<string, object?>
        {
            ["type"] = "https://httpwg.org/specs/rfc9110.html#status." + status.ToString(CultureInfo.InvariantCulture),
            ["title"] = error?.Title ?? "Internal server error",
            ["status"] = status,
            ["detail"] = error?.Detail ?? "An unexpected error occurred; it has been logged.",
            ["traceId"] = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier,
        };
        if (error?.Errors is { } errors)
        {
            body["errors"] = errors;
        }

        await JsonSerializer.SerializeAsync(response.Body, body, ChatJson.Options, context.RequestAborted);
    }

    private static TimeSpan AtLeastOneSecond(TimeSpan value) => value < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : value;
}
