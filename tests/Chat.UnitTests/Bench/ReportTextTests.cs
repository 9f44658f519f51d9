namespace Chat.UnitTests.Bench;

using Chat.Bench;

public sealed class ReportTextTests
{
    [Fact]
    public void DirectBesideXmpp_SideBySideTable_IsOursOverTheBaselines_PerFigure()
    {
        var report = NewReport();
        report.Direct = Run(p50: 4.5, p99: 8.2, CpuMeter.Server, msPerMessage: 3.733);
        report.Xmpp = Run(p50: 0.8, p99: 2.3, CpuMeter.Xmpp, msPerMessage: 0.577);

        var text = ReportText.Render(report);

        Assert.Contains("XMPP baseline", text, StringComparison.Ordinal);
        Assert.Matches(@"latency p50\s+5\.62x \(4\.5 / 0\.8\)", text);
        Assert.Matches(@"latency p99\s+3\.57x \(8\.2 / 2\.3\)", text);
        Assert.Matches(@"server CPU per message \(host / xmpp\)\s+6\.47x \(3\.733 / 0\.577\)", text);
    }

    [Fact]
    public void WithoutTheXmppPhase_NoBaselineRowsAppear()
    {
        var report = NewReport();
        report.Direct = Run(p50: 4.5, p99: 8.2, CpuMeter.Server, msPerMessage: 3.7);

        var text = ReportText.Render(report);

        Assert.DoesNotContain("XMPP", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Side by side", text, StringComparison.Ordinal);
    }

    private static BenchReport NewReport() => new()
    {
        Machine = new MachineInfo("test CPU", 2, null, null, "linux", "net10.0", 100),
        Parameters = BenchOptions.Parse([]),
    };

    /// <summary>1,000 messages all delivered, with the given latency and the given process's CPU per message.</summary>
    private static DirectResult Run(double p50, double p99, string process, double msPerMessage)
    {
        var latency = new Distribution(1000, p50, p99, p99, p99);
        var sends = new SendCounts(1000, 1000, 0, 1000, 0, [], 10, 100, latency);
        var perThousand = new Dictionary<string, double?> { [process] = msPerMessage };
        var cpu = new CpuUsage(10, perThousand, 1, perThousand, msPerMessage, perThousand, null, null);
        return new DirectResult(100, 10, sends, 1000, 0, 0, latency, cpu);
    }
}
