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
