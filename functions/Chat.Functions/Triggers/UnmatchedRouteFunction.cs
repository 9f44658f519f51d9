namespace Chat.Functions.Triggers;

using Chat.Core.Errors;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

/// <summary>
/// Every request below the route prefix that no other function takes, in both hosts: 405 with
/// <c>Allow</c> when another route matches the path with other methods, else 404 (a route value that
/// does not parse is no match). No token needed: an unknown route is not a route (API.md, Errors).
/// </summary>
public sealed partial class UnmatchedRouteFunction(ILogger<UnmatchedRouteFunction> logger)
{
    /// <summary>Sorts after every other function name: the Functions host tries routes in function-name
    /// order and takes the first match (azure-functions-host FunctionMetadataManager, WebScriptHostHttpRoutesManager).</summary>
    public const string Name = "ZzUnmatchedRoute";

    private static readonly HttpRouteMatcher Routes = new(HttpFunctionCatalog.All.Where(f => f.Name != Name));

    [InternalRoute("The catch-all for unknown routes (404) and wrong methods (405): no route of its own.")]
    [Function(Name), Public]
    public IActionResult Unmatched(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest req,
        string? path = null)
    {
        var method = req.Method.ToUpperInvariant();
        var allowed = Routes.AllowedMethods(path ?? string.Empty);
        if (allowed.Count == 0)
        {
            throw ChatErrors.RouteNotFound();
        }

        if (allowed.Contains(method, StringComparer.Ordinal))
        {
            LogShadowed(logger, method, path ?? string.Empty);
            throw ChatErrors.RouteNotFound();
        }

        throw ChatErrors.MethodNotAllowed(allowed);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Method} /{Path} reached the unmatched-route function although a function takes it: a route is shadowed")]
    private static partial void LogShadowed(ILogger logger, string method, string path);
}
