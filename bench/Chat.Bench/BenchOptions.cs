namespace Chat.Bench;

using System.Globalization;

/// <summary>How the local host gets its emulators when the bench starts it.</summary>
public enum EmulatorMode
{
    /// <summary>The default ports (8081, 10000-10002) when free, else free ports of our own.</summary>
    Auto,

    /// <summary>Always free ports of our own: the host starts fresh emulators as its children.</summary>
    Own,

    /// <summary>The default ports, reusing emulators already listening there.</summary>
    Reuse,
}

/// <summary>Command-line options; every number is bounded so that every loop is.</summary>
public sealed class BenchOptions
{
    public const int DefaultPort = 7071;

    public int Users { get; private set; } = 200;

    public double Rate { get; private set; } = 50;

    public double Seconds { get; private set; } = 30;

    public double WarmupSeconds { get; private set; } = 5;

    public int GroupSize { get; private set; } = 100;

    public int GroupMessages { get; private set; } = 50;

    public double GroupRate { get; private set; } = 5;

    public int PushSize { get; private set; } = 100;

    public int PushMessages { get; private set; } = 20;

    public int PushWarmup { get; private set; } = 5;

    public double PushIntervalSeconds { get; private set; } = 3;

    public double PushOfflineWaitSeconds { get; private set; } = 65;

    public double PushWaitSeconds { get; private set; } = 30;

    /// <summary>With --start-host: Push__CollapseWindow for the host (seconds); null leaves the server's default.</summary>
    public double? PushCollapseWindowSeconds { get; private set; }

    public double LossWaitSeconds { get; private set; } = 10;

    public int MaxInFlight { get; private set; } = 200;

    public int SetupConcurrency { get; private set; } = 8;

    public int? Port { get; private set; }

    public bool StartHost { get; private set; }

    public bool LimitsRaised { get; private set; }

    /// <summary>Profile the host with perf over the measured direct run (<see cref="HostProfile"/>).</summary>
    public bool Profile { get; private set; }

    public int? ServerPid { get; private set; }

    public string? Out { get; private set; }

    public EmulatorMode Emulators { get; private set; } = EmulatorMode.Own;

    public int CosmosPort { get; private set; } = 8081;

    public int AzuritePort { get; private set; } = 10000;

    public double HostStartTimeoutSeconds { get; private set; } = 600;

    /// <summary>The phases to run: direct, group and push by default; <c>--phase costs</c> alone for the request counts.</summary>
    public HashSet<string> Phases { get; private set; } = new(DefaultPhases, StringComparer.Ordinal);

    public static readonly string[] AllPhases = ["direct", "group", "push", "costs", "concurrent", "xmpp"];

    /// <summary>The XMPP server of the baseline phase (bench/ejabberd); its users sign in as the phase starts.</summary>
    public XmppEndpoint Xmpp { get; private set; } = new("127.0.0.1", 5222, "localhost");

    /// <summary>Every phase but the XMPP baseline talks to the chat backend.</summary>
    public bool NeedsChatHost => Phases.Any(p => p != "xmpp");

    private static readonly string[] DefaultPhases = ["direct", "group", "push"];

    public int CostCalls { get; private set; } = 50;

    /// <summary>The chats the cost phase's listing user is in.</summary>
    public int ListChats { get; private set; } = 300;

    /// <summary>Messages of the chat the cost phase searches (API v1.1 search); one in 100 holds the word searched for.</summary>
    public int SearchMessages { get; private set; } = 1_000;

    public bool Help { get; private set; }

    public int ApiPort => Port ?? DefaultPort;

    public bool Runs(string phase) => Phases.Contains(phase);

