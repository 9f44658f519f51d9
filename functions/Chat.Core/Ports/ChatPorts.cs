namespace Chat.Core.Ports;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Core.Reactions;

/// <summary>A chat as read in one request, with the receipt states asked for.</summary>
public sealed record ChatSnapshot(Versioned<ChatRecord> Chat, IReadOnlyList<Versioned<ReceiptState>> States)
{
    public ChatRecord Value => Chat.Value;

    public Versioned<ReceiptState>? StateOf(string userId) => States.FirstOrDefault(s => s.Value.UserId == userId);

    public IReadOnlyDictionary<string, ReceiptState> StatesByUser => MessageViews.ByUser(States.Select(s => s.Value));
}

/// <summary>Which receipt states to read with a chat: none, one member's, or every member's.</summary>
public sealed record StatesToRead(string? UserId, bool All)
{
    public static readonly StatesToRead None = new(null, false);

    public static readonly StatesToRead Everyone = new(null, true);

    public static StatesToRead Of(string userId) => new(userId, false);
}

/// <summary>What an append did; when it landed, <see cref="ETag"/> is the chat's version after it, so the next
/// send on this instance can go on from it without reading the head.</summary>
public sealed record AppendResult(AppendOutcome Outcome, string? ETag = null);

public enum AppendOutcome
{
    /// <summary>The message, its send key and the chat head landed together.</summary>
    Appended,

    /// <summary>The sender's clientMessageId is stored already: nothing was written.</summary>
    Duplicate,

    /// <summary>The chat changed since it was read (a concurrent send or membership change): nothing was written.</summary>
    Conflict,
}

/// <summary>The chat's partition: its members (rarely written), its head (every send), messages,
/// send keys and receipt states.</summary>
public interface IChatStore
{
    /// <summary>The chat; metadata comes from a per-instance cache that the head's version validates.</summary>
    Task<Versioned<ChatRecord>?> GetAsync(string chatId, CancellationToken ct);

    /// <summary>The chat and the receipt states asked for, in one request.</summary>
    Task<ChatSnapshot?> ReadAsync(string chatId, StatesToRead states, CancellationToken ct);

    /// <summary>Several chats, each with the receipt states of its members (current and past); chats that do not exist are missing.</summary>
    Task<IReadOnlyList<ChatSnapshot>> ReadManyAsync(IReadOnlyCollection<string> chatIds, CancellationToken ct);

    /// <summary>The last activity of each chat that exists, from its head alone: 1 ReadMany.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> ReadActivityAsync(IReadOnlyCollection<string> chatIds, CancellationToken ct);

    /// <summary>False when a chat with that id exists.</summary>
    Task<bool> TryCreateAsync(ChatRecord chat, CancellationToken ct);

    /// <summary>Writes metadata and head together; false when the chat changed since <paramref name="etag"/>.</summary>
    Task<bool> TryReplaceAsync(ChatRecord chat, string etag, CancellationToken ct);

    /// <summary>Stores <paramref name="message"/> as the chat's next one, atomically with its send key, the
    /// head of <paramref name="updated"/> (under <paramref name="etag"/>) and the sender's last sent seq.</summary>
    Task<AppendResult> TryAppendAsync(ChatRecord updated, string etag, MessageRecord message, CancellationToken ct);
}

/// <summary>Messages, in the chat's partition, under ids derived from their gap-free seq.</summary>
public interface IMessageStore
{
    Task<MessageRecord?> GetAsync(string chatId, long seq, CancellationToken ct);

    Task ReplaceAsync(MessageRecord message, CancellationToken ct);

    /// <summary>The messages with seq in [<paramref name="fromSeq"/>, <paramref name="toSeq"/>], ascending, each with its reactions.</summary>
    Task<IReadOnlyList<StoredMessage>> GetRangeAsync(string chatId, long fromSeq, long toSeq, CancellationToken ct);

    /// <summary>One message with its reactions, and the message's version for <see cref="TryReplaceAsync"/>; null when none.</summary>
    Task<Versioned<StoredMessage>?> GetWithReactionsAsync(string chatId, long seq, CancellationToken ct);

    /// <summary>The newest <c>Limit + 1</c> messages of the search's seq window whose text holds its needle ignoring case,
    /// not deleted, newest first; the first <c>Limit</c> with their reactions.</summary>
    Task<IReadOnlyList<StoredMessage>> SearchAsync(string chatId, MessageSearch search, CancellationToken ct);

    /// <summary>The messages whose reply preview quotes <paramref name="seq"/>.</summary>
    Task<IReadOnlyList<MessageRecord>> GetRepliesAsync(string chatId, long seq, CancellationToken ct);

    /// <summary>Sets the reply preview of message <paramref name="seq"/> alone (1 patch), unless that reply is deleted meanwhile.</summary>
    Task SetReplyPreviewAsync(string chatId, long seq, ReplyPreview preview, CancellationToken ct);

