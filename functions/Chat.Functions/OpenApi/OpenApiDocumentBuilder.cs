namespace Chat.Functions.OpenApi;

using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Chat.Functions.Http;
using Chat.Functions.Triggers;
using Microsoft.AspNetCore.WebUtilities;

/// <summary>
/// The OpenAPI 3.1 document of the API, built from the function catalog (<see cref="HttpFunctionCatalog"/>: routes,
/// methods, <see cref="PublicAttribute"/>), the contract attributes on each function (<see cref="AnswersAttribute"/> and
/// its kin), the statuses the pipeline adds (<see cref="PipelineProblems"/>) and the C# types of bodies and events
/// (<see cref="SchemaRegistry"/>), so it cannot drift from the code.
/// </summary>
public static partial class OpenApiDocumentBuilder
{
    public const string OpenApiVersion = "3.1.1";
    public const string ApiVersion = "1.1";
    public const string BearerScheme = "bearer";

    private static readonly string[] MethodOrder = ["GET", "PUT", "POST", "PATCH", "DELETE"];

    private const string Description = """
        The chat backend's HTTP API (API.md v1.1). This document is generated from the backend's function catalog and
        the C# types of its bodies, and served at `GET /api/openapi.json`.

        Every operation needs `Authorization: Bearer <accessToken>` except those with `security: []`. Every error answer
        is `application/problem+json` (`ProblemDetails`, with `errors` on validation failures).

        **Real time: the `x-signalr` extension.** The top-level `x-signalr` object describes the SignalR hub (Azure
        SignalR Service in serverless mode): `negotiate` is the path, in `paths`, of the negotiate operation (a POST with
        the access token, answering `{url, accessToken}`; clients pass the base URL `<host>/api` to `@microsoft/signalr`'s
        `HubConnectionBuilder.withUrl` with an `accessTokenFactory`); `hub` is the hub's name; `events` maps each
        server-to-client method to the schema of its one JSON argument (a `$ref`, whose `description` says to whom it
        goes); `schema` refers to the same map as one schema, `ServerEvents`. Clients only listen: a client that
        invokes a hub method is disconnected, and everything a client says goes through HTTP. Delivery is best
        effort: after a reconnect, read `GET /chats/{chatId}/messages?afterSeq=` for each chat.
        """;

    /// <summary>Whether the function is a route of the public API (all but <see cref="InternalRouteAttribute"/> ones).</summary>
    public static bool IsDocumented(HttpFunction function) => !function.Method.IsDefined(typeof(InternalRouteAttribute), false);

    /// <summary>The path of the function in the document: its route without constraints, below the server's <c>/api</c>.</summary>
    public static string PathOf(HttpFunction function) => "/" + RouteConstraint().Replace(function.Route, "{$1}");

    /// <summary>Every status the function answers: its successes, its own problems and the pipeline's.</summary>
    public static IReadOnlyList<int> StatusesOf(HttpFunction function) =>
        function.Method.GetCustomAttributes<AnswersAttribute>().Select(a => a.Status)
            .Concat(function.Method.GetCustomAttribute<ProblemsAttribute>()?.Statuses ?? [])
            .Concat(PipelineProblems.Of(function))
            .Distinct()
            .Order()
            .ToArray();

