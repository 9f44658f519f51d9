namespace Chat.UnitTests.Adapters;

using System.Text.RegularExpressions;
using Chat.Functions.Http;

public sealed partial class HttpFunctionCatalogTests
{
    /// <summary>API.md's Auth, Users, Chats, Groups, Messages, Real time, Presence and Health routes, and the v1.1 ones built (without the /api prefix).</summary>
    public static TheoryData<string, string> ContractRoutes => new()
    {
        { "POST", "auth/register" },
        { "POST", "auth/verify" },
        { "POST", "auth/login" },
        { "POST", "auth/refresh" },
        { "POST", "auth/logout" },
        { "GET", "users/me" },
        { "PATCH", "users/me" },
        { "GET", "users/{userId}" },
        { "POST", "users/lookup" },
        { "GET", "chats" },
        { "POST", "chats/direct" },
        { "GET", "chats/{chatId}" },
        { "POST", "groups" },
        { "PATCH", "groups/{chatId}" },
        { "POST", "groups/{chatId}/members" },
        { "DELETE", "groups/{chatId}/members/{userId}" },
        { "POST", "groups/{chatId}/admins/{userId}" },
        { "POST", "groups/{chatId}/invite" },
        { "POST", "groups/join" },
        { "POST", "groups/{chatId}/leave" },
        { "POST", "chats/{chatId}/messages" },
        { "GET", "chats/{chatId}/messages" },
        { "POST", "chats/{chatId}/receipts" },
        { "GET", "chats/{chatId}/messages/{seq}/receipts" },
        { "POST", "chats/{chatId}/typing" },
        { "DELETE", "chats/{chatId}/messages/{seq}" },
        { "GET", "health" },
        { "POST", "negotiate" },
        { "POST", "presence/heartbeat" },
        { "GET", "openapi.json" },
        { "GET", "presence" },

        // Additions in v1.1 built so far.
        { "PATCH", "chats/{chatId}/messages/{seq}" },
        { "PUT", "chats/{chatId}/messages/{seq}/reactions/me" },
        { "DELETE", "chats/{chatId}/messages/{seq}/reactions/me" },
        { "POST", "chats/{chatId}/messages/{seq}/forward" },
        { "GET", "chats/{chatId}/messages/search" },
        { "PATCH", "chats/{chatId}/settings" },
        { "GET", "users/me/sessions" },
        { "DELETE", "users/me/sessions/{sessionId}" },
        { "PUT", "chats/{chatId}/timer" },
        { "GET", "users/me/blocked" },
        { "PUT", "users/me/blocked/{userId}" },
        { "DELETE", "users/me/blocked/{userId}" },
    };

    [Theory]
    [MemberData(nameof(ContractRoutes))]
    public void All_HasEveryContractRoute(string method, string route)
    {
        Assert.Single(HttpFunctionCatalog.All, f => f.HttpMethods.Contains(method) && Normalize(f.Route) == route);
    }

    [Fact]
    public void All_PublicFunctions_AreExactlyRegisterVerifyLoginRefreshHealthOpenApi_TheRealtimeUpstream_AndTheUnmatchedRoute()
    {
        var publicRoutes = HttpFunctionCatalog.All.Where(f => f.IsPublic).Select(f => f.Route).Order(StringComparer.Ordinal);

        // The unmatched-route function answers only 404 and 405: an unknown route is not a route that needs a token.
        // The real-time upstream needs no user token: the caller proves it is the SignalR service (SignalRUpstreamReader).
        Assert.Equal(["auth/login", "auth/refresh", "auth/register", "auth/verify", "health", "openapi.json", "realtime/upstream/{hub}/{category}/{event}", "{*path}"], publicRoutes);
    }

    [Fact]
    public void Logout_NeedsAnAccessToken()
    {
        Assert.False(Assert.Single(HttpFunctionCatalog.All, f => f.Route == "auth/logout").IsPublic);
    }

    [Fact]
    public void All_NoTwoFunctionsShareAMethodAndRoute()
    {
        var pairs = HttpFunctionCatalog.All.SelectMany(f => f.HttpMethods.Select(m => m + " " + Normalize(f.Route))).ToArray();

        Assert.Equal(pairs.Length, pairs.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void All_NamesAreUnique_AndFindable()
    {
        Assert.Equal(HttpFunctionCatalog.All.Count, HttpFunctionCatalog.All.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(HttpFunctionCatalog.All, f => Assert.Same(f, HttpFunctionCatalog.Find(f.Name)));
        Assert.Null(HttpFunctionCatalog.Find("NoSuchFunction"));
    }

    [Fact]
    public void All_MethodsAreUppercase()
    {
        Assert.All(HttpFunctionCatalog.All, f => Assert.All(f.HttpMethods, m => Assert.Equal(m.ToUpperInvariant(), m)));
    }

    private static string Normalize(string route) => RouteConstraint().Replace(route, "{$1}");

    [GeneratedRegex(@"\{(\w+):[^}]+\}")]
    private static partial Regex RouteConstraint();
}
