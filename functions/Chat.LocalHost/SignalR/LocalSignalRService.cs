namespace Chat.LocalHost.SignalR;

using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Chat.Functions.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

/// <summary>Which users belong to which groups, the connections of each user, and the groups of single
/// connections. User membership is resolved when a message is sent, so it holds across a user's connections,
/// new ones included, with no per-connection bookkeeping (as in Azure); a connection leaves its groups when it closes.</summary>
public sealed class LocalGroupRegistry
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> usersOfGroup = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> connectionsOfGroup = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HubCallerContext> connections = new(StringComparer.Ordinal);

    public IReadOnlyList<string> UsersOf(string group) => Set(usersOfGroup, group).Keys.ToArray();

    /// <summary>The open connections added to the group by id.</summary>
    public IReadOnlyList<string> ConnectionsIn(string group) => Set(connectionsOfGroup, group).Keys.ToArray();

    public void Add(string userId, string group) => Set(usersOfGroup, group)[userId] = 0;

    public void Remove(string userId, string group) => Set(usersOfGroup, group).TryRemove(userId, out _);

    public void Connected(HubCallerContext connection) => connections[connection.ConnectionId] = connection;

    /// <summary>The open connections of these users but the excluded ones.</summary>
    public IReadOnlyList<string> ConnectionsOf(IReadOnlyList<string> userIds, IReadOnlyCollection<string> excluded)
    {
        var users = userIds.ToHashSet(StringComparer.Ordinal);
        return connections.Values
            .Where(c => c.UserIdentifier is { } user && users.Contains(user) && !excluded.Contains(c.ConnectionId))
            .Select(c => c.ConnectionId)
            .ToArray();
    }

    public void Disconnected(string connectionId)
    {
        connections.TryRemove(connectionId, out _);
        foreach (var members in connectionsOfGroup.Values)
        {
            members.TryRemove(connectionId, out _);
        }
    }

    /// <summary>False for a connection that is not (or no longer) open, which Azure answers with 404.</summary>
    public bool AddConnection(string connectionId, string group)
    {
        if (!connections.ContainsKey(connectionId))
        {
            return false;
        }

        Set(connectionsOfGroup, group)[connectionId] = 0;
        return true;
    }

    /// <summary>Closes one connection; false when it is not open.</summary>
    public bool Abort(string connectionId)
    {
        if (!connections.TryGetValue(connectionId, out var connection))
        {
            return false;
        }

        connection.Abort();
        return true;
    }

    /// <summary>Closes every connection in the group.</summary>
    public void AbortGroup(string group)
    {
        foreach (var connectionId in Set(connectionsOfGroup, group).Keys)
        {
            Abort(connectionId);
        }
    }

    private static ConcurrentDictionary<string, byte> Set(ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> map, string key) =>
        map.GetOrAdd(key, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
}

/// <summary>The hub clients connect to. Clients only listen: invocations are refused by
/// <see cref="ListenOnlyHubProtocol"/>, which closes the connection. New and closed connections are reported to the
/// app's upstream, as Azure does.</summary>
public sealed class LocalChatHub(LocalGroupRegistry registry, LocalSignalRUpstream upstream) : Hub
{
    public override Task OnConnectedAsync()
    {
        registry.Connected(Context);
        return upstream.ReportAsync(Context, LocalSignalRUpstream.Connected);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        registry.Disconnected(Context.ConnectionId);
        return upstream.ReportAsync(Context, LocalSignalRUpstream.Disconnected);
    }
}

/// <summary>The user id of a connection is the token's <c>nameid</c> claim, as in Azure SignalR.</summary>
public sealed class NameIdUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst("nameid")?.Value;
}

/// <summary>Failures the tests can inject into the local service's REST API (e.g. a group removal
/// that fails twice), to prove the adapter's retries.</summary>
public sealed class LocalSignalRFaults
{
    private readonly ConcurrentQueue<(string Method, string PathContains)> pending = new();

    public void FailNext(string method, string pathContains, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            pending.Enqueue((method, pathContains));
        }
    }

    public bool ShouldFail(HttpRequest request)
    {
        if (pending.TryPeek(out var next) && request.Method == next.Method && request.Path.Value!.Contains(next.PathContains, StringComparison.Ordinal))
        {
            return pending.TryDequeue(out _);
        }

        return false;
    }
}

/// <summary>
/// A local stand-in for Azure SignalR Service in serverless mode: a real ASP.NET Core SignalR hub at
/// <c>/client?hub=chat</c> that accepts the negotiate tokens (signature, audience, lifetime, as
/// Azure checks them), the subset of the data-plane REST API that the adapter uses, and the upstream
/// <c>connected</c> and <c>disconnected</c> events (<see cref="LocalSignalRUpstream"/>).
/// </summary>
public static class LocalSignalRService
{
    /// <summary>Where Azure SignalR's REST API lives; only this machine may call it here (LocalHostApp).</summary>
    public const string RestPath = "/api/hubs";

