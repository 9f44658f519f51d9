namespace Chat.Functions.Http;

using System.Globalization;
using System.Text.Json;
using Chat.Core.Errors;
using Microsoft.AspNetCore.Http;

public static class HttpRequestExtensions
{
    private const string CallerKey = "chat.caller";
    private const string ClientIpKey = "chat.client-ip";
    private const string ExpiresKey = "chat.token-expires";
    private const string SessionKey = "chat.session";

    /// <summary>The authenticated user, set by <see cref="ChatHttpPipeline"/> before the trigger runs.</summary>
    public static string CallerId(this HttpRequest request) =>
        request.HttpContext.Items[CallerKey] as string ?? throw ChatErrors.Unauthorized();

    /// <summary>The session of the caller's access token (its <c>sid</c>).</summary>
    public static string CallerSessionId(this HttpRequest request) =>
        request.HttpContext.Items[SessionKey] as string ?? throw ChatErrors.Unauthorized();

    /// <summary>When the caller's access token expires.</summary>
    public static DateTimeOffset CallerTokenExpires(this HttpRequest request) =>
        request.HttpContext.Items[ExpiresKey] as DateTimeOffset? ?? throw ChatErrors.Unauthorized();

    public static string ClientIp(this HttpRequest request) =>
        request.HttpContext.Items[ClientIpKey] as string ?? request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static CancellationToken Aborted(this HttpRequest request) => request.HttpContext.RequestAborted;

    /// <summary>Reads the JSON body; malformed JSON or a wrongly typed field is a 400 naming the field, a body over
    /// <see cref="Chat.Core.Common.LimitsOptions.MaxJsonBodyBytes"/> a 413 without reading it to the end.</summary>
    public static async Task<T> ReadBodyAsync<T>(this HttpRequest request)
        where T : class
    {
        try
        {
            var limited = RequestLimits.LimitedBody(request, RequestLimits.For(request.HttpContext).MaxJsonBodyBytes);
            var body = await JsonSerializer.DeserializeAsync<T>(limited, ChatJson.Options, request.HttpContext.RequestAborted);
            return body ?? throw ChatErrors.MalformedJson("A JSON object is required.");
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.').Split('[')[0] : "body";
            throw ChatErrors.Validation(new Dictionary<string, string[]>
            {
                [field.Length == 0 ? "body" : field] = [e.Path is null or "$" ? "The body is not valid JSON." : "has the wrong type or is malformed."],
            });
        }
    }

    public static long? QueryLong(this HttpRequest request, string name)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ChatErrors.Invalid(name, "must be a whole number.");
    }

    public static bool? QueryBool(this HttpRequest request, string name) => request.Query[name].ToString() switch
    {
        "" => null,
        "true" => true,
        "false" => false,
        _ => throw ChatErrors.Invalid(name, "must be true or false."),
    };

    public static int? QueryInt(this HttpRequest request, string name) =>
        request.QueryLong(name) is { } value ? (int)Math.Clamp(value, int.MinValue, int.MaxValue) : null;

    internal static void SetCaller(HttpContext context, string userId, string sessionId, DateTimeOffset expires)
    {
        context.Items[CallerKey] = userId;
        context.Items[SessionKey] = sessionId;
        context.Items[ExpiresKey] = expires;
    }

    internal static void SetClientIp(HttpContext context, string ip) => context.Items[ClientIpKey] = ip;
}
