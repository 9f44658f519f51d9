namespace Chat.Functions.Cosmos;

using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Core;
using Chat.Core.Common;
using Chat.Core.Errors;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

/// <summary>The Cosmos client, its three containers, and the time budget every call runs under.</summary>
public sealed class CosmosDatabase : IDisposable
{
    private readonly CosmosOptions options;

    /// <summary>How items are written and read (also for items read as raw JSON).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public CosmosDatabase(IOptions<CosmosOptions> options, ChatMetrics metrics, TokenCredential? credential = null, IEnumerable<RequestHandler>? handlers = null)
    {
        this.options = options.Value;
        var clientOptions = new CosmosClientOptions
        {
            ConnectionMode = this.options.GatewayMode ? ConnectionMode.Gateway : ConnectionMode.Direct,
            RequestTimeout = this.options.RequestTimeout,
            MaxRetryAttemptsOnRateLimitedRequests = this.options.MaxRetryAttemptsOnThrottling,
            MaxRetryWaitTimeOnRateLimitedRequests = this.options.MaxRetryWaitOnThrottling,
            Serializer = new Utf8CosmosSerializer(Json),
            EnableContentResponseOnWrite = false,
            ApplicationName = "chat-functions",

            // Spans on ActivitySource "Azure.Cosmos.Operation" (only built while a tracer listens).
            CosmosClientTelemetryOptions = new CosmosClientTelemetryOptions { DisableDistributedTracing = false },
        };
        clientOptions.CustomHandlers.Add(new CosmosMetricsHandler(metrics, [CosmosModel.Chats, CosmosModel.Users, CosmosModel.Directory]));
        foreach (var handler in handlers ?? [])
        {
            clientOptions.CustomHandlers.Add(handler); // e.g. a test counting the requests of a route
        }

        var isLocal = this.options.ConnectionString?.Contains("127.0.0.1", StringComparison.Ordinal) == true
            || this.options.ConnectionString?.Contains("localhost", StringComparison.OrdinalIgnoreCase) == true;
        if (isLocal)
        {
            // The emulator serves one endpoint; never go looking for regional ones.
            clientOptions.LimitToEndpoint = true;
        }

        Client = this.options.ConnectionString is { Length: > 0 } connection
            ? new CosmosClient(connection, clientOptions)
            : new CosmosClient(this.options.AccountEndpoint!.ToString(), credential ?? throw new InvalidOperationException("A managed identity is required for Cosmos:accountEndpoint."), clientOptions);
        var database = Client.GetDatabase(this.options.DatabaseName);
        Chats = database.GetContainer(CosmosModel.Chats);
        Users = database.GetContainer(CosmosModel.Users);
        Directory = database.GetContainer(CosmosModel.Directory);
    }

    public CosmosClient Client { get; }

    public Container Chats { get; }

    public Container Users { get; }

    public Container Directory { get; }

    /// <summary>Creates the database and containers (local and tests; Bicep does it in Azure).</summary>
    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        if (!options.CreateIfNotExists)
        {
            return;
        }

        Database database = await Client.CreateDatabaseIfNotExistsAsync(options.DatabaseName, cancellationToken: ct);
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties(CosmosModel.Chats, "/chatId") { DefaultTimeToLive = -1 }, cancellationToken: ct);
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties(CosmosModel.Users, "/userId"), cancellationToken: ct);
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties(CosmosModel.Directory, "/id") { DefaultTimeToLive = -1 }, cancellationToken: ct);
    }

    /// <summary>Answers whether the database is reachable (health check): one read of the database.</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            if (options.CreateIfNotExists)
            {
                // Locally the emulator may have restarted empty: health re-creates what it lost.
                await RunAsync(async token => { await EnsureCreatedAsync(token); return true; }, ct);
            }

            await RunAsync(token => Client.GetDatabase(options.DatabaseName).ReadAsync(cancellationToken: token), ct);
            return true;
        }
        catch (ChatException)
        {
            return false;
        }
        catch (CosmosException)
        {
            return false;
        }
    }

    /// <summary>Runs one store call under the operation budget: an unreachable or throttled database
    /// becomes a 503 with Retry-After within the budget instead of the SDK's long retry chain.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(options.OperationBudget);
        try
        {
            return await call(budget.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5), e);
        }
        catch (CosmosException e) when (e.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.ServiceUnavailable && !ct.IsCancellationRequested)
        {
            throw ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5), e);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.TooManyRequests && !ct.IsCancellationRequested)
        {
            // Throttled past the SDK's own retries: the services treat it like any outage (best-effort steps go on).
            throw ChatErrors.Unavailable("database (throttled)", e.RetryAfter is { } wait && wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), e);
        }
        catch (HttpRequestException e)
        {
            throw ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5), e);
        }
    }

    public void Dispose() => Client.Dispose();
}
