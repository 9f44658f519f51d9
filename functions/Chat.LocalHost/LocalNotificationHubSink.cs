namespace Chat.LocalHost;

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Functions.Http;
using Chat.Functions.Push;
using Microsoft.Extensions.Options;

/// <summary>What a device would have been sent: <c>GET /_local/notifications?tag=</c> lists these.</summary>
public sealed record ReceivedNotification(IReadOnlyList<string> Tags, string Platform, JsonElement Payload, DateTimeOffset At);

/// <summary>
/// Stands in for Azure Notification Hubs: the REST operations the adapter uses (installations upsert,
/// read and delete; template sends to a tag expression), each checked for a valid SAS token signed
/// with the configured key, as the service does. A template send renders every matching
/// installation's templates with the sent properties (values inserted as they are, like the
/// service) and records one notification per device.
/// </summary>
public sealed partial class LocalNotificationHubSink(IOptions<NotificationHubOptions> options, TimeProvider time)
{
    public const string BasePath = "/_local/notification-hubs";

    private readonly ConcurrentDictionary<string, StoredInstallation> installations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedNotification> received = new();

    private int refused;

    /// <summary>When set, every request is answered with this status (outage drills in tests).</summary>
    public int? FailWith { get; set; }

    /// <summary>Requests answered with <see cref="FailWith"/> so far.</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>The installation as stored (tests check that nobody overwrote it).</summary>
    public JsonElement? Installation(string installationId) => installations.TryGetValue(installationId, out var stored) ? stored.Document : null;

    public IEnumerable<ReceivedNotification> For(string? tag) =>
        received.Where(n => tag is null || n.Tags.Contains(tag, StringComparer.Ordinal));

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPut(BasePath + "/{hub}/installations/{installationId}", (HttpContext context, string hub, string installationId) => HandleAsync(context, hub, () => UpsertAsync(context, installationId)));
        app.MapGet(BasePath + "/{hub}/installations/{installationId}", (HttpContext context, string hub, string installationId) => HandleAsync(context, hub, () =>
            Task.FromResult(installations.TryGetValue(installationId, out var stored) ? Results.Json(stored.Document) : Error(404, "Installation not found."))));
        app.MapDelete(BasePath + "/{hub}/installations/{installationId}", (HttpContext context, string hub, string installationId) => HandleAsync(context, hub, () =>
        {
            installations.TryRemove(installationId, out _);
            return Task.FromResult(Results.NoContent());
        }));
        app.MapPost(BasePath + "/{hub}/messages", (HttpContext context, string hub) => HandleAsync(context, hub, () => SendAsync(context)));
        app.MapGet("/_local/notifications", (string? tag) => Results.Json(For(tag), ChatJson.Options));
    }

    private async Task<IResult> HandleAsync(HttpContext context, string hub, Func<Task<IResult>> operation)
    {
        var settings = options.Value;
        var (_, keyName, key) = settings.Resolve();
        var url = new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}");
        if (!NotificationHubSas.Verify(context.Request.Headers.Authorization.ToString(), url, keyName, key, time.GetUtcNow()))
        {
            return Error(401, "Unauthorized: the SAS token is missing, expired or not signed with the hub's key.");
        }

        if (!string.Equals(hub, settings.HubName, StringComparison.OrdinalIgnoreCase))
        {
            return Error(404, $"No notification hub named '{hub}'.");
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            return Error(400, "The api-version query parameter is required.");
        }

        if (FailWith is { } status)
        {
            Interlocked.Increment(ref refused);
            return Error(status, "Failing on purpose (local sink outage drill).");
        }

        return await operation();
    }

    private async Task<IResult> UpsertAsync(HttpContext context, string installationId)
    {
        JsonElement document;
        try
        {
            document = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(400, "The installation is not JSON.");
        }

        string? Text(string name) => document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var platform = Platform(Text("platform"));
        if (Text("installationId") != installationId || platform is null
            || !document.TryGetProperty("pushChannel", out var channel) || channel.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
        {
            return Error(400, "installationId (matching the URL), a known platform and pushChannel are required.");
        }

        var tags = document.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
            ? t.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()
            : [];
        if (tags.Any(tag => !TagPattern().IsMatch(tag)))
        {
            return Error(400, "Tags are 1..120 of A-Z a-z 0-9 _ @ # . : -.");
        }

        var templates = document.TryGetProperty("templates", out var tpl) && tpl.ValueKind == JsonValueKind.Object
            ? tpl.EnumerateObject().Select(p => p.Value.TryGetProperty("body", out var body) ? body.GetString() ?? string.Empty : string.Empty).ToArray()
            : [];
        installations[installationId] = new StoredInstallation(document.Clone(), platform, tags, templates);
        return Results.Ok();
    }

    private async Task<IResult> SendAsync(HttpContext context)
    {
        if (!string.Equals(context.Request.Headers["ServiceBusNotification-Format"], "template", StringComparison.OrdinalIgnoreCase))
        {
            return Error(400, "The local sink takes template sends only (ServiceBusNotification-Format: template).");
        }

        var tags = ParseTagExpression(context.Request.Headers["ServiceBusNotification-Tags"].ToString());
        if (tags is null)
        {
            return Error(400, "ServiceBusNotification-Tags must be one tag or up to 20 tags joined by ||.");
        }

        Dictionary<string, string>? properties;
        try
        {
            properties = await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            properties = null;
        }

        if (properties is null)
        {
            return Error(400, "A template send's body is a JSON object of string properties.");
        }

        var lookup = new Dictionary<string, string>(properties, StringComparer.OrdinalIgnoreCase);
        var now = time.GetUtcNow();
        foreach (var device in installations.Values.Where(i => i.Tags.Any(tags.Contains)))
        {
            foreach (var template in device.Templates)
            {
                var rendered = ExpressionPattern().Replace(template, m => lookup.GetValueOrDefault(m.Groups[1].Value, string.Empty));
                received.Enqueue(new ReceivedNotification(device.Tags, device.Platform, AsPayload(rendered), now));
            }
        }

        return Results.StatusCode(201);
    }

    /// <summary>JSON payloads as objects; anything else (WNS toast XML, or JSON a template broke) as a string.</summary>
    private static JsonElement AsPayload(string rendered)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(rendered);
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(rendered);
        }
    }

    private static HashSet<string>? ParseTagExpression(string expression)
    {
        var tags = expression.Replace("(", " ", StringComparison.Ordinal).Replace(")", " ", StringComparison.Ordinal)
            .Split("||", StringSplitOptions.TrimEntries)
            .ToArray();
        return tags.Length is 0 or > 20 || tags.Any(tag => !TagPattern().IsMatch(tag)) ? null : tags.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Installation platforms of the service, named as API.md names them.</summary>
    private static string? Platform(string? hubPlatform) => hubPlatform?.ToLowerInvariant() switch
    {
        "fcmv1" or "fcm" or "gcm" => "fcm",
        "apns" => "apns",
        "wns" => "wns",
        "browser" => "webpush",
        _ => null,
    };

    private static IResult Error(int status, string detail) => LocalErrorAnswers.Problem(status, detail);

    [GeneratedRegex(@"^[A-Za-z0-9_@#.:-]{1,120}\z")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\$\(([A-Za-z0-9_]+)\)")]
    private static partial Regex ExpressionPattern();

    private sealed record StoredInstallation(JsonElement Document, string Platform, IReadOnlyList<string> Tags, IReadOnlyList<string> Templates);
}