    public Uri BaseAddress => new($"http://127.0.0.1:{ApiPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The server's collapse window of push bursts: ours when we set it, else the server's default (2 s).</summary>
    public double EffectiveCollapseWindowSeconds => PushCollapseWindowSeconds ?? DefaultCollapseWindowSeconds;

    public const double DefaultCollapseWindowSeconds = 2;

    /// <summary>The limits of the server are known to be raised: we started it, or the caller says so.</summary>
    public bool LimitsKnownRaised => StartHost || LimitsRaised;

    public const string Usage = """
        Chat.Bench: load benchmark of the chat backend (127.0.0.1 only).

          dotnet run --project bench/Chat.Bench -c Release -- [options]

        Server
          --start-host               start functions/Chat.LocalHost (Release) with raised limits, stop it at the end
          --port N                   API port (default 7071)
          --server-pid N             pid of a running host, for CPU accounting (found by itself with --start-host)
          --limits-raised            the running host was started with raised Limits__* (skips auth pacing)
          --emulators own|auto|reuse with --start-host: fresh emulators of the host's own on free ports (own, default:
                                     an isolated database, nobody else's load); the default ports when free, else own (auto);
                                     reuse what listens on the default ports (reuse)
          --cosmos-port N            default Cosmos emulator port, to find/reuse it (8081)
          --azurite-port N           default Azurite blob port, to find/reuse it (10000; queue/table are +1/+2)
          --host-timeout S           seconds to wait for the started host's /api/health (600; includes its build)
        Direct chats
          --users N                  connected users, paired into direct chats (200)
          --rate R                   offered messages per second in total (50)
          --seconds S                measured duration (30)
          --warmup S                 unmeasured warm-up at the same rate before it (5; 0 to skip)
          --max-inflight N           bound on concurrent sends; a send due while at the bound is skipped (200)
          --loss-wait S              a message without its event this long after the sends is lost (10)
        Group
          --group-size N             members of the group, sender included (100; at most 100)
          --group-messages M         messages the one sender sends (50)
          --group-rate R             their rate per second (5)
        Push fan-out (members offline, one fcm device each; needs the local host's Notification Hubs sink)
          --push-size N              members of the push group, sender included (100; at most 100)
          --push-messages M          messages the sender sends once the others are offline (20)
          --push-warmup N            unmeasured messages first, once the members are offline (5; 0 to skip)
          --push-interval S          seconds between them; more than the collapse window, or a burst collapses (3)
          --push-offline-wait S      silence of the members before the sends; offline = no activity for 60 s (65)
          --push-wait S              after the last send, wait this long at most for its notifications (30)
          --push-collapse-window S   with --start-host: Push__CollapseWindow of the host (default: the server's 2 s)
        Costs (Cosmos requests per operation, from the local host's /_local/metrics, and RU estimates; 101 users)
          --cost-calls N             calls of each operation, one at a time (50; a full listing of all chats: N/5;
                                     the reaction rows: 100, one per member, the storm all at once)
          --list-chats N             chats of the user who lists them, each with a message (300); pages of 20 are
                                     read to the end and checked: each chat once, in non-increasing last activity
          --search-messages N        messages of the chat searched, one in 100 with the word (1000; filled after the
                                     other rows: the emulator's queries read the whole container, see README)
        Other
          --phase NAME               run only the named phases (repeatable): direct, group, push, costs,
                                     concurrent (10 members send 20 messages each at once into one group;
                                     counts only), xmpp (below); default: direct, group and push
        XMPP baseline (--phase xmpp: the direct load, same users, rate and duration, to an XMPP server such as
        ejabberd with bench/ejabberd/ejabberd.yml; users registered in-band; needs no chat backend on its own)
          --xmpp HOST:PORT           the server's client port (127.0.0.1:5222)
          --xmpp-domain NAME         its XMPP domain (localhost)
          --setup-concurrency N      concurrent calls while registering and connecting users (8; at most 8)
          --skip-push                leave the push phase out (--phase direct --phase group)
          --profile                  a perf CPU profile of the host over the measured direct run, by component
                                     (needs perf; with --start-host the host writes its perf map; perf takes about
                                     a core of its own, so a profiled run's latency and CPU are not comparable)
          --out PATH                 JSON results (bench/results/latest.json under the repository root)
          --help
        """;

    /// <summary>Every option but --phase: how it sets the options (<c>v()</c> takes its value).</summary>
    private static readonly Dictionary<string, Action<BenchOptions, Func<string>>> Setters = new(StringComparer.Ordinal)
    {
        ["--help"] = (o, _) => o.Help = true,
        ["-h"] = (o, _) => o.Help = true,
        ["--start-host"] = (o, _) => o.StartHost = true,
        ["--limits-raised"] = (o, _) => o.LimitsRaised = true,
        ["--profile"] = (o, _) => o.Profile = true,
        ["--skip-push"] = (o, _) => o.Phases.Remove("push"),
        ["--cost-calls"] = (o, v) => o.CostCalls = Int("--cost-calls", v(), 1, 1000),
        ["--list-chats"] = (o, v) => o.ListChats = Int("--list-chats", v(), 1, 2000),
        ["--search-messages"] = (o, v) => o.SearchMessages = Int("--search-messages", v(), 100, 100_000),
        ["--push-size"] = (o, v) => o.PushSize = Int("--push-size", v(), 2, 100),
        ["--push-messages"] = (o, v) => o.PushMessages = Int("--push-messages", v(), 0, 1000),
        ["--push-warmup"] = (o, v) => o.PushWarmup = Int("--push-warmup", v(), 0, 100),
        ["--push-interval"] = (o, v) => o.PushIntervalSeconds = Num("--push-interval", v(), 0.1, 600),
        ["--push-offline-wait"] = (o, v) => o.PushOfflineWaitSeconds = Num("--push-offline-wait", v(), 61, 900),
        ["--push-wait"] = (o, v) => o.PushWaitSeconds = Num("--push-wait", v(), 1, 600),
        ["--push-collapse-window"] = (o, v) => o.PushCollapseWindowSeconds = Num("--push-collapse-window", v(), 0, 60),
        ["--port"] = (o, v) => o.Port = Int("--port", v(), 1, 65535),
        ["--server-pid"] = (o, v) => o.ServerPid = Int("--server-pid", v(), 1, int.MaxValue),
        ["--emulators"] = (o, v) => o.Emulators = v() switch
        {
            "auto" => EmulatorMode.Auto,
            "own" => EmulatorMode.Own,
            "reuse" => EmulatorMode.Reuse,
            var other => throw new ArgumentException($"--emulators: auto, own or reuse, not '{other}'."),
        },
        ["--cosmos-port"] = (o, v) => o.CosmosPort = Int("--cosmos-port", v(), 1, 65535),
        ["--azurite-port"] = (o, v) => o.AzuritePort = Int("--azurite-port", v(), 1, 65533),
        ["--host-timeout"] = (o, v) => o.HostStartTimeoutSeconds = Num("--host-timeout", v(), 10, 3600),
        ["--users"] = (o, v) => o.Users = Int("--users", v(), 2, 5000),
        ["--rate"] = (o, v) => o.Rate = Num("--rate", v(), 0.1, 10_000),
        ["--seconds"] = (o, v) => o.Seconds = Num("--seconds", v(), 1, 3600),
        ["--warmup"] = (o, v) => o.WarmupSeconds = Num("--warmup", v(), 0, 600),
        ["--max-inflight"] = (o, v) => o.MaxInFlight = Int("--max-inflight", v(), 1, 10_000),
        ["--loss-wait"] = (o, v) => o.LossWaitSeconds = Num("--loss-wait", v(), 0, 600),
        ["--group-size"] = (o, v) => o.GroupSize = Int("--group-size", v(), 2, 100),
        ["--group-messages"] = (o, v) => o.GroupMessages = Int("--group-messages", v(), 0, 100_000),
        ["--group-rate"] = (o, v) => o.GroupRate = Num("--group-rate", v(), 0.1, 1000),
        ["--setup-concurrency"] = (o, v) => o.SetupConcurrency = Int("--setup-concurrency", v(), 1, 8),
        ["--out"] = (o, v) => o.Out = v(),
        ["--xmpp"] = (o, v) => o.Xmpp = XmppEndpoint.Parse(v(), o.Xmpp.Domain),
        ["--xmpp-domain"] = (o, v) => o.Xmpp = o.Xmpp with { Domain = v() },
    };

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var explicitPhases = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                return args[++i];
            }

