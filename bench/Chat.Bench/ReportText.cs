namespace Chat.Bench;

using System.Globalization;
using System.Text;

/// <summary>The human-readable tables of a report.</summary>
public static class ReportText
{
    public static string Render(BenchReport r)
    {
        var text = new StringBuilder();
        Header(text, r);
        SetupRows(text, r.Setup, xmpp: r.Xmpp is not null);
        Section(r.Direct, d => DirectRows(text, d));
        Section(r.Group, g => GroupRows(text, g));
        Section(r.Push, u => PushRows(text, u));
        Section(r.Costs, c => CostRows(text, c));
        Section(r.Concurrent, c => ConcurrentRows(text, c));
        Section(r.Xmpp, x => XmppRows(text, x, r.Direct));
        Section(r.Direct?.Cpu ?? r.Group?.Cpu ?? r.Push?.Cpu, _ => CpuRows(text, r));
        Section(r.Push, u => PushNetRows(text, u));
        Section(r.Profile, p => ProfileRows(text, p, r.Direct));
        Footer(text, r);
        return text.ToString();
    }

    private static void Section<T>(T? part, Action<T> write)
        where T : class
    {
        if (part is not null)
        {
            write(part);
        }
    }

    private static void Header(StringBuilder text, BenchReport r)
    {
        var p = r.Parameters;
        text.AppendLine(Inv($"Chat.Bench  {r.StartedAt:yyyy-MM-dd HH:mm} UTC  {r.Machine.CpuModel}, {r.Machine.Cores} cores, {r.Machine.MemoryGiB} GiB RAM"));
        text.AppendLine(Inv($"target {p.BaseAddress.ToString().TrimEnd('/')} ({(p.StartHost ? "host started by the bench, limits raised" : "running host")}); ") +
            Inv($"{p.Users} users, {p.Rate} msg/s for {p.Seconds} s (+{p.WarmupSeconds} s warm-up); group {p.GroupSize} members x {p.GroupMessages} msgs at {p.GroupRate}/s; ") +
            Inv($"push group {p.PushSize} x {p.PushMessages} msgs (+{p.PushWarmup} warm-up) every {p.PushIntervalSeconds} s"));
        if (r.Cancelled)
        {
            text.AppendLine("CANCELLED: partial results");
        }

        if (r.Error is not null)
        {
            text.AppendLine("ERROR: " + r.Error);
        }
    }

    private static void SetupRows(StringBuilder text, SetupResult s, bool xmpp)
    {
        text.AppendLine();
        Rows(text, "Setup", [
            ("users ready / wanted", Inv($"{s.UsersReady} / {s.UsersWanted}")),
            ("register+verify+login", Inv($"{s.RegisterSeconds} s ({Rate(s.UsersWanted, s.RegisterSeconds)} users/s), {s.Retries} retries")),
            ("connect (SignalR)", Inv($"{s.ConnectSeconds} s")),
            ("direct chats (members ready)", Inv($"{s.DirectChats} ({s.DirectMembersReady}) in {s.DirectChatsSeconds} s")),
            .. (xmpp ? [("XMPP users signed in", Inv($"{s.XmppUsersReady}"))] : Array.Empty<(string, string)>()),
            ("push group / devices registered", Inv($"{s.PushGroupCreateSeconds} s / {s.PushDevicesRegistered} in {s.PushDevicesSeconds} s")),
            ("waits for the server to settle", s.Settle.Count == 0 ? "-" : string.Join(", ", s.Settle.Select(e => Inv($"{e.Key} {e.Value} s")))),
            ("setup errors", s.Errors.Count == 0 ? "none" : string.Join(", ", s.Errors.Select(e => $"{e.Key} x{e.Value}"))),
        ]);
    }

    private static void DirectRows(StringBuilder text, DirectResult d)
    {
        Rows(text, "Direct chats (send start -> recipient's `message` event)", [
            .. DeliveryRows(d, "no event within the loss wait"),
            ("send call p50 / p95 / p99 / max", Dist(d.Sends.SendCallMs, p95: true)),
        ]);
    }

