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

    public required BenchParameters Parameters { get; init; }

    public ServerInfo Server { get; } = new();

    public SetupResult Setup { get; } = new();

    public CpuUsage? IdleCpu { get; set; }

    public DirectResult? Warmup { get; set; }

    public DirectResult? Direct { get; set; }

    public GroupResult? Group { get; set; }

    public PushResult? Push { get; set; }

    public List<CostRow>? Costs { get; set; }

    public ConcurrentResult? Concurrent { get; set; }

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

public sealed record BenchParameters(
    string BaseUrl,
    bool StartHost,
    int Users,
    double Rate,
    double Seconds,
    double WarmupSeconds,
    int MaxInFlight,
    double LossWaitSeconds,
    int GroupSize,
    int GroupMessages,
    double GroupRate,
    int PushSize,
    int PushMessages,
    int PushWarmup,
    double PushIntervalSeconds,
    double PushOfflineWaitSeconds,
    double PushWaitSeconds,
    double? PushCollapseWindowSeconds,
    int SetupConcurrency,
    EmulatorMode Emulators,
    bool LimitsRaised);

public sealed class ServerInfo
{
    public string? BaseUrl { get; set; }

    public bool StartedByBench { get; set; }

    public int? ServerPid { get; set; }

    public string? ServerPidSource { get; set; }

    public Dictionary<string, List<int>> EmulatorPids { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string>? HostEnvironment { get; set; }

    public string? HostLog { get; set; }
}

public sealed class SetupResult
{
    public int UsersWanted { get; set; }

    public int UsersReady { get; set; }

    public int UsersFailed { get; set; }

    public double RegisterSeconds { get; set; }

    public double ConnectSeconds { get; set; }

    public int Retries { get; set; }

    public int DirectChats { get; set; }

    public int DirectMembersReady { get; set; }

    public double DirectChatsSeconds { get; set; }

    public int GroupMembersReady { get; set; }

    public double GroupCreateSeconds { get; set; }

    public double PushGroupCreateSeconds { get; set; }

    public int PushDevicesRegistered { get; set; }

    public double PushDevicesSeconds { get; set; }

    /// <summary>Seconds waited for the server's CPU to quiet down (JIT tiering) before a measured phase.</summary>
    public Dictionary<string, double> Settle { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);
}

public sealed class DirectResult
{
    public double OfferedRate { get; set; }

    public double ScheduledSeconds { get; set; }

    public long Scheduled { get; set; }

    public long Attempted { get; set; }

    public long SkippedAtInFlightBound { get; set; }

    public long Sent { get; set; }

    public long Failed { get; set; }

    public Dictionary<string, long> ErrorsByStatus { get; set; } = new(StringComparer.Ordinal);

    public long Delivered { get; set; }

    public long Lost { get; set; }

    public long DeliveredDespiteSendError { get; set; }

    public long DuplicateEvents { get; set; }

    public double AchievedRate { get; set; }

    public double SendWindowSeconds { get; set; }

    public double MaxScheduleLagMs { get; set; }

    public int MaxInFlightSeen { get; set; }

    public required Distribution LatencyMs { get; set; }

    public required Distribution SendCallMs { get; set; }

    public CpuUsage? Cpu { get; set; }
}

public sealed class GroupResult
{
    public int Members { get; set; }

    public int Recipients { get; set; }

    public double OfferedRate { get; set; }

    public long Scheduled { get; set; }

    public long Sent { get; set; }

    public long Failed { get; set; }

    public Dictionary<string, long> ErrorsByStatus { get; set; } = new(StringComparer.Ordinal);

    public long ExpectedDeliveries { get; set; }

    public long Deliveries { get; set; }

    public long LostDeliveries { get; set; }

    public long MessagesIncomplete { get; set; }

    public long DuplicateEvents { get; set; }

    public double AchievedRate { get; set; }

    public required Distribution FanOutMs { get; set; }

    public required Distribution DeliveryMs { get; set; }

    public required Distribution SendCallMs { get; set; }

    public CpuUsage? Cpu { get; set; }
}

/// <summary>
/// The push fan-out phase: one group message while every other member is offline becomes one
/// notification per member's device, through the queue, the dispatcher and the local Notification
/// Hubs sink. Times compare the sink's <c>at</c> (host clock) with the bench's wall clock at send start.
/// </summary>
public sealed class PushResult
{
    public int Members { get; set; }

    /// <summary>Members other than the sender whose fcm device was registered (the expected recipients).</summary>
    public int Recipients { get; set; }

    /// <summary>Unmeasured messages sent first (the push path's JIT), once the members were offline.</summary>
    public int WarmupMessages { get; set; }

    public double IntervalSeconds { get; set; }

    /// <summary>The collapse window the server runs with (set by the bench, or its default).</summary>
    public double CollapseWindowSeconds { get; set; }

    /// <summary>Seconds from the members' last API call to the first measured send.</summary>
    public double SilenceSeconds { get; set; }

    /// <summary>Recipients the sender saw online (GET /api/presence) right before the sends; should be 0.</summary>
    public int? OnlineAtStart { get; set; }

    public long Scheduled { get; set; }

    public long Sent { get; set; }

    public long Failed { get; set; }

    public Dictionary<string, long> ErrorsByStatus { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Sent messages x recipients.</summary>
    public long ExpectedNotifications { get; set; }

    /// <summary>(message, recipient) pairs with at least one notification.</summary>
    public long Notified { get; set; }

    /// <summary>(message, recipient) pairs with no notification within the wait.</summary>
    public long Missing { get; set; }

    /// <summary>Notifications beyond the first of a (message, recipient) pair.</summary>
    public long Duplicates { get; set; }

    /// <summary>Messages that did not reach every recipient exactly once.</summary>
    public long MessagesIncomplete { get; set; }

    /// <summary>Notifications of the push group for a seq the bench did not send successfully.</summary>
    public long Unexpected { get; set; }

    /// <summary>GET /_local/notifications calls the bench made (to show how lightly it polled).</summary>
    public int SinkPolls { get; set; }

    public double AchievedRate { get; set; }

    /// <summary>Send start → the <c>at</c> of the last recipient's notification, per complete message.</summary>
    public required Distribution CompletionMs { get; set; }

    /// <summary>Send start → the <c>at</c> of each single notification (the first per pair).</summary>
    public required Distribution NotificationMs { get; set; }

    /// <summary>A complete message's first → last notification: the dispatcher's own time (its sends
    /// are sequential), without the collapse delay and the queue polling before it.</summary>
    public required Distribution SpreadMs { get; set; }

    public required Distribution SendCallMs { get; set; }

    /// <summary>Host CPU over the sends and until the last notification arrived (the final poll excluded).</summary>
    public CpuUsage? Cpu { get; set; }

    /// <summary>The same processes idle, sampled during the members' silence (same state, no sends).</summary>
    public CpuUsage? IdleCpu { get; set; }

    /// <summary>CPU s per 1,000 messages with the idle rate x window taken off (the phase is slow, so idle dominates the raw figure).</summary>
    public Dictionary<string, double?> NetPerThousandMessages { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Host CPU s per 1,000 notifications, idle taken off.</summary>
    public double? NetServerPerThousandNotifications { get; set; }
}