    public static JsonObject Build(IEnumerable<HttpFunction> functions)
    {
        var documented = functions.Where(IsDocumented).ToArray();
        var schemas = new SchemaRegistry();
        var problems = new ProblemResponses(schemas);
        var paths = new JsonObject();
        foreach (var path in documented.GroupBy(PathOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var item = new JsonObject();
            foreach (var (function, method) in path.SelectMany(f => f.HttpMethods.Select(m => (f, m))).OrderBy(x => Array.IndexOf(MethodOrder, x.m)))
            {
                item[method.ToLowerInvariant()] = Operation(function, schemas, problems);
            }

            paths[path.Key] = item;
        }

        var negotiate = documented.Single(f => f.Name == nameof(RealtimeFunctions.Negotiate));
        var realtime = RealtimeContract.Describe(schemas, PathOf(negotiate));
        return new JsonObject
        {
            ["openapi"] = OpenApiVersion,
            ["info"] = new JsonObject { ["title"] = "Chat API", ["version"] = ApiVersion, ["description"] = Description },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/api", ["description"] = "The Functions route prefix on the host that serves this document." }),
            ["security"] = new JsonArray(new JsonObject { [BearerScheme] = new JsonArray() }),
            ["paths"] = paths,
            [RealtimeContract.Extension] = realtime,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.ToJson(),
                ["responses"] = problems.ToJson(),
                ["headers"] = new JsonObject { [ProblemResponses.RetryAfterHeader] = ProblemResponses.Header() },
                ["securitySchemes"] = new JsonObject
                {
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "The accessToken of POST /auth/login or /auth/refresh (15 minutes).",
                    },
                },
            },
        };
    }

    private static JsonObject Operation(HttpFunction function, SchemaRegistry schemas, ProblemResponses problems)
    {
        var operation = new JsonObject { ["operationId"] = function.Name, ["summary"] = Summary(function.Name) };
        if (function.IsPublic)
        {
            operation["security"] = new JsonArray();
        }

        var parameters = Parameters(function, schemas);
        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (function.Method.GetCustomAttribute<RequestBodyAttribute>() is { } body)
        {
            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = Json(schemas.For(body.Type)) };
        }

        var answers = function.Method.GetCustomAttributes<AnswersAttribute>().ToDictionary(a => a.Status);
        var responses = new JsonObject();
        foreach (var status in StatusesOf(function))
        {
            responses[status.ToString(CultureInfo.InvariantCulture)] = answers.TryGetValue(status, out var answer) ? Answer(answer, schemas) : problems.RefTo(status);
        }

        operation["responses"] = responses;
        return operation;
    }

    private static JsonArray Parameters(HttpFunction function, SchemaRegistry schemas)
    {
        var parameters = new JsonArray();
        foreach (Match match in RouteParameter().Matches(function.Route))
        {
            var integer = match.Groups[2].Value is "long" or "int";
            parameters.Add(new JsonObject
            {
                ["name"] = match.Groups[1].Value,
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = new JsonObject { ["type"] = integer ? "integer" : "string" },
            });
        }

        foreach (var query in function.Method.GetCustomAttributes<QueryParameterAttribute>())
        {
            parameters.Add(new JsonObject
            {
                ["name"] = query.Name,
                ["in"] = "query",
                ["required"] = false,
                ["description"] = query.Description,
                ["schema"] = schemas.For(query.Type),
            });
        }

        return parameters;
    }

    private static JsonObject Answer(AnswersAttribute answer, SchemaRegistry schemas)
    {
        var response = new JsonObject { ["description"] = answer.Description ?? ReasonPhrases.GetReasonPhrase(answer.Status) };
        if (answer.Status is >= 300 and < 400)
        {
            response["headers"] = new JsonObject
            {
                ["Location"] = new JsonObject
                {
                    ["description"] = "Where to go: a short-lived read URL.",
                    ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "uri" },
                },
            };
        }

        if (answer.Type is not null)
        {
            response["content"] = Json(schemas.For(answer.Type));
        }

        return response;
    }

    private static JsonObject Json(JsonNode schema) => new() { ["application/json"] = new JsonObject { ["schema"] = schema } };

    /// <summary>"SendMessage" → "Send message".</summary>
    private static string Summary(string name) =>
        name[..1] + WordStart().Replace(name[1..], m => " " + m.Value.ToLowerInvariant());

    [GeneratedRegex(@"\{(\w+):[^}]+\}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex(@"\{\*?(\w+)(?::(\w+))?[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex("[A-Z]")]
    private static partial Regex WordStart();
}
