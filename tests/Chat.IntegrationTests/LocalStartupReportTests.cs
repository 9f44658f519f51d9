namespace Chat.IntegrationTests;

using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;

/// <summary>A newcomer's first start says what it is doing: one line when the host answers, with its time and
/// URLs, and a warning that local data lives in memory.</summary>
[Collection(BackendCollection.Name)]
public sealed class LocalStartupReportTests(BackendFixture backend)
{
    [Fact]
    public async Task Start_ReportsReadyWithTheUrls_AndThatDataIsInMemory()
    {
        var logs = new FakeLoggerProvider();
        await using var host = await backend.StartHostAsync(
            new Dictionary<string, string?> { ["Logging:LogLevel:" + typeof(LocalStartupReport).FullName] = "Information" },
            configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
        var url = host.BaseAddress.ToString().TrimEnd('/');

        await Expect.Eventually(() => Task.FromResult(Report(logs).Count >= 2), TimeSpan.FromSeconds(30), "the start-up report is logged");

        var report = Report(logs);
        var ready = Assert.Single(report, r => r.Level == LogLevel.Information);
        Assert.Matches(@"^Ready in \d+\.\d s: API ", ready.Message);
        Assert.Contains($"API {url}/api", ready.Message, StringComparison.Ordinal);
        Assert.Contains($"SMS codes at {url}/_local/sms", ready.Message, StringComparison.Ordinal);
        Assert.Contains("web app off", ready.Message, StringComparison.Ordinal);
        var memory = Assert.Single(report, r => r.Level == LogLevel.Warning);
        Assert.Contains("in memory", memory.Message, StringComparison.Ordinal);
        Assert.Contains("401", memory.Message, StringComparison.Ordinal);
    }

    private static List<FakeLogRecord> Report(FakeLoggerProvider logs) =>
        logs.Collector.GetSnapshot().Where(r => r.Category == typeof(LocalStartupReport).FullName).ToList();
}