            if (name == "--phase")
            {
                o.Phases = explicitPhases ? o.Phases : new HashSet<string>(StringComparer.Ordinal);
                explicitPhases = true;
                o.Phases.Add(Value() is var phase && AllPhases.Contains(phase) ? phase
                    : throw new ArgumentException($"--phase: one of {string.Join(", ", AllPhases)}, not '{phase}'."));
            }
            else
            {
                var set = Setters.GetValueOrDefault(name) ?? throw new ArgumentException($"Unknown option '{name}' (see --help).");
                set(o, Value);
            }
        }

        return Validated(o);
    }

    /// <summary>The options, once the combinations make sense.</summary>
    private static BenchOptions Validated(BenchOptions o)
    {
        if (o.Rate * o.Seconds > 1_000_000 || o.GroupMessages > 100_000)
        {
            throw new ArgumentException("At most 1,000,000 direct messages per run (rate x seconds).");
        }

        if (o.Runs("push") && o.PushMessages + o.PushWarmup > 1 && o.PushIntervalSeconds < o.EffectiveCollapseWindowSeconds + 0.5)
        {
            throw new ArgumentException(
                $"--push-interval ({o.PushIntervalSeconds} s) must exceed the collapse window ({o.EffectiveCollapseWindowSeconds} s) by 0.5 s at least, " +
                "or the server collapses the burst into one notification (lower it with --push-collapse-window when the bench starts the host).");
        }

        if (o.PushCollapseWindowSeconds is not null && !o.StartHost)
        {
            throw new ArgumentException("--push-collapse-window needs --start-host (it sets the started host's Push__CollapseWindow).");
        }

        return o;
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name}: an integer in {min}..{max}, not '{value}'.");

    private static double Num(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name}: a number in {min}..{max}, not '{value}'.");
}

/// <summary>Where the XMPP baseline connects, and the domain its users belong to.</summary>
public sealed record XmppEndpoint(string Host, int Port, string Domain)
{
    /// <summary>"HOST:PORT" of a server of <paramref name="domain"/>.</summary>
    public static XmppEndpoint Parse(string value, string domain)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? new XmppEndpoint(value[..colon], port, domain)
            : throw new ArgumentException($"--xmpp: HOST:PORT, not '{value}'.");
    }
}
