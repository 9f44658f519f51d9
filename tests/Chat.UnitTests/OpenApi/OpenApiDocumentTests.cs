namespace Chat.UnitTests.OpenApi;

using System.Reflection;
using System.Text.Json.Nodes;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;

/// <summary>The OpenAPI document (GET /api/openapi.json) against the function catalog and API.md.
/// The rule for what it covers: every HTTP function of the catalog except those marked [InternalRoute], which are
/// exactly the SignalR service's upstream and the unmatched-route catch-all.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly JsonObject Document = JsonNode.Parse(OpenApiDocument.Json)!.AsObject();

    /// <summary>Each route's statuses as API.md gives them (its row, the Errors table, v1.1): its answers, its own
    /// problems, and the pipeline's (400 for a body or query, 401 with a token, 413 for a body, 414 always, 503 with a token).</summary>
    public static TheoryData<string, string, int[]> ContractStatuses => new()
    {
        { "POST", "/auth/register", [202, 400, 409, 413, 414, 429, 503] },
        { "POST", "/auth/verify", [201, 400, 409, 413, 414, 429, 503] },
        { "POST", "/auth/login", [200, 400, 401, 413, 414, 429, 503] },
        { "POST", "/auth/refresh", [200, 400, 401, 413, 414, 429, 503] },
        { "POST", "/auth/logout", [204, 400, 401, 413, 414, 503] },
        { "GET", "/users/me", [200, 401, 414, 503] },
        { "PATCH", "/users/me", [200, 400, 401, 413, 414, 503] },
        { "GET", "/users/{userId}", [200, 401, 404, 414, 503] },
        { "POST", "/users/lookup", [200, 400, 401, 413, 414, 429, 503] },
        { "GET", "/users/me/blocked", [200, 401, 414, 503] },
        { "PUT", "/users/me/blocked/{userId}", [204, 400, 401, 404, 414, 422, 503] },
        { "DELETE", "/users/me/blocked/{userId}", [204, 400, 401, 404, 414, 503] },
        { "GET", "/users/me/sessions", [200, 401, 414, 503] },
        { "DELETE", "/users/me/sessions/{sessionId}", [204, 401, 404, 414, 503] },
        { "POST", "/negotiate", [200, 401, 414, 503] },
        { "GET", "/chats", [200, 400, 401, 414, 503] },
        { "POST", "/chats/direct", [200, 201, 400, 401, 404, 413, 414, 503] },
        { "GET", "/chats/{chatId}", [200, 401, 404, 414, 503] },
        { "PATCH", "/chats/{chatId}/settings", [200, 400, 401, 404, 413, 414, 422, 503] },
        { "PUT", "/chats/{chatId}/timer", [200, 400, 401, 403, 404, 413, 414, 503] },
        { "POST", "/groups", [201, 400, 401, 403, 404, 413, 414, 422, 429, 503] },
        { "PATCH", "/groups/{chatId}", [200, 400, 401, 403, 404, 413, 414, 503] },
        { "POST", "/groups/{chatId}/members", [200, 400, 401, 403, 404, 413, 414, 422, 503] },
        { "DELETE", "/groups/{chatId}/members/{userId}", [204, 401, 403, 404, 414, 503] },
        { "POST", "/groups/{chatId}/admins/{userId}", [200, 401, 403, 404, 414, 503] },
        { "POST", "/groups/{chatId}/invite", [200, 401, 403, 404, 414, 503] },
        { "POST", "/groups/join", [200, 400, 401, 404, 413, 414, 422, 429, 503] },
        { "POST", "/groups/{chatId}/leave", [204, 401, 404, 414, 503] },
        { "POST", "/chats/{chatId}/messages", [200, 201, 400, 401, 403, 404, 413, 414, 422, 429, 503] },
        { "GET", "/chats/{chatId}/messages", [200, 400, 401, 404, 414, 503] },
        { "GET", "/chats/{chatId}/messages/search", [200, 400, 401, 404, 414, 503] },
        { "POST", "/chats/{chatId}/receipts", [204, 400, 401, 404, 413, 414, 503] },
        { "GET", "/chats/{chatId}/messages/{seq}/receipts", [200, 401, 403, 404, 414, 503] },
        { "POST", "/chats/{chatId}/typing", [204, 401, 404, 414, 503] },
        { "DELETE", "/chats/{chatId}/messages/{seq}", [204, 401, 403, 404, 414, 503] },
        { "PATCH", "/chats/{chatId}/messages/{seq}", [200, 400, 401, 403, 404, 413, 414, 422, 503] },
        { "PUT", "/chats/{chatId}/messages/{seq}/reactions/me", [200, 400, 401, 403, 404, 413, 414, 503] },
        { "DELETE", "/chats/{chatId}/messages/{seq}/reactions/me", [204, 401, 404, 414, 503] },
        { "POST", "/chats/{chatId}/messages/{seq}/forward", [200, 201, 400, 401, 403, 404, 413, 414, 422, 429, 503] },
        { "POST", "/presence/heartbeat", [204, 401, 414, 503] },
        { "GET", "/presence", [200, 400, 401, 414, 503] },
        { "POST", "/media", [201, 400, 401, 413, 414, 422, 429, 503] },
        { "GET", "/media/{mediaId}", [302, 401, 404, 410, 414, 503] },
        { "GET", "/media/{mediaId}/thumbnail", [302, 401, 404, 410, 414, 503] },
        { "PUT", "/devices/{installationId}", [204, 400, 401, 413, 414, 503] },
        { "DELETE", "/devices/{installationId}", [204, 400, 401, 414, 503] },
        { "GET", "/health", [200, 414, 503] },
        { "GET", "/openapi.json", [200, 414] },
    };

    private static IEnumerable<HttpFunction> Documented => HttpFunctionCatalog.All.Where(OpenApiDocumentBuilder.IsDocumented);

    private static JsonObject Paths => Document["paths"]!.AsObject();

    private static JsonObject Schemas => Document["components"]!["schemas"]!.AsObject();

    [Fact]
    public void Document_IsOpenApi31_WithBearerSecurity_ServedBelowApi()
    {
        Assert.StartsWith("3.1.", Document["openapi"]!.GetValue<string>());
        Assert.Equal("/api", Document["servers"]![0]!["url"]!.GetValue<string>());
        Assert.Equal("bearer", Document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal("JWT", Document["components"]!["securitySchemes"]!["bearer"]!["bearerFormat"]!.GetValue<string>());
        Assert.NotNull(Document["security"]![0]!["bearer"]);
        Assert.Contains("x-signalr", Document["info"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public void InternalRoutes_AreExactlyTheSignalRUpstreamAndTheUnmatchedRoute()
    {
        var left = HttpFunctionCatalog.All.Where(f => !OpenApiDocumentBuilder.IsDocumented(f)).Select(f => f.Route).Order(StringComparer.Ordinal);

        Assert.Equal(["realtime/upstream/{hub}/{category}/{event}", "{*path}"], left);
        Assert.DoesNotContain(Paths, p => p.Key.StartsWith("/realtime", StringComparison.Ordinal) || p.Key.Contains('*'));
    }

    [Fact]
    public void EveryDocumentedFunction_IsAnOperation_WithExactlyItsDeclaredStatuses()
    {
        foreach (var function in Documented)
        {
            foreach (var method in function.HttpMethods)
            {
                var operation = Paths[OpenApiDocumentBuilder.PathOf(function)]?[method.ToLowerInvariant()];
                Assert.True(operation is not null, $"{method} {function.Route} ({function.Name}) is not in the document.");
                Assert.Equal(function.Name, operation!["operationId"]!.GetValue<string>());
                Assert.Equal(OpenApiDocumentBuilder.StatusesOf(function), Statuses(operation));
            }
        }

        Assert.Equal(Documented.Sum(f => f.HttpMethods.Count), Paths.Sum(p => p.Value!.AsObject().Count));
    }

    [Theory]
    [MemberData(nameof(ContractStatuses))]
    public void EveryRoute_AnswersTheStatusesOfApiMd(string method, string path, int[] statuses)
    {
        var operation = Paths[path]?[method.ToLowerInvariant()];

        Assert.True(operation is not null, $"{method} {path} is not in the document.");
        Assert.Equal(statuses, Statuses(operation!));
    }

    [Fact]
    public void EveryDocumentedOperation_HasARowInTheContractTable()
    {
        var table = ContractStatuses.Select(row => (string)row[0] + " " + (string)row[1]).ToHashSet(StringComparer.Ordinal);

        Assert.All(Documented.SelectMany(f => f.HttpMethods.Select(m => m + " " + OpenApiDocumentBuilder.PathOf(f))), op => Assert.Contains(op, table));
    }

    [Fact]
    public void EveryDocumentedFunction_DeclaresItsAnswers_AndEveryRequestRecordIsSomeFunctionsBody()
    {
        Assert.All(Documented, f => Assert.True(f.Method.GetCustomAttributes<AnswersAttribute>().Any(), $"{f.Name} has no [Answers]."));
        var bodies = Documented.Select(f => f.Method.GetCustomAttribute<RequestBodyAttribute>()?.Type).OfType<Type>().ToHashSet();
        var requests = typeof(Chat.Core.Messages.SendMessageRequest).Assembly.GetTypes().Where(t => t.Name.EndsWith("Request", StringComparison.Ordinal) && !t.IsAbstract);

        Assert.All(requests, r => Assert.True(bodies.Contains(r), $"{r.Name} is read by no function's [RequestBody]."));
    }

    [Fact]
    public void PublicOperations_NeedNoToken_TheOthersInheritTheBearerRequirement()
    {
        foreach (var function in Documented)
        {
            var operation = Paths[OpenApiDocumentBuilder.PathOf(function)]![function.HttpMethods[0].ToLowerInvariant()]!;
            if (function.IsPublic)
            {
                Assert.Empty(operation["security"]!.AsArray());
            }
            else
            {
                Assert.Null(operation["security"]);
            }
        }
    }

    [Fact]
    public void EveryErrorResponse_IsProblemJson_AndRateLimitsAndOutagesSayRetryAfter()
    {
        foreach (var (status, response) in Paths.SelectMany(p => p.Value!.AsObject()).SelectMany(o => o.Value!["responses"]!.AsObject()).Where(r => r.Key[0] is '4' or '5'))
        {
            var described = Resolve(response!);
            Assert.Equal("#/components/schemas/ProblemDetails", described["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
            Assert.Equal(status is "429" or "503", described["headers"]?["Retry-After"] is not null);
        }
    }

    [Fact]
    public void ProblemDetails_RequiresTheFiveKeys_AndMayCarryErrors()
    {
        var problem = Schemas["ProblemDetails"]!;

        Assert.Equal(["type", "title", "status", "detail", "traceId"], Strings(problem["required"]));
        Assert.Equal("array", problem["properties"]!["errors"]!["additionalProperties"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void MessageSchema_HasTheFieldsOfApiMd_RequiredWhereAlwaysPresent()
    {
        var message = Schemas["MessageView"]!;
        var properties = message["properties"]!.AsObject().Select(p => p.Key);

        Assert.Equal(
            ["chatId", "seq", "messageId", "clientMessageId", "senderId", "type", "text", "media", "replyToSeq", "sentAt", "status", "deleted", "editedAt", "reactions", "replyTo", "expiresAt", "forwarded"],
            properties);
        Assert.Equal(["chatId", "seq", "messageId", "clientMessageId", "senderId", "type", "sentAt", "status", "reactions"], Strings(message["required"]));
        Assert.Equal(["text", "image", "video", "audio", "file"], Strings(message["properties"]!["type"]!["enum"]));
        Assert.Equal(["sent", "delivered", "read"], Strings(message["properties"]!["status"]!["enum"]));
        Assert.Equal("date-time", message["properties"]!["sentAt"]!["format"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/MediaView", message["properties"]!["media"]!["$ref"]!.GetValue<string>());
        Assert.Equal("string", message["properties"]!["text"]!["type"]!.GetValue<string>()); // never written as null
    }

    [Fact]
    public void Schemas_FollowTheJsonOptions_AndTheContractsVocabulary()
    {
        Assert.Equal(["chatId", "type", "members", "lastSeq", "createdAt", "messageTimer"], Strings(Schemas["ChatView"]!["required"]));
        Assert.Equal(["userId", "displayName", "online"], Strings(Schemas["UserView"]!["required"]));
        Assert.Equal(["clientMessageId", "type"], Strings(Schemas["SendMessageRequest"]!["required"]));
        Assert.Null(Schemas["ChatSettingsRequest"]!["required"]);
        Assert.Equal(["string", "null"], Strings(Schemas["ChatSettingsRequest"]!["properties"]!["mutedUntil"]!["type"]));
        Assert.Equal(["string", "null"], Strings(Schemas["ReactionEvent"]!["properties"]!["emoji"]!["type"])); // written as null on removal
        Assert.Contains("emoji", Strings(Schemas["ReactionEvent"]!["required"]));
        Assert.Equal([0, 86400, 604800, 7776000], Schemas["TimerRequest"]!["properties"]!["seconds"]!["enum"]!.AsArray().Select(v => v!.GetValue<int>()));
    }

    [Fact]
    public void PathParameters_ComeFromTheRoute_SeqIsAnInteger()
    {
        var parameters = Paths["/chats/{chatId}/messages/{seq}"]!["delete"]!["parameters"]!.AsArray();

        Assert.Equal(["chatId", "seq"], parameters.Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal(["string", "integer"], parameters.Select(p => p!["schema"]!["type"]!.GetValue<string>()));
        Assert.All(parameters, p => Assert.Equal("path", p!["in"]!.GetValue<string>()));
    }

    [Fact]
    public void QueryParameters_AreDeclared()
    {
        var parameters = Paths["/chats/{chatId}/messages"]!["get"]!["parameters"]!.AsArray().Where(p => p!["in"]!.GetValue<string>() == "query");

        Assert.Equal(["beforeSeq", "afterSeq", "limit"], parameters.Select(p => p!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void SignalRExtension_ListsEveryClientMethod_WithItsPayloadSchema()
    {
        var realtime = Document["x-signalr"]!;
        var events = realtime["events"]!.AsObject();

        Assert.Equal("/negotiate", realtime["negotiate"]!.GetValue<string>());
        Assert.NotNull(Paths["/negotiate"]!["post"]);
        Assert.Equal("chat", realtime["hub"]!.GetValue<string>());
        Assert.Equal(typeof(ClientMethods).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(), events.Select(e => e.Key).Order());
        Assert.Equal("#/components/schemas/MessageView", events["message"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/ReactionEvent", events["reaction"]!["$ref"]!.GetValue<string>());
        Assert.Equal(events.Select(e => e.Key), Schemas["ServerEvents"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void EveryReference_Resolves_AndEveryComponentIsReferenced()
    {
        var references = References(Document).ToArray();

        Assert.All(references, r => Assert.True(Pointer(r) is not null, $"{r} does not resolve."));
        var components = Document["components"]!.AsObject()
            .Where(kind => kind.Key != "securitySchemes")
            .SelectMany(kind => kind.Value!.AsObject().Select(c => $"#/components/{kind.Key}/{c.Key}"));
        Assert.All(components, c => Assert.Contains(c, references)); // Redocly's no-unused-components, with x-signalr counted
    }

    private static int[] Statuses(JsonNode operation) =>
        operation["responses"]!.AsObject().Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToArray();

    private static JsonNode Resolve(JsonNode node) => node["$ref"] is { } reference ? Pointer(reference.GetValue<string>())! : node;

    private static JsonNode? Pointer(string reference) =>
        reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode?)Document, (node, key) => node?[key.Replace("~1", "/", StringComparison.Ordinal)]);

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "$ref" ? [p.Value!.GetValue<string>()] : References(p.Value)),
        JsonArray array => array.SelectMany(References),
        _ => [],
    };
}