    /// <summary>What a run of one-to-one messages delivered, and how fast (the direct phase and the XMPP baseline).</summary>
    private static (string Name, string Value)[] DeliveryRows(DirectResult d, string lost) =>
    [
        ("sent ok / scheduled", Inv($"{d.Sends.Sent} / {d.Sends.Scheduled} (skipped at in-flight bound: {d.Sends.SkippedAtInFlightBound})")),
        ("offered / achieved rate", Inv($"{d.OfferedRate} / {d.Sends.AchievedRate} msg/s over {d.Sends.SendWindowSeconds} s")),
        ("send errors", Errors(d.Sends.ErrorsByStatus)),
        ("delivered / lost", Inv($"{d.Delivered} / {d.Lost} (lost = {lost})")),
        ("latency p50 / p95 / p99 / max", Dist(d.LatencyMs, p95: true)),
    ];

    private static void GroupRows(StringBuilder text, GroupResult g)
    {
        Rows(text, Inv($"Group of {g.Members} (send start -> LAST of {g.Recipients} recipients' events)"), [
            ("sent ok / scheduled", Inv($"{g.Sends.Sent} / {g.Sends.Scheduled} at {g.Sends.AchievedRate} msg/s")),
            ("send errors", Errors(g.Sends.ErrorsByStatus)),
            ("deliveries / expected / lost", Inv($"{g.Deliveries} / {g.ExpectedDeliveries} / {g.LostDeliveries} ({g.MessagesIncomplete} messages incomplete)")),
            ("fan-out p50 / p99 / max", Dist(g.FanOutMs, p95: false)),
            ("one delivery p50 / p95 / p99 / max", Dist(g.DeliveryMs, p95: true)),
            ("send call p50 / p95 / p99 / max", Dist(g.Sends.SendCallMs, p95: true)),
        ]);
    }

    private static void PushRows(StringBuilder text, PushResult u)
    {
        var t = u.Tally;
        Rows(text, Inv($"Push fan-out, group of {u.Members}, members offline (send start -> sink's `at` of LAST of {u.Recipients} notifications)"), [
            ("sent ok / scheduled", Inv($"{u.Sends.Sent} / {u.Sends.Scheduled} after {u.WarmupMessages} warm-up, one every {u.IntervalSeconds} s (collapse window {u.CollapseWindowSeconds} s)")),
            ("send errors", Errors(u.Sends.ErrorsByStatus)),
            ("members silent / online at the sends", Inv($"{u.SilenceSeconds} s / {(u.OnlineAtStart is { } on ? on.ToString(CultureInfo.InvariantCulture) : "?")}")),
            ("notified / expected / missing", Inv($"{t.Notified} / {t.Expected} / {t.Missing} ({t.Incomplete} messages not exactly once to all)")),
            ("duplicates / unexpected", Inv($"{t.Duplicates} / {u.Unexpected}")),
            ("push completion p50 / p99 / max", Dist(t.CompletionMs, p95: false)),
            ("one notification p50 / p95 / p99 / max", Dist(t.NotificationMs, p95: true)),
            ("first -> last notification p50/p99/max", Dist(t.SpreadMs, p95: false)),
            ("send call p50 / p95 / p99 / max", Dist(u.Sends.SendCallMs, p95: true)),
            ("sink polls", Inv($"{u.SinkPolls}")),
        ]);
    }

    /// <summary>The baseline run, and side by side with the direct run of the same report: ours over its, per figure.</summary>
    private static void XmppRows(StringBuilder text, DirectResult x, DirectResult? direct)
    {
        var xmppCpu = x.Cpu.PerThousandMessages.GetValueOrDefault(CpuMeter.Xmpp);
        Rows(text, "XMPP baseline (send start -> partner reads the stanza; the server routes, it stores nothing)", [
            .. DeliveryRows(x, "not read within the loss wait"),
            ("server CPU per 1,000 messages", N(xmppCpu) + " s"),
        ]);
        if (direct is null)
        {
            return;
        }

        var ourCpu = direct.Cpu.PerThousandMessages.GetValueOrDefault(CpuMeter.Server);
        Rows(text, "Side by side: the direct run over the XMPP baseline (ratio)", [
            ("latency p50", Ratio(direct.LatencyMs.P50, x.LatencyMs.P50)),
            ("latency p99", Ratio(direct.LatencyMs.P99, x.LatencyMs.P99)),
            ("server CPU per message (host / xmpp)", Ratio(ourCpu, xmppCpu)),
        ]);
    }

