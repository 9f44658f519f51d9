namespace Chat.IntegrationTests.Infrastructure;

using Chat.Client;
using Chat.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

/// <summary>The local host, in process, on a free port, against the given stand-ins and a database of its own
/// (or an existing host's, to run a second instance of the same deployment).</summary>
public sealed class TestHost : IAsyncDisposable
{
    private static int phoneCounter = Random.Shared.Next(0, 1_000_000);

    private readonly WebApplication app;

    private TestHost(WebApplication app, Uri baseAddress, string databaseName)
    {
        this.app = app;
        BaseAddress = baseAddress;
        DatabaseName = databaseName;
    }

    public const string NotificationHubKey = "aW50ZWdyYXRpb24tdGVzdHMtbm90aWZpY2F0aW9uLWh1Yi1rZXk=";

    public Uri BaseAddress { get; }

    public string DatabaseName { get; }

    /// <summary>The blob container of this host's media.</summary>
    public string MediaContainer => "media-" + DatabaseName;

    public IServiceProvider Services => app.Services;

    public static async Task<TestHost> StartAsync(
        string cosmosConnectionString,
        string storageConnectionString,
        IDictionary<string, string?>? settings = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? configureServices = null,
        string? databaseName = null)
    {
        var port = Ports.Free();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        databaseName ??= "test-" + Guid.NewGuid().ToString("N")[..12];
        var smsKey = Convert.ToBase64String("integration-tests-sms-sink-key-000000"u8.ToArray());
        var overrides = new Dictionary<string, string?>
        {
            ["urls"] = baseAddress.ToString().TrimEnd('/'),
            ["LocalHost:StartEmulators"] = "false",
            ["Cosmos:ConnectionString"] = cosmosConnectionString,
            ["Cosmos:DatabaseName"] = databaseName,
            ["Cosmos:CreateIfNotExists"] = "true",
            ["AzureWebJobsStorage"] = storageConnectionString,
            ["Queues:NamePrefix"] = databaseName + "-",
            ["MediaStorage:ConnectionString"] = storageConnectionString,
            ["MediaStorage:Container"] = "media-" + databaseName,
            ["MediaStorage:CorsOrigins"] = "*",
            ["Sms:ConnectionString"] = $"endpoint={baseAddress};accesskey={smsKey}",
            ["SignalR:ConnectionString"] = $"Endpoint={baseAddress.ToString().TrimEnd('/')};AccessKey=integration-tests-signalr-access-key-0000;Version=1.0;",
            ["NotificationHubs:ConnectionString"] = $"Endpoint={baseAddress}_local/notification-hubs/;SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey={NotificationHubKey}",
            ["NotificationHubs:HubName"] = "chat-tests",
            ["Push:RetryBaseDelay"] = "00:00:00.200",
            ["SignalR:GroupRetryBaseDelay"] = "00:00:00.200",
            ["Push:CollapseWindow"] = "00:00:01",
            ["Limits:AuthRequestsPerMinutePerIp"] = "1000000",
            ["Limits:LookupsPerMinute"] = "1000000",
            ["Limits:GroupJoinsPerMinute"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Redis:ConnectionString"] = GarnetStandIn.Shared.ConnectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = LocalHostApp.Build([], overrides, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            configureServices?.Invoke(services);
        });
        await app.StartAsync();
        return new TestHost(app, baseAddress, databaseName);
    }

    public ChatClient NewClient() => new(new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) });

    public static string NewPhoneNumber() =>
        "+1555" + (Interlocked.Increment(ref phoneCounter) % 10_000_000).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Registers, verifies (code from the local SMS sink) and signs in a new user.</summary>
    public async Task<ChatClient> NewUserAsync(string? displayName = null, string password = "correct-horse-1")
    {
        var client = NewClient();
        var phone = NewPhoneNumber();
        var registration = await client.RegisterAsync(phone, displayName ?? "User " + phone[^4..], password);
        await client.VerifyAsync(phone, await LastCodeAsync(client, phone), registration.RegistrationId);
        await client.LoginAsync(phone, password);
        return client;
    }

    /// <summary>Many users, a few at a time (the emulator is a single Node process).</summary>
    public async Task<ChatClient[]> NewUsersAsync(int count)
    {
        using var gate = new SemaphoreSlim(8);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                return await NewUserAsync();
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public static async Task<string> LastCodeAsync(ChatClient client, string phone)
    {
        var sms = await client.LocalSmsAsync(phone);
        var text = sms[^1].Text;
        return System.Text.RegularExpressions.Regex.Match(text, @"\b\d{6}\b").Value;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>One set of stand-ins and one host shared by the tests of a run (each test makes its own users and chats).</summary>
public sealed class BackendFixture : IAsyncLifetime
{
    public CosmosEmulator Cosmos { get; private set; } = null!;

    public Azurite Storage { get; private set; } = null!;

    public TestHost Host { get; private set; } = null!;

    /// <summary>The run's Garnet, which every host uses unless its settings name another.</summary>
    public GarnetStandIn Redis => GarnetStandIn.Shared;

    public async Task InitializeAsync()
    {
        await EmulatorCommands.EnsureInstalledAsync(CancellationToken.None);
        var cosmos = CosmosEmulator.StartAsync();
        var storage = Azurite.StartAsync();
        Cosmos = await cosmos;
        Storage = await storage;
        Host = await TestHost.StartAsync(Cosmos.ConnectionString, Storage.ConnectionString);
    }

    /// <summary>Another host on the same stand-ins with its own database and settings.</summary>
    public Task<TestHost> StartHostAsync(IDictionary<string, string?> settings, TimeProvider? time = null, Action<IServiceCollection>? configureServices = null) =>
        TestHost.StartAsync(Cosmos.ConnectionString, Storage.ConnectionString, settings, time, configureServices);

    /// <summary>Another instance on an existing host's database (and queues): sees what that host writes.</summary>
    public Task<TestHost> StartHostOnDatabaseAsync(string databaseName, IDictionary<string, string?>? settings = null, TimeProvider? time = null) =>
        TestHost.StartAsync(Cosmos.ConnectionString, Storage.ConnectionString, settings, time, databaseName: databaseName);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Cosmos.DisposeAsync();
        await Storage.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BackendCollection : ICollectionFixture<BackendFixture>
{
    public const string Name = "backend";
}
