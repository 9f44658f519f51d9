namespace Chat.Core.Push;

using System.ComponentModel.DataAnnotations;
using Chat.Core.Common;

/// <summary>How pushes to offline members are planned and retried.</summary>
public sealed class PushOptions
{
    public const string Section = "Push";

    /// <summary>A job waits this long before it is dispatched, and a message followed by another in the
    /// same chat within it is not pushed on its own: a burst becomes one notification.</summary>
    public TimeSpan CollapseWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Chats with at most this many recipients have presence checked on the send path (one Redis
    /// MGET, ~0.1-1 ms, whatever the count), so a message to members who are all online queues no push job
    /// (which would cost 3 Cosmos reads); the default covers every group (100 members).</summary>
    [Range(0, 100)] public int InlinePresenceLimit { get; set; } = 100;

    /// <summary>The first retry delay after a transient failure; it doubles on each further attempt.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts (the first included) before a job goes to the poison queue.</summary>
    [Range(1, 20)] public int MaxAttempts { get; set; } = 5;

    public Backoff Retry => new(RetryBaseDelay, RetryMaxDelay, MaxAttempts - 1);

    /// <summary>Text previews are cut to this many characters (whole text elements).</summary>
    [Range(10, 1000)] public int PreviewLength { get; set; } = 100;
}
