namespace Chat.Functions.Cosmos;

using Microsoft.Extensions.Hosting;

/// <summary>Creates the database and containers at start-up where configured (local host, tests).</summary>
public sealed class CosmosInitializer(CosmosDatabase db) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => db.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
