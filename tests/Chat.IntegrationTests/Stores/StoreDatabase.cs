namespace Chat.IntegrationTests.Stores;

using Chat.Core.Common;
using Chat.Functions.Cosmos;
using Chat.Testing;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using Xunit;

/// <summary>A database of its own for one contract suite, on the run's shared Cosmos emulator;
/// dropped when the suite is done. Tests share it and keep apart by unique ids.</summary>
public sealed class StoreDatabase(BackendFixture backend) : IAsyncLifetime
{
    private string name = string.Empty;

    public CosmosDatabase Db { get; private set; } = null!;

    /// <summary>A metadata cache of its own, as another instance of the app has.</summary>
    public static ChatMetaCache NewMetaCache() => new(Options.Create(new CosmosOptions { ConnectionString = "unused", ChatMetaCacheSize = 100 }));

    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            name = "contract-" + Guid.NewGuid().ToString("N")[..12];
            Db = new CosmosDatabase(Options.Create(new CosmosOptions
            {
                ConnectionString = backend.Cosmos.ConnectionString,
                DatabaseName = name,
                CreateIfNotExists = true,
            }), new ChatMetrics(new TestMeterFactory()));
            await Db.EnsureCreatedAsync(CancellationToken.None);

            // The emulator writes resource ids in plain base64, so every 64th database it creates has a '/'
            // in its rid, and every query in it fails with 404 "stale cache" (real Cosmos DB writes '-').
            DatabaseProperties created = await Db.Client.GetDatabase(name).ReadAsync();
            if (created.SelfLink.Trim('/').Split('/').Length == 2 || attempt == 3)
            {
                return;
            }

            await DisposeAsync();
        }
    }

    /// <summary>Another client of the suite's database, with <paramref name="handler"/> in its pipeline (the caller disposes it).</summary>
    public CosmosDatabase Connect(RequestHandler handler) =>
        new(Options.Create(new CosmosOptions { ConnectionString = backend.Cosmos.ConnectionString, DatabaseName = name }), new ChatMetrics(new TestMeterFactory()), handlers: [handler]);

    public async Task DisposeAsync()
    {
        using (Db)
        {
            await Db.Client.GetDatabase(name).DeleteAsync();
        }
    }
}

/// <summary>Base of the store contract suites: the suite's database and the token the calls run with.</summary>
public abstract class StoreContract(StoreDatabase database)
{
    protected static readonly CancellationToken Ct = CancellationToken.None;

    protected CosmosDatabase Db => database.Db;

    protected StoreDatabase Database => database;
}
