namespace Chat.UnitTests.Adapters;

using Chat.Core.Errors;
using Chat.Functions.Http;
using Chat.Functions.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

public sealed class HttpRouteMatcherTests
{
    private static readonly HttpRouteMatcher Catalog = new(HttpFunctionCatalog.All.Where(f => f.Name != UnmatchedRouteFunction.Name));

    [Theory]
    [InlineData("chats/c1/messages/5", "DELETE,PATCH")]
    [InlineData("chats/c1/messages/5/reactions/me", "DELETE,PUT")]
    [InlineData("chats/c1/messages/5/receipts", "GET")]
    [InlineData("chats/c1/messages/5/forward", "POST")]
    [InlineData("chats/c1/messages", "GET,POST")]
    [InlineData("groups/join", "PATCH,POST")]
    [InlineData("users/me", "GET,PATCH")]
    [InlineData("CHATS", "GET")]
    [InlineData("/health", "GET")]
    public void AllowedMethods_OfMatchingRoutes_Sorted(string path, string methods)
    {
        Assert.Equal(methods.Split(','), Catalog.AllowedMethods(path));
    }

    [Theory]
    [InlineData("chats/c1/messages/abc")]
    [InlineData("chats/c1/messages/abc/receipts")]
    [InlineData("chats/c1/messages/5.5")]
    [InlineData("no/such/route")]
    [InlineData("")]
    public void AllowedMethods_RouteValueThatDoesNotParse_OrUnknownPath_IsEmpty(string path)
    {
        Assert.Empty(Catalog.AllowedMethods(path));
    }

    [Fact]
    public void EveryCatalogRoute_MatchesItself_ForItsOwnMethods()
    {
        foreach (var function in HttpFunctionCatalog.All.Where(f => f.Name != UnmatchedRouteFunction.Name))
        {
            var sample = System.Text.RegularExpressions.Regex.Replace(function.Route, @"\{[^}]+\}", "1");
            Assert.All(function.HttpMethods, m => Assert.Contains(m, Catalog.AllowedMethods(sample)));
        }
    }

    [Fact]
    public void UnmatchedRoute_SortsLastByName_AsTheFunctionsHostOrdersRoutes()
    {
        var last = HttpFunctionCatalog.All.Select(f => f.Name).Order(StringComparer.OrdinalIgnoreCase).Last();

        Assert.Equal(UnmatchedRouteFunction.Name, last);
    }

    /// <summary>The Functions host tries routes in function-name order (OrdinalIgnoreCase) and takes the first that
    /// matches path and method (azure-functions-host FunctionMetadataManager, WebScriptHostHttpRoutesManager): in that
    /// order every route must still reach its own function, the unmatched-route one included last.</summary>
    [Fact]
    public void InTheFunctionsHostsOrder_EveryRouteReachesItsOwnFunction()
    {
        var azureOrder = HttpFunctionCatalog.All.OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .Select(f => (Function: f, Matcher: new HttpRouteMatcher([f])))
            .ToArray();
        foreach (var function in HttpFunctionCatalog.All.Where(f => f.Name != UnmatchedRouteFunction.Name))
        {
            var sample = System.Text.RegularExpressions.Regex.Replace(function.Route, @"\{[^}]+\}", "1");
            foreach (var method in function.HttpMethods)
            {
                var first = azureOrder.First(r => r.Matcher.AllowedMethods(sample).Contains(method, StringComparer.Ordinal));
                Assert.True(first.Function == function, $"{method} {sample} reaches {first.Function.Name}, not {function.Name}");
            }
        }
    }

    [Fact]
    public void UnmatchedRoute_WrongMethodOnAKnownRoute_Is405WithTheAllowedMethods()
    {
        var error = Assert.Throws<ChatException>(() => Unmatched("GET", "chats/c1/messages/5"));

        Assert.Equal(405, error.Status);
        Assert.Equal(["DELETE", "PATCH"], error.AllowedMethods);
    }

    [Theory]
    [InlineData("DELETE", "chats/c1/messages/abc")]
    [InlineData("GET", "chats/c1/messages/abc/receipts")]
    [InlineData("GET", "nothing/here")]
    [InlineData("POST", null)]
    public void UnmatchedRoute_UnknownPathOrUnparsableValue_Is404(string method, string? path)
    {
        var error = Assert.Throws<ChatException>(() => Unmatched(method, path));

        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Null(error.AllowedMethods);
    }

    private static void Unmatched(string method, string? path)
    {
        var context = new DefaultHttpContext { Request = { Method = method } };
        new UnmatchedRouteFunction(NullLogger<UnmatchedRouteFunction>.Instance).Unmatched(context.Request, path);
    }
}
