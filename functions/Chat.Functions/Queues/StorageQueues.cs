namespace Chat.Functions.Queues;

using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Core;
using Azure.Storage.Queues;
using Chat.Functions.Http;
using Microsoft.Extensions.Configuration;

/// <summary>
/// Queue clients on the Functions storage account: the connection string locally, or
/// <c>AzureWebJobsStorage__queueServiceUri</c> with the managed identity in Azure. Messages are
/// base64 JSON, as the queue trigger reads them (host.json <c>messageEncoding</c>).
/// <c>Queues:NamePrefix</c> (empty in Azure) gives hosts that share one storage account their own
/// queues: the local host's tests run several hosts against one Azurite.
/// </summary>
public sealed class StorageQueues(IConfiguration configuration, TokenCredential credential)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> queues = new(StringComparer.Ordinal);

    /// <summary>Base64 messages; a short retry budget, so an unreachable account fails a call within
    /// seconds (the send path only logs it) instead of the SDK's default minutes.</summary>
    public static QueueClientOptions ClientOptions
    {
        get
        {
            var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            options.Retry.MaxRetries = 2;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(3);
            return options;
        }
    }

    private readonly string prefix = configuration["Queues:NamePrefix"] ?? string.Empty;

    public QueueServiceClient Service { get; } = CreateService(configuration, credential);

    /// <summary>The whole time a send may take, the SDK's retries included: the send path queues its push and
    /// chat-list jobs, and a storage account that hangs must not hold a message's answer past ~5 s.</summary>
    public static readonly TimeSpan SendBudget = TimeSpan.FromSeconds(2);

    /// <summary>Queues a message, visible after <paramref name="delay"/> (1 storage call; 3 when the
    /// queue has vanished, e.g. an emulator restarted empty: it is created again), within <see cref="SendBudget"/>
    /// (past it, an <see cref="OperationCanceledException"/>, which <see cref="StorageFailures.IsTransient"/> calls transient).</summary>
    public async Task SendAsync<T>(string queueName, T message, CancellationToken ct, TimeSpan? delay = null)
    {
        var body = new BinaryData(JsonSerializer.SerializeToUtf8Bytes(message, ChatJson.Options));
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(SendBudget);
        try
        {
            await (await GetAsync(queueName).WaitAsync(budget.Token)).SendMessageAsync(body, visibilityTimeout: delay, cancellationToken: budget.Token);
        }
        catch (Azure.RequestFailedException e) when (StorageFailures.IsMissing(e))
        {
            Forget(queueName);
            await (await GetAsync(queueName).WaitAsync(budget.Token)).SendMessageAsync(body, visibilityTimeout: delay, cancellationToken: budget.Token);
        }
    }

    /// <summary>Drops what this instance knows of a queue that turned out missing, so the next use creates it.</summary>
    public void Forget(string queueName) => queues.TryRemove(queueName, out _);

    /// <summary>The queue (by its name in the code), created on first use; a failed creation is
    /// forgotten, so the next call tries again once storage is back.</summary>
    public async Task<QueueClient> GetAsync(string queueName)
    {
        var created = queues.GetOrAdd(queueName, name => new Lazy<Task<QueueClient>>(async () =>
        {
            var client = Service.GetQueueClient(prefix + name);
            await client.CreateIfNotExistsAsync();
            return client;
        }));
        try
        {
            return await created.Value;
        }
        catch (Exception)
        {
            queues.TryRemove(new KeyValuePair<string, Lazy<Task<QueueClient>>>(queueName, created));
            throw;
        }
    }

    private static QueueServiceClient CreateService(IConfiguration configuration, TokenCredential credential)
    {
        var connection = configuration[QueueNames.Connection];
        if (!string.IsNullOrEmpty(connection))
        {
            return new QueueServiceClient(connection, ClientOptions);
        }

        var uri = configuration[QueueNames.Connection + ":queueServiceUri"]
            ?? throw new InvalidOperationException("Set AzureWebJobsStorage or AzureWebJobsStorage__queueServiceUri.");
        return new QueueServiceClient(new Uri(uri), credential, ClientOptions);
    }
}
