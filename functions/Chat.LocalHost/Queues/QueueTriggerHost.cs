namespace Chat.LocalHost.Queues;

using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Chat.Core.Common;
using Chat.Functions.Http;
using Chat.Functions.Queues;
using Microsoft.Azure.Functions.Worker;

/// <summary>The queue settings of host.json (<c>extensions.queues</c>), which Azure honours too.</summary>
public sealed record QueueHostSettings(TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int BatchSize, int MaxDequeueCount)
{
    public static QueueHostSettings Read(string hostJsonPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        var queues = document.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("queues", out var q) ? q : default;
        TimeSpan Span(string name, TimeSpan fallback) =>
            queues.ValueKind == JsonValueKind.Object && queues.TryGetProperty(name, out var v) ? TimeSpan.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : fallback;
        int Int(string name, int fallback) =>
            queues.ValueKind == JsonValueKind.Object && queues.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
        return new QueueHostSettings(Span("maxPollingInterval", TimeSpan.FromMinutes(1)), Span("visibilityTimeout", TimeSpan.Zero), Int("batchSize", 16), Int("maxDequeueCount", 5));
    }
}

/// <summary>
/// Runs Chat.Functions' queue-triggered functions against the configured storage account with the
/// Functions semantics: poll with back-off up to <c>maxPollingInterval</c>, delete on success, make a
/// failed message visible again after <c>visibilityTimeout</c>, and move it to <c>NAME-poison</c>
/// once it has been dequeued <c>maxDequeueCount</c> times.
/// </summary>
public sealed partial class QueueTriggerHost(IServiceProvider services, StorageQueues queues, ChatMetrics metrics, TimeProvider time, ILogger<QueueTriggerHost> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    public static IReadOnlyList<(string Queue, MethodInfo Method)> Discover() =>
        typeof(HttpFunctionCatalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(m => (Method: m, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Trigger is not null)
            .Select(x => (x.Trigger!.QueueName, x.Method))
            .ToArray();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = QueueHostSettings.Read(Path.Combine(RepositoryLayout.Root, "host.json"));
        return Task.WhenAll(Discover().Select(f => PollAsync(f.Queue, f.Method, settings, stoppingToken)));
    }

    private async Task PollAsync(string queueName, MethodInfo method, QueueHostSettings settings, CancellationToken ct)
    {
        var delay = MinPollingInterval;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var queue = await queues.GetAsync(queueName);
                QueueMessage[] batch = await queue.ReceiveMessagesAsync(settings.BatchSize, TimeSpan.FromMinutes(5), ct);
                await Task.WhenAll(batch.Select(message => HandleAsync(queueName, queue, message, method, settings, ct)));
                delay = batch.Length > 0 ? MinPollingInterval : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (StorageFailures.IsMissing(e))
                {
                    queues.Forget(queueName); // storage came back empty: the next poll creates the queue again
                }

                LogPollFailed(logger, e, queueName);
                delay = settings.MaxPollingInterval;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(string queueName, QueueClient queue, QueueMessage message, MethodInfo method, QueueHostSettings settings, CancellationToken ct)
    {
        if (message.InsertedOn is { } inserted)
        {
            metrics.QueueMessageDequeued(queueName, time.GetUtcNow() - inserted);
        }

        try
        {
            await using var scope = services.CreateAsyncScope();
            var target = ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, method.DeclaringType!);
            var args = method.GetParameters().Select(p => Bind(p, message, ct)).ToArray();
            if (method.Invoke(target, args) is Task task)
            {
                await task;
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var error = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                var poison = await queues.GetAsync(queueName + "-poison");
                await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                LogPoisoned(logger, error, queue.Name, message.MessageId, message.DequeueCount);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
                LogRetrying(logger, error, queue.Name, message.MessageId, message.DequeueCount);
            }
        }
    }

    private static object? Bind(ParameterInfo parameter, QueueMessage message, CancellationToken ct)
    {
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return ct;
        }

        if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is null)
        {
            throw new NotSupportedException($"The local host cannot bind parameter '{parameter.Name}' of {parameter.Member.Name}.");
        }

        return parameter.ParameterType == typeof(string) ? message.Body.ToString()
            : parameter.ParameterType == typeof(BinaryData) ? message.Body
            : parameter.ParameterType == typeof(QueueMessage) ? message
            : JsonSerializer.Deserialize(message.Body.ToMemory().Span, parameter.ParameterType, ChatJson.Options);
    }

    /// <summary>Whatever goes wrong while polling (storage down, a message that cannot even be moved
    /// to poison) is logged and polled again later; it never stops the host.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling queue {Queue} failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} failed (dequeue {DequeueCount}); it will be retried")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string queue, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of queue {Queue} failed {DequeueCount} times; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, string queue, string messageId, long dequeueCount);
}