    /// <summary>One handler for every REST call and connection (it is thread-safe and keeps its caches).</summary>
    private static readonly JsonWebTokenHandler TokenHandler = new();

    public static IServiceCollection AddLocalSignalRService(this IServiceCollection services)
    {
        services.AddSingleton<LocalGroupRegistry>();
        services.AddSingleton<LocalSignalRFaults>();
        services.AddSingleton<LocalSignalRUpstream>();
        services.AddOptions<LocalSignalROptions>().BindConfiguration(LocalSignalROptions.Section);
        services.AddSingleton<IUserIdProvider, NameIdUserIdProvider>();
        services.AddSignalR(o => o.EnableDetailedErrors = false);
        ListenOnlyHubProtocol.Replace(services);
        return services;
    }

    public static void MapLocalSignalRService(this WebApplication app)
    {
        // Connections: the negotiate token must be valid for the client URL of the hub.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/client"), branch => branch.Use(async (context, next) =>
        {
            var (endpoint, key, hub) = Settings(context);
            if (context.Request.Query["hub"] != hub)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var token = context.Request.Query["access_token"].ToString();
            if (token.Length == 0 && context.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                token = header["Bearer ".Length..].Trim();
            }

            var principal = await ValidateAsync(context, token, key, SignalRTokens.ClientUrl(endpoint, hub));
            if (principal?.FindFirst("nameid") is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            context.User = principal;
            await next();
        }));
        app.MapHub<LocalChatHub>("/client");

        var rest = app.MapGroup(RestPath + "/{hub}").AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var (_, key, hub) = Settings(context);
            if (!string.Equals(context.GetRouteValue("hub") as string, hub, StringComparison.OrdinalIgnoreCase))
            {
                return Results.NotFound();
            }

            var audience = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}";
            var token = context.Request.Headers.Authorization.ToString();
            if (!token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || await ValidateAsync(context, token[7..], key, audience) is null)
            {
                return Results.Unauthorized();
            }

            return context.RequestServices.GetRequiredService<LocalSignalRFaults>().ShouldFail(context.Request)
                ? Results.StatusCode(StatusCodes.Status500InternalServerError)
                : await next(invocation);
        });

        rest.MapPost("/users/{user}/:send", async (string user, HttpRequest request, IHubContext<LocalChatHub> hub) =>
        {
            var (target, arguments) = await ReadPayloadAsync(request);
            await hub.Clients.User(user).SendCoreAsync(target, arguments);
            return Results.Accepted();
        });
        rest.MapPost("/groups/{group}/:send", async (string group, HttpRequest request, LocalGroupRegistry registry, IHubContext<LocalChatHub> hub) =>
        {
            var (target, arguments) = await ReadPayloadAsync(request);
            var excluded = request.Query["excluded"];
            await (excluded.Count == 0
                ? hub.Clients.Users(registry.UsersOf(group))
                : hub.Clients.Clients(registry.ConnectionsOf(registry.UsersOf(group), excluded.OfType<string>().ToHashSet(StringComparer.Ordinal))))
                .SendCoreAsync(target, arguments);
            return Results.Accepted();
        });
        rest.MapPut("/users/{user}/groups/{group}", (string user, string group, LocalGroupRegistry registry) =>
        {
            registry.Add(user, group);
            return Results.Ok();
        });
        rest.MapDelete("/users/{user}/groups/{group}", (string user, string group, LocalGroupRegistry registry) =>
        {
            registry.Remove(user, group);
            return Results.Ok();
        });
        rest.MapPut("/groups/{group}/connections/{connectionId}", (string group, string connectionId, LocalGroupRegistry registry) =>
            registry.AddConnection(connectionId, group) ? Results.Ok() : Results.NotFound());
        rest.MapDelete("/connections/{connectionId}", (string connectionId, LocalGroupRegistry registry) =>
        {
            registry.Abort(connectionId);
            return Results.Ok();
        });
        rest.MapPost("/groups/{group}/:closeConnections", (string group, LocalGroupRegistry registry) =>
        {
            registry.AbortGroup(group);
            return Results.NoContent();
        });
    }

    private static (string Endpoint, string Key, string Hub) Settings(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<SignalROptions>>().Value;
        var (endpoint, key) = options.Resolve();
        return (endpoint, key ?? throw new InvalidOperationException("The local SignalR service needs SignalR:ConnectionString with an AccessKey."), options.Hub);
    }

    private static async Task<ClaimsPrincipal?> ValidateAsync(HttpContext context, string token, string key, string audience)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var result = await TokenHandler.ValidateTokenAsync(token, SignalRTokens.Validation(key, audience, time));
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }

    private static async Task<(string Target, object?[] Arguments)> ReadPayloadAsync(HttpRequest request)
    {
        using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        var target = document.RootElement.GetProperty("target").GetString()!;
        var arguments = document.RootElement.TryGetProperty("arguments", out var args)
            ? args.EnumerateArray().Select(a => (object?)a.Clone()).ToArray()
            : [];
        return (target, arguments);
    }
}
