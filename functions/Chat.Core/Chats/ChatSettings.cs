namespace Chat.Core.Chats;

using System.Globalization;
using System.Text.Json;
using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>The rules of a member's own chat settings (API v1.1): pinned (at most 3), archived, muted until a time.</summary>
public static class ChatSettings
{
    public const int MaxPinned = 3;

    /// <summary>A mute change asked for: <c>Until</c> null unmutes.</summary>
    public readonly record struct Mute(DateTimeOffset? Until);

    /// <summary>The mute <paramref name="mutedUntil"/> asks for: none when absent, unmute when null, else a timestamp (400 otherwise).</summary>
    public static Mute? MutedUntil(JsonElement mutedUntil) => mutedUntil.ValueKind switch
    {
        JsonValueKind.Undefined => null,
        JsonValueKind.Null => new Mute(null),
        JsonValueKind.String when DateTimeOffset.TryParse(mutedUntil.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until) =>
            new Mute(until.ToUniversalTime()),
        _ => throw ChatErrors.Invalid("mutedUntil", "must be a timestamp (ISO 8601), or null to unmute."),
    };

    /// <summary>Where the entry goes: archiving unpins, pinning unarchives; an absent field keeps its value.</summary>
    public static ChatListEntry Place(ChatListEntry entry, bool? pinned, bool? archived)
    {
        if (pinned == true && archived == true)
        {
            throw ChatErrors.Invalid("archived", "cannot be set with pinned: a pinned chat is not archived.");
        }

        return (pinned, archived) switch
        {
            (true, _) => entry with { Pinned = true, Archived = false },
            (_, true) => entry with { Pinned = false, Archived = true },
            _ => entry with { Pinned = pinned ?? entry.Pinned, Archived = archived ?? entry.Archived },
        };
    }
}
