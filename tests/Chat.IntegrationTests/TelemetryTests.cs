namespace Chat.IntegrationTests;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Chat.Core.Common;
using Chat.Functions.Cosmos;
using Chat.Functions.Queues;
using Chat.IntegrationTests.Infrastructure;
using Chat.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

/// <summary>
/// The "Chat" meter of a host in this process, seen by a <see cref="MeterListener"/> on that host's meter
/// factory (other hosts of the run never show up), and the exporters: none unless a setting names one.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class TelemetryTests(BackendFixture backend) : IAsyncLifetime
{
    /// <summary>No exporter, whatever the machine's environment says.</summary>
    private static readonly Dictionary<string, string?> NoExporter = new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = string.Empty,
    };

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TestHost host = null!;
    private MetricRecorder recorder = null!;

    public async Task InitializeAsync()
    {
        host = await backend.StartHostAsync(NoExporter, clock);
        recorder = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
    }

    public async Task DisposeAsync()
    {
        recorder.Dispose();
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Sends_AreCounted_AndEveryCosmosRequestIsCountedByOperationAndContainer()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SendTextAsync(chat.ChatId, "hello"); // alice's first message makes her receipt state
        var before = (Reads: CosmosRequests("Read", CosmosModel.Chats), Batches: CosmosRequests("Batch", CosmosModel.Chats), Others: OtherThanReads(CosmosModel.Chats));

        for (var i = 0; i < 3; i++)
        {
            await alice.SendTextAsync(chat.ChatId, "hello " + i);
        }

        // A send reads the chat's head and writes one batch (key, message, head, sender's state): 2 requests.
        // (The chat-list job queued by the first send also reads the head, whenever it runs.)
        Assert.InRange(CosmosRequests("Read", CosmosModel.Chats), before.Reads + 3, before.Reads + 4);
        Assert.Equal(before.Batches + 3, CosmosRequests("Batch", CosmosModel.Chats));
        Assert.Equal(before.Others + 3, OtherThanReads(CosmosModel.Chats));
        Assert.Equal(4, recorder.Of(ChatMetrics.MessagesSent, (ChatMetrics.ChatTypeTag, "direct")).Sum(m => m.Value));
        Assert.Equal([1.0, 1.0, 1.0, 1.0], recorder.Of(ChatMetrics.FanOut).Select(m => m.Value));
        Assert.Equal(4, recorder.Of(ChatMetrics.SendDuration).Count);

        var queries = CosmosRequests("Query", CosmosModel.Chats);
        await bob.GetMessagesAsync(chat.ChatId);
        Assert.True(CosmosRequests("Query", CosmosModel.Chats) >= queries + 2, "history is a query of messages and one of receipt states");

        Assert.True(CosmosRequests("Read", CosmosModel.Chats) >= 3);
        Assert.All(recorder.Of(ChatMetrics.CosmosRequests), r => Assert.Contains(r.Tag(ChatMetrics.ContainerTag), new[] { CosmosModel.Chats, CosmosModel.Users, CosmosModel.Directory, CosmosMetricsHandler.NoContainer }));
        Assert.Equal(
            recorder.Of(ChatMetrics.CosmosRequests).Count,
            recorder.Of(ChatMetrics.CosmosRequestCharge).Count);
        Assert.True(recorder.Of(ChatMetrics.CosmosRequestCharge, (ChatMetrics.OperationTag, "Batch")).Sum(m => m.Value) > 0, "the emulator charges request units");
    }

    [Fact]
    public async Task LocalMetricsEndpoint_ServesTheTotalsOfThisHost_ForToolsOutsideTheProcess()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var before = await CosmosTotalAsync(alice, "Read", CosmosModel.Chats);

        await alice.SendTextAsync(chat.ChatId, "one");
        await alice.SendTextAsync(chat.ChatId, "two");

        Assert.InRange(await CosmosTotalAsync(alice, "Read", CosmosModel.Chats), before + 2, before + 3); // a head read a send (and the list job's)
        using var sent = await alice.SendRawAsync(HttpMethod.Get, "_local/metrics?instrument=" + ChatMetrics.MessagesSent);
        using var document = JsonDocument.Parse(await sent.Content.ReadAsStringAsync());
        Assert.Equal(2, document.RootElement.EnumerateArray().Sum(t => t.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task PushJob_RecordsItsQueueAge_AndThePushLatency()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone-1", "fcm", "fcm-token");
        clock.Advance(TimeSpan.FromSeconds(61)); // bob goes offline

        await alice.SendTextAsync(chat.ChatId, "are you there?");

        await Expect.Eventually(() => Task.FromResult(recorder.Of(ChatMetrics.PushLatency, (ChatMetrics.ChatTypeTag, "direct")).Count == 1), TimeSpan.FromSeconds(30), "the push is handed to the hub");
        var age = Assert.Single(recorder.Of(ChatMetrics.QueueAge, (ChatMetrics.QueueTag, QueueNames.PushNotifications)));
        Assert.True(age.Value >= 0);
        Assert.True(recorder.Of(ChatMetrics.PushLatency).Single().Value >= 0);
    }

    [Fact]
    public void WithoutAnExporterSetting_NoOpenTelemetryProviderIsRegistered_SoNothingExports()
    {
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(host.Services.GetServices<ILoggerProvider>(), p => p.GetType().FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithAnOtlpEndpoint_TracesAndMetricsReachTheCollector()
    {
        var sources = new ConcurrentBag<string>();
        using var spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Azure.Cosmos.Operation" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity => sources.Add(activity.Source.Name),
        };
        ActivitySource.AddActivityListener(spans);
        await using var collector = await FakeCollector.StartAsync();
        await using var exporting = await backend.StartHostAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        Assert.NotNull(exporting.Services.GetService<TracerProvider>());

        var alice = await exporting.NewUserAsync();
        var bob = await exporting.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SendTextAsync(chat.ChatId, "traced");

        await Expect.Eventually(() => Task.FromResult(collector.Received.Contains("/v1/traces") && collector.Received.Contains("/v1/metrics")), TimeSpan.FromSeconds(30), "the exporter posts traces and metrics");
        Assert.Contains("Azure.Cosmos.Operation", sources);
        Assert.Contains("System.Net.Http", sources);
    }

    private static async Task<long> CosmosTotalAsync(Chat.Client.ChatClient client, string operation, string container)
    {
        using var response = await client.SendRawAsync(HttpMethod.Get, "_local/metrics?instrument=" + ChatMetrics.CosmosRequests);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray()
            .Where(t => t.GetProperty("tags").GetProperty(ChatMetrics.OperationTag).GetString() == operation
                && t.GetProperty("tags").GetProperty(ChatMetrics.ContainerTag).GetString() == container)
            .Sum(t => t.GetProperty("count").GetInt64());
    }

    private double OtherThanReads(string container) =>
        recorder.Of(ChatMetrics.CosmosRequests, (ChatMetrics.ContainerTag, container)).Sum(m => m.Value) - CosmosRequests("Read", container);

    private double CosmosRequests(string operation, string container) =>
        recorder.Of(ChatMetrics.CosmosRequests, (ChatMetrics.OperationTag, operation), (ChatMetrics.ContainerTag, container)).Sum(m => m.Value);

    /// <summary>An OTLP/HTTP endpoint that accepts every export and remembers the paths posted to.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication app;

        private FakeCollector(WebApplication app, string endpoint)
        {
            this.app = app;
            Endpoint = endpoint;
        }

        public string Endpoint { get; }

        public ConcurrentBag<string> Received { get; } = [];

        public static async Task<FakeCollector> StartAsync()
        {
            var endpoint = $"http://127.0.0.1:{Ports.Free()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(endpoint);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var collector = new FakeCollector(app, endpoint);
            app.MapPost("/v1/{signal}", (HttpContext context) =>
            {
                collector.Received.Add(context.Request.Path.Value!);
                return Results.Ok();
            });
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
