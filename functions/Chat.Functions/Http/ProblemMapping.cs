namespace Chat.Functions.Http;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure;
using Chat.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Cosmos;

/// <summary>Maps every failure to problem details once, for both hosts.</summary>
public static class ProblemMapping
{
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The caller-facing error for <paramref name="exception"/>; null for an internal fault (500).</summary>
    public static ChatException? Classify(Exception exception, CancellationToken requestAborted) => exception switch
    {
        ChatException chat => chat,
        BadHttpRequestException bad => FromServer(bad),
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

    public static Task WriteAsync(HttpContext context, ChatException? error)
    {
        context.Response.Clear();
        return WriteBodyAsync(
            context,
            error?.Status ?? StatusCodes.Status500InternalServerError,
            error?.Title ?? "Internal server error",
            error?.Detail ?? "An unexpected error occurred; it has been logged.",
            error);
    }

    /// <summary>problem+json for a status a server or stand-in chose itself (the local host's own error answers);
    /// headers already set, such as <c>Allow</c>, stay.</summary>
    public static Task WriteStatusAsync(HttpContext context, int status, string? detail = null)
    {
        var reason = ReasonPhrases.GetReasonPhrase(status);
        var title = reason.Length > 0 ? reason : "Error";
        return WriteBodyAsync(context, status, title, detail ?? $"The server answered {status} {title}.", null);
    }

    private static async Task WriteBodyAsync(HttpContext context, int status, string title, string detail, ChatException? error)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        if (error?.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (error?.AllowedMethods is { } allowed)
        {
            response.Headers.Allow = string.Join(", ", allowed);
        }

        var body = new ProblemDetails(
            "https://httpwg.org/specs/rfc9110.html#status." + status.ToString(CultureInfo.InvariantCulture),
            title,
            status,
            detail,
            Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier,
            error?.Errors);
        await JsonSerializer.SerializeAsync(response.Body, body, ChatJson.Options, context.RequestAborted);
    }

    /// <summary>The server refused the request while it was read (Kestrel's limits and framing); each status to its kind.</summary>
    private static ChatException FromServer(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => ChatErrors.TooLarge("The request body is too large."),
        StatusCodes.Status408RequestTimeout => ChatErrors.RequestTimeout("The request body did not arrive in time."),
        StatusCodes.Status414UriTooLong => ChatErrors.UriTooLong("The request target is too long."),
        StatusCodes.Status431RequestHeaderFieldsTooLarge => ChatErrors.HeadersTooLarge("The request headers are too large."),
        _ => ChatErrors.BadRequest("The request could not be read: " + bad.Message),
    };

    private static TimeSpan AtLeastOneSecond(TimeSpan value) => value < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : value;
}
