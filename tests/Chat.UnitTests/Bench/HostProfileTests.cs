namespace Chat.UnitTests.Bench;

using Chat.Bench;

public sealed class HostProfileTests
{
    private const string Map = " (/tmp/perf-4242.map)";
    private const string Dotnet = "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/";

    [Fact]
    public void Classify_ChargesEachSampleToItsInnermostComponent_AndCountsTheStandIns()
    {
        string[] output =
        [
            // 1: an idle worker spinning.
            "\t7f02 instance bool [System.Private.CoreLib] System.Threading.LowLevelLifoSemaphore::Wait(int32,bool)[OptimizedTier1]" + Map,
            "\t891f5 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)",
            string.Empty,
            // 2: a string compare under the local SignalR service: the stand-in's, not the runtime's.
            "\t7f03 instance bool [System.Private.CoreLib] System.String::Equals(object)[OptimizedTier1]" + Map,
            "\t7f04 instance void [Chat.LocalHost] Chat.LocalHost.SignalR.LocalSignalRService+<>c::MoveNext()[OptimizedTier1]" + Map,
            "\t7f05 instance void [Microsoft.AspNetCore.Server.Kestrel.Core] Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol::ProcessRequests()[OptimizedTier1]" + Map,
            string.Empty,
            // 3: our converter: its signature names System.Text.Json, its own assembly is Chat.Functions.
            "\t7f06 instance void [Chat.Functions] Chat.Functions.Http.ChatJson+UtcTimestampConverter::Write(class [System.Text.Json]System.Text.Json.Utf8JsonWriter)[OptimizedTier1]" + Map,
            string.Empty,
            // 4: the GC's own thread: only the runtime.
            "\t46e442 [unknown] (" + Dotnet + "libcoreclr.so)",
            string.Empty,
            // 5: precompiled Garnet code (named by its file): the Redis stand-in.
            "\t1234 [unknown] (/root/.nuget/packages/microsoft.garnet/2.2.8/lib/net10.0/Garnet.server.dll)",
            "\t46e443 [unknown] (" + Dotnet + "libcoreclr.so)",
            string.Empty,
            // 6: the kernel's TCP stack only.
            "\tffffffff8100 tcp_ack ([kernel.kallsyms])",
            string.Empty,
            // 7: an allocation in the runtime under the Cosmos SDK: the SDK's.
            "\t46e444 [unknown] (" + Dotnet + "libcoreclr.so)",
            "\t7f07 instance void [Microsoft.Azure.Cosmos.Client] Microsoft.Azure.Cosmos.Handlers.TransportHandler+<SendAsync>d__2::MoveNext()[OptimizedTier1]" + Map,
            "\t7f08 instance void [Chat.Functions] Chat.Functions.Cosmos.CosmosMetricsHandler+<SendAsync>d__6::MoveNext()[OptimizedTier1]" + Map,
            string.Empty,
            // 8: a busy thread waking a worker: not spinning.
            "\t7f09 instance void [System.Private.CoreLib] System.Threading.LowLevelLifoSemaphore::Release(int32)[OptimizedTier1]" + Map,
            "\t7f0a void [System.Private.CoreLib] System.Threading.ThreadPool::RequestWorkerThread()[OptimizedTier1]" + Map,
            string.Empty,
            // 9: a WebSocket write: only the local SignalR service has WebSockets here.
            "\t7f0b instance void [System.Net.WebSockets] System.Net.WebSockets.ManagedWebSocket+<SendFrameAsync>d__1::MoveNext()[OptimizedTier1]" + Map,
        ];

        var profile = HostProfile.Classify(output, seconds: 2, dataFile: "host.perf");

        Assert.Equal(9, profile.Samples);
        Assert.Equal(4.5, profile.SamplesPerSecond);
        Assert.Equal(Math.Round(300.0 / 9, 1), profile.StandInPercent);
        var counts = profile.Components.ToDictionary(c => c.Component, c => (int)Math.Round(c.Percent * 9 / 100));
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["thread pool: workers waiting for work"] = 1,
                ["thread pool: waking a worker"] = 1,
                ["local SignalR service (stand-in)"] = 2,
                ["Chat.Functions"] = 1,
                ["runtime (GC, JIT, thread pool, async)"] = 1,
                ["Garnet (Redis stand-in)"] = 1,
                ["kernel (loopback TCP, scheduler), libc"] = 1,
                ["Cosmos SDK"] = 1,
            },
            counts);
        Assert.Equal(["Garnet (Redis stand-in)", "local SignalR service (stand-in)"], profile.Components.Where(c => c.StandIn).Select(c => c.Component).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Classify_ListsTheMethodThatNamedEachSamplesComponent_MostSamplesFirst()
    {
        const string Handler = "\t7f07 instance void [Microsoft.Azure.Cosmos.Client] Microsoft.Azure.Cosmos.Handlers.TransportHandler+<SendAsync>d__2::MoveNext()[OptimizedTier1]" + Map;
        string[] output =
        [
            "\t46e444 [unknown] (" + Dotnet + "libcoreclr.so)", Handler, string.Empty,
            Handler, string.Empty,
            "\tffffffff8100 tcp_ack ([kernel.kallsyms])", string.Empty,
            "\tffffffff8200 finish_task_switch ([kernel.kallsyms])", "\t46e445 [unknown] (" + Dotnet + "libcoreclr.so)", string.Empty,
        ];

        var profile = HostProfile.Classify(output, seconds: 1, dataFile: "host.perf");

        Assert.Equal(
            [
                ("instance void [Microsoft.Azure.Cosmos.Client] Microsoft.Azure.Cosmos.Handlers.TransportHandler+<SendAsync>d__2::MoveNext()[OptimizedTier1]", "Cosmos SDK", 50.0),
                ("tcp_ack", "kernel (loopback TCP, scheduler), libc", 25.0),
                ("[unknown] in libcoreclr.so", "runtime (GC, JIT, thread pool, async)", 25.0), // the runtime's frame, not the kernel's under it
            ],
            profile.Methods.Select(m => (m.Method, m.Component, m.Percent)));
    }

    [Fact]
    public void Classify_NoSamples_IsAnEmptyProfile()
    {
        var profile = HostProfile.Classify([], seconds: 10, dataFile: "host.perf");

        Assert.Equal(0, profile.Samples);
        Assert.Empty(profile.Components);
        Assert.Equal(0, profile.StandInPercent);
    }
}