    private static string Ratio(double? ours, double? theirs) =>
        ours is { } a && theirs is { } b && b > 0 ? Inv($"{Math.Round(a / b, 2)}x ({N(a)} / {N(b)})") : "n/a";

    private static void ConcurrentRows(StringBuilder text, ConcurrentResult c)
    {
        Rows(text, Inv($"Concurrent senders: {c.Senders} members x {c.MessagesPerSender} messages at once into one group (counts)"), [
            ("sent ok / errors", Inv($"{c.Succeeded} / {Errors(c.ErrorsByStatus)}")),
            ("retried once (same id): ok / errors", Inv($"{c.RetrySucceeded} of {c.Retried} / {Errors(c.RetryErrorsByStatus)}")),
            ("stored / seq gaps / duplicate ids", Inv($"{c.Stored} / {c.SeqGaps} / {c.DuplicateClientMessageIds}")),
            ("acked not stored / stored not acked", Inv($"{c.AckedNotStored} / {c.StoredNotAcked}")),
            ("Cosmos requests (operation status)", c.CosmosRequestsByOperationAndStatus is { } m ? Errors(m) : "n/a"),
        ]);
    }

    private static void CpuRows(StringBuilder text, BenchReport r)
    {
        var phases = new[] { r.Direct?.Cpu, r.Group?.Cpu, r.Push?.Cpu };
        Rows(text, "CPU seconds per 1,000 messages sent (utime+stime from /proc)", [
            ("", Cols(["direct", "group", "push"])),
            ("host (Chat.LocalHost)", Row(phases, c => c.PerThousandMessages.GetValueOrDefault(CpuMeter.Server))),
            ("Cosmos emulator (node)", Row(phases, c => c.PerThousandMessages.GetValueOrDefault(CpuMeter.Cosmos))),
            ("Azurite (node)", Row(phases, c => c.PerThousandMessages.GetValueOrDefault(CpuMeter.Azurite))),
            .. (r.Xmpp is null ? Array.Empty<(string, string)>() : [("XMPP server (idle during our phases)", Row(phases, c => c.PerThousandMessages.GetValueOrDefault(CpuMeter.Xmpp)))]),
            ("host per 1,000 deliveries/notifs", Row(phases, c => c.ServerPerThousandDeliveries)),
            ("host CPU s / window s", Row(phases, c => c.Seconds.GetValueOrDefault(CpuMeter.Server) is { } v ? Math.Round(v, 2) : null, unit: "")
                + Inv($"  (windows {r.Direct?.Cpu?.WindowSeconds} / {r.Group?.Cpu?.WindowSeconds} / {r.Push?.Cpu?.WindowSeconds} s)")),
            ("machine busy, CPU s", Row(phases, c => c.MachineBusySeconds, unit: "")),
            ("  of it other processes, CPU s", Row(phases, c => c.OtherProcessesSeconds, unit: "")),
            ("bench itself, CPU s", Row(phases, c => Math.Round(c.BenchSeconds, 2), unit: "")),
            ("idle load, CPU s/s", r.IdleCpu is { } idle
                ? string.Join(", ", idle.Utilization.Select(e => Inv($"{e.Key} {e.Value}")))
                : "-"),
        ]);

    }

    /// <summary>The host's profile by component, each also as CPU ms per message (its share of the direct run's host CPU).</summary>
    private static void ProfileRows(StringBuilder text, ProfileResult p, DirectResult? direct)
    {
        var perMessage = direct?.Cpu.PerThousandMessages.GetValueOrDefault(CpuMeter.Server);
        string Ms(double percent) => perMessage is { } total ? Inv($"{Math.Round(total * percent / 100, 2)} ms/msg") : "-";
        Rows(text, Inv($"Host CPU profile over the direct run (perf, {p.Samples} samples, {p.SamplesPerSecond}/s; {p.DataFile})"), [
            .. p.Components.Where(c => c.Percent >= 0.5).Select(c => (c.Component, Inv($"{c.Percent}%  {Ms(c.Percent)}"))),
            ("of all: under a stand-in's frames", Inv($"{p.StandInPercent}%  {Ms(p.StandInPercent)}")),
        ]);
        Rows(text, "Host CPU profile: the methods that named the most samples' components", [
            .. p.Methods.Where(m => m.Percent >= 0.5).Select(m => ($"{m.Method} ({m.Component})", Inv($"{m.Percent}%  {Ms(m.Percent)}"))),
        ]);
    }

