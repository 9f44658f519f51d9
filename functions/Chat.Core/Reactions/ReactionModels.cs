namespace Chat.Core.Reactions;

using System.Text.Json.Serialization;

/// <summary>One member's reaction to one message: an item of its own, so members reacting at once never write the same document.</summary>
public sealed record ReactionRecord(string ChatId, long Seq, string UserId, string Emoji, DateTimeOffset At)
{
    /// <summary>The message's expiry: the store lets the reaction go with it.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

public sealed record ReactionView(string UserId, string Emoji, DateTimeOffset At);

public sealed record ReactionRequest(string? Emoji);

/// <summary>The answer of PUT /reactions/me: the message's reactions after the caller's change.</summary>
public sealed record ReactionsView(string ChatId, long Seq, IReadOnlyList<ReactionView> Reactions);

/// <summary>The <c>reaction</c> event; <see cref="Emoji"/> is null when the member removed theirs (written as null, not left out).</summary>
public sealed record ReactionEvent(
    string ChatId, long Seq, string UserId, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Emoji, DateTimeOffset At);