    /// <summary>Replaces the message if it is still at <paramref name="etag"/>; false when it changed (or went) meanwhile.</summary>
    Task<bool> TryReplaceAsync(MessageRecord message, string etag, CancellationToken ct);

    /// <summary>The message the sender stored under <paramref name="clientMessageId"/>, with every member's receipt
    /// state when <paramref name="withStates"/> (a resend answers the message's status); null when none is stored.</summary>
    Task<SentMessage?> FindSentAsync(string chatId, string senderId, string clientMessageId, bool withStates, CancellationToken ct);
}

/// <summary>A stored message found by its sender's clientMessageId, and the chat's receipt states if asked for (else empty).</summary>
public sealed record SentMessage(MessageRecord Message, IReadOnlyList<ReceiptState> States);

/// <summary>Reactions, one item per member and message in the chat's partition (read with the messages, see <see cref="IMessageStore"/>).</summary>
public interface IReactionStore
{
    /// <summary>Sets the member's reaction, replacing the one they had (1 request); false when the message is gone or
    /// was deleted meanwhile (after the caller read it live), and then the reaction is not kept (1 more request), so a
    /// deleted message keeps no reaction.</summary>
    Task<bool> PutAsync(ReactionRecord reaction, CancellationToken ct);

    /// <summary>Removes the member's reaction (1 delete); false when they had none.</summary>
    Task<bool> RemoveAsync(string chatId, long seq, string userId, CancellationToken ct);

    /// <summary>Removes every reaction to message <paramref name="seq"/>, as its deletion does (by design, not in the benchmark): 1 query of their ids,
    /// then 1 transactional batch per 100 (none when there are none).</summary>
    Task ClearAsync(string chatId, long seq, CancellationToken ct);
}

/// <summary>Per-member receipt state and its forward moves, in the chat's partition.</summary>
public interface IReceiptStore
{
    Task<IReadOnlyList<ReceiptState>> ListAsync(string chatId, CancellationToken ct);

    /// <summary>Creates (etag null) or replaces the state and records the advances that move it, all or
    /// nothing (one transactional batch in the chat's partition); false on a concurrent change.</summary>
    Task<bool> TrySaveAsync(string chatId, ReceiptState state, string? etag, IReadOnlyCollection<ReceiptAdvance> advances, CancellationToken ct);

    /// <summary>The advances that cover <paramref name="seq"/> (at most one per member and type).</summary>
    Task<IReadOnlyList<ReceiptAdvance>> ListCoveringAsync(string chatId, long seq, CancellationToken ct);
}

/// <summary>
/// The order of every user's chat list (API v1.1): pinned chats first, then the others, each by last activity,
/// archived ones apart. A cache in front of the users' list entries, which keep the placement (pinned, archived)
/// for good: an order that is missing (lost, or expired) is loaded again from them and the chats' heads.
/// </summary>
public interface IChatListOrder
{
    /// <summary>Moves the chat forward to <paramref name="activityAt"/> in each user's order, in one round trip: a chat an
    /// order lacks joins it unarchived and unpinned, a placement it has stays, an older activity never replaces a newer
    /// one. An order that is not loaded is left alone (its load reads the heads).</summary>
    Task TouchAsync(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> userIds, CancellationToken ct);

    /// <summary>Adds the chat to each user's order, unarchived and unpinned, at <paramref name="activityAt"/>: one it has already
    /// stays where it is (reopening a chat moves nobody's list). One round trip.</summary>
    Task AddAsync(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> userIds, CancellationToken ct);

    /// <summary>Puts the chat where the user placed it (pinned, archived or neither), keeping its newest activity.</summary>
    Task PlaceAsync(string userId, ChatListEntry entry, CancellationToken ct);

    Task RemoveAsync(string userId, string chatId, CancellationToken ct);

    /// <summary>Up to <paramref name="limit"/> chats after <paramref name="after"/>, in list order (pinned ones first), of
    /// the archived part or the rest; null when the user's order is not loaded. A first page with more after it takes a
    /// snapshot of the order, which the following pages read (while it lasts), so paging is stable and complete while
    /// chats move: each chat once, where it was when the first page was read.</summary>
    Task<ChatListSlice?> ListAsync(string userId, bool archived, ChatListCursor? after, int limit, CancellationToken ct);

    /// <summary>Loads the user's whole order (each chat's newest activity wins over one touched meanwhile).</summary>
    Task LoadAsync(string userId, IReadOnlyCollection<ChatListEntry> entries, CancellationToken ct);
}

/// <summary>Queued refreshes of the members' chat lists after activity in a chat.</summary>
public interface IChatListJobs
{
    /// <summary>Queues a refresh of the chat's members' lists, run after <paramref name="delay"/>.</summary>
    Task EnqueueAsync(string chatId, TimeSpan delay, CancellationToken ct);
}
