namespace Chat.Functions.OpenApi;

using System.Text.Json.Nodes;
using Chat.Functions.Http;

/// <summary>The document's <c>components/responses</c>: one problem+json answer per error status of API.md's Errors
/// table (and 414), each used by <c>$ref</c>; only those some operation answers are written.</summary>
public sealed class ProblemResponses(SchemaRegistry schemas)
{
    public const string RetryAfterHeader = "RetryAfter";

    private static readonly Dictionary<int, (string Name, string Description)> Known = new()
    {
        [400] = ("BadRequest", "Malformed JSON, or a field missing, too long or of the wrong type (`errors` names the fields)."),
        [401] = ("Unauthorized", "No token, a bad or expired one, a revoked session, wrong credentials or an unverified account."),
        [403] = ("Forbidden", "The caller lacks the role (e.g. a non-admin managing a group), or a block stands."),
        [404] = ("NotFound", "An unknown resource, or one the caller may not see (no enumeration)."),
        [409] = ("Conflict", "The phone number belongs to a verified account."),
        [410] = ("Gone", "The media is past its retention."),
        [413] = ("ContentTooLarge", "A JSON body over its limit (256 KiB), or media larger than its limit."),
        [414] = ("UriTooLong", "The path and query are over their limit."),
        [422] = ("PolicyViolation", "A policy refuses the request (e.g. a group past 100 members, an unsupported media type)."),
        [429] = ("TooManyRequests", "Rate limited; `Retry-After` says when to try again. Nothing was done."),
        [503] = ("ServiceUnavailable", "A backing service is unavailable (answered within about 5 s); `Retry-After` says when to try again. Nothing is half-written."),
    };

    private readonly SortedDictionary<int, JsonObject> used = [];

    public static bool IsKnown(int status) => Known.ContainsKey(status);

    /// <summary>A <c>$ref</c> to the response of <paramref name="status"/>, added on first use.</summary>
    public JsonObject RefTo(int status)
    {
        var (name, description) = Known.TryGetValue(status, out var known)
            ? known
            : throw new InvalidOperationException($"No problem response is described for status {status}; add it to ProblemResponses.");
        if (!used.ContainsKey(status))
        {
            used[status] = Describe(status, description);
        }

        return new JsonObject { ["$ref"] = "#/components/responses/" + name };
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (status, response) in used)
        {
            json[Known[status].Name] = response.DeepClone();
        }

        return json;
    }

    public static JsonObject Header() => new()
    {
        ["description"] = "Seconds to wait before trying again.",
        ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
    };

    private JsonObject Describe(int status, string description)
    {
        var response = new JsonObject { ["description"] = description };
        if (status is 429 or 503)
        {
            response["headers"] = new JsonObject { ["Retry-After"] = new JsonObject { ["$ref"] = "#/components/headers/" + RetryAfterHeader } };
        }

        response["content"] = new JsonObject
        {
            ["application/problem+json"] = new JsonObject { ["schema"] = schemas.RefTo(typeof(ProblemDetails)) },
        };
        return response;
    }
}