    private static void PushNetRows(StringBuilder text, PushResult push) =>
        Rows(text, "Push phase net of idle (CPU s per 1,000 messages, idle rate x window taken off)", [
            ("host / Cosmos emulator / Azurite", string.Join(" / ", new[] { CpuMeter.Server, CpuMeter.Cosmos, CpuMeter.Azurite }
                .Select(k => N(push.NetPerThousandMessages.GetValueOrDefault(k)) + " s"))),
            ("host per 1,000 notifications", N(push.NetServerPerThousandNotifications) + " s"),
            ("idle during the silence, CPU s/s", string.Join(", ", push.IdleCpu.Utilization.Select(e => Inv($"{e.Key} {e.Value}"))) + Inv($" (over {push.IdleCpu.WindowSeconds} s)")),
        ]);

    private static void Footer(StringBuilder text, BenchReport r)
    {
        text.AppendLine(Inv($"load average at start / end: {r.LoadAverageAtStart} / {r.LoadAverageAtEnd}"));
        if (r.Notes.Count > 0)
        {
            text.AppendLine("Notes");
            foreach (var note in r.Notes)
            {
                text.AppendLine("  - " + note);
            }
        }
    }

    /// <summary>The cost phase as a Markdown table (bench/README.md takes it as it is), then the listing check and the RU basis.</summary>
    private static void CostRows(StringBuilder text, CostResult costs)
    {
        text.AppendLine("| operation | calls | Cosmos requests per call | RU per call (estimate) | by operation type, per call | by container, per call | Redis round trips per call | by store and command, per call | errors |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var c in costs.Operations)
        {
            var perCall = N(c.PerCall) + (c.PerPage is { } page ? Inv($" ({N(page)} a page)") : string.Empty);
            text.AppendLine(Inv($"| {c.Name} | {c.Calls} | {perCall} | {N(c.EstimatedRuPerCall)} | {HostMetrics.Format(c.PerCallByOperation)} | {HostMetrics.Format(c.PerCallByContainer)} | {N(c.RedisPerCall)} | {HostMetrics.Format(c.RedisPerCallByCommand)} | {Errors(c.Errors)} |"));
        }

        var l = costs.Listing;
        text.AppendLine();
        text.AppendLine(Inv($"GET /api/chats of the user in {l.Expected} chats: ") + (l.Failure ?? Inv($"all {l.Returned} came back once each in {l.Pages} pages, in non-increasing last activity")));
        text.AppendLine("RU " + costs.RuBasis);
        text.AppendLine();
    }

    private static void Rows(StringBuilder text, string title, (string Name, string Value)[] rows)
    {
        text.AppendLine(title);
        foreach (var (name, value) in rows)
        {
            text.Append("  ").Append(name.PadRight(40)).AppendLine(value);
        }

        text.AppendLine();
    }

    private static string Dist(Distribution d, bool p95) =>
        d.Count == 0 ? "-" : p95
            ? Inv($"{N(d.P50)} / {N(d.P95)} / {N(d.P99)} / {N(d.Max)} ms (n={d.Count})")
            : Inv($"{N(d.P50)} / {N(d.P99)} / {N(d.Max)} ms (n={d.Count})");

    private static string Errors(Dictionary<string, long> errors) =>
        errors.Count == 0 ? "none" : string.Join(", ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));

    private static string Row(CpuUsage?[] phases, Func<CpuUsage, double?> pick, string unit = " s") =>
        Cols(phases.Select(c => c is null ? "-" : N(pick(c)) + unit).ToArray());

    private static string Cols(string[] cells) => string.Concat(cells.Select(c => c.PadRight(14))).TrimEnd();

    private static string Rate(int count, double seconds) => seconds > 0 ? N(Math.Round(count / seconds, 1)) : "-";

    private static string N(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "n/a";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
