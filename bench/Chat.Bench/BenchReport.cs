namespace Chat.Bench;

using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>Everything a run measured; written as JSON to --out and printed as tables.</summary>
public sealed class BenchReport
{
    public string Tool { get; init; } = "Chat.Bench";

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? FinishedAt { get; set; }

    public bool Cancelled { get; set; }

    public string? Error { get; set; }

    public required MachineInfo Machine { get; init; }

    /// <summary>The options of the run, as parsed.</summary>
    public required BenchOptions Parameters { get; init; }

    public ServerInfo Server { get; } = new();

    public SetupResult Setup { get; } = new();

    public CpuUsage? IdleCpu { get; set; }

    public DirectResult? Warmup { get; set; }

    public DirectResult? Direct { get; set; }

    public ProfileResult? Profile { get; set; }

    public GroupResult? Group { get; set; }

    public PushResult? Push { get; set; }

    public CostResult? Costs { get; set; }

    public ConcurrentResult? Concurrent { get; set; }

    /// <summary>The XMPP baseline's measured run (the direct load over XMPP).</summary>
    public DirectResult? Xmpp { get; set; }

    public string? LoadAverageAtStart { get; set; }

    public string? LoadAverageAtEnd { get; set; }

    public List<string> Notes { get; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

public sealed class ServerInfo
{
    public string? BaseUrl { get; set; }

    public bool StartedByBench { get; set; }

    public int? ServerPid { get; set; }

    public string? ServerPidSource { get; set; }

    public Dictionary<string, List<int>> EmulatorPids { get; } = new(StringComparer.Ordinal);

    /// <summary>The XMPP baseline's server processes, when found on this machine.</summary>
    public List<int>? XmppPids { get; set; }

    public Dictionary<string, string>? HostEnvironment { get; set; }

    public string? HostLog { get; set; }
}

public sealed class SetupResult
{
    public int UsersWanted { get; set; }

    public int UsersReady { get; set; }

    public double RegisterSeconds { get; set; }

    public double ConnectSeconds { get; set; }

    public int Retries { get; set; }

    public int DirectChats { get; set; }

    public int DirectMembersReady { get; set; }

    public int XmppUsersReady { get; set; }

    public double DirectChatsSeconds { get; set; }

    public double PushGroupCreateSeconds { get; set; }

    public int PushDevicesRegistered { get; set; }

    public double PushDevicesSeconds { get; set; }

    /// <summary>Seconds waited for the server's CPU to quiet down (JIT tiering) before a measured phase.</summary>
    public Dictionary<string, double> Settle { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);
}

/// <summary>What the sends of a phase did: counts, errors by class (HTTP status, timeout, network), the send call's time.</summary>
/// <param name="SendWindowSeconds">The first send's start to the last completed one; <c>AchievedRate</c> = Sent / it.</param>
public sealed record SendCounts(
    long Scheduled,
    long Attempted,
    long SkippedAtInFlightBound,
    long Sent,
    long Failed,
    Dictionary<string, long> ErrorsByStatus,
    double SendWindowSeconds,
    double AchievedRate,
    Distribution SendCallMs);

/// <param name="LatencyMs">Send start → the recipient's <c>message</c> event.</param>
/// <param name="Lost">Sent with 2xx, no event within the loss wait.</param>
public sealed record DirectResult(
    double OfferedRate,
    double ScheduledSeconds,
    SendCounts Sends,
    long Delivered,
    long Lost,
    long DuplicateEvents,
    Distribution LatencyMs,
    CpuUsage Cpu);

/// <param name="FanOutMs">Send start → the event of the last recipient, per message every recipient got.</param>
/// <param name="DeliveryMs">Send start → each single recipient's event.</param>
public sealed record GroupResult(
    int Members,
    int Recipients,
    double OfferedRate,
    SendCounts Sends,
    long ExpectedDeliveries,
    long Deliveries,
    long LostDeliveries,
    long MessagesIncomplete,
    long DuplicateEvents,
    Distribution FanOutMs,
    Distribution DeliveryMs,
    CpuUsage Cpu);

/// <summary>
/// The push fan-out phase: one group message while every other member is offline becomes one
/// notification per member's device, through the queue, the dispatcher and the local Notification
/// Hubs sink. Times compare the sink's <c>at</c> (host clock) with the bench's wall clock at send start.
/// </summary>
/// <param name="Recipients">Members other than the sender whose fcm device was registered.</param>
/// <param name="SilenceSeconds">From the members' last API call to the first measured send.</param>
/// <param name="OnlineAtStart">Recipients the sender saw online (GET /api/presence) right before the sends; should be 0.</param>
/// <param name="Tally">Notifications per (message, recipient) pair and their times.</param>
/// <param name="Unexpected">Notifications of the push group for a seq the bench did not send successfully.</param>
/// <param name="Cpu">Over the sends and until the last notification arrived (the final poll excluded).</param>
/// <param name="IdleCpu">The same processes idle, sampled during the members' silence (same state, no sends).</param>
/// <param name="NetPerThousandMessages">CPU s per 1,000 messages with the idle rate x window taken off.</param>
public sealed record PushResult(
    int Members,
    int Recipients,
    int WarmupMessages,
    double IntervalSeconds,
    double CollapseWindowSeconds,
    double SilenceSeconds,
    int? OnlineAtStart,
    SendCounts Sends,
    PushTally Tally,
    long Unexpected,
    int SinkPolls,
    CpuUsage Cpu,
    CpuUsage IdleCpu,
    Dictionary<string, double?> NetPerThousandMessages,
    double? NetServerPerThousandNotifications);
