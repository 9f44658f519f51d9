namespace Chat.Core.Ports;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;

/// <summary>Chat documents, one per chat, in the chat's partition.</summary>
public interface IChatStore
{
    Task<Versioned<ChatRecord>?> GetAsync(string chatId, CancellationToken ct);

    /// <summary>False when a chat with that id exists.</summary>
    Task<bool> TryCreateAsync(ChatRecord chat, CancellationToken ct);

    /// <summary>False when the chat changed since <paramref name="etag"/>.</summary>
    Task<bool> TryReplaceAsync(ChatRecord chat, string etag, CancellationToken ct);
}

/// <summary>Messages and their send keys, in the chat's partition.</summary>
public interface IMessageStore
{
    /// <summary>Writes the message as the holder of its seq; false when that seq is taken.</summary>
    Task<bool> TryCreateAsync(MessageRecord message, CancellationToken ct);

    Task<MessageRecord?> GetAsync(string chatId, long seq, CancellationToken ct);

    Task ReplaceAsync(MessageRecord message, CancellationToken ct);

    /// <summary>The highest seq written in the chat (0 when none).</summary>
    Task<long> GetLastSeqAsync(string chatId, CancellationToken ct);

    /// <summary>Messages with seq above <paramref name="floor"/>: the newest <paramref name="limit"/>,
    /// or those just below <paramref name="beforeSeq"/> / just above <paramref name="afterSeq"/>; ascending.</summary>
    Task<StoredPage> GetPageAsync(string chatId, long floor, long? beforeSeq, long? afterSeq, int limit, CancellationToken ct);

    Task<MessageRecord?> FindByClientIdAsync(string chatId, string senderId, string clientMessageId, CancellationToken ct);

    /// <summary>False when the key is claimed already.</summary>
    Task<bool> TryClaimSendKeyAsync(SendKey key, CancellationToken ct);

    Task<Versioned<SendKey>?> GetSendKeyAsync(string chatId, string senderId, string clientMessageId, CancellationToken ct);

    Task<bool> TryReplaceSendKeyAsync(SendKey key, string etag, CancellationToken ct);
}

/// <summary>Per-member receipt state and its forward moves, in the chat's partition.</summary>
public interface IReceiptStore
{
    Task<IReadOnlyList<ReceiptState>> ListAsync(string chatId, CancellationToken ct);

    Task<Versioned<ReceiptState>?> GetAsync(string chatId, string userId, CancellationToken ct);

    /// <summary>Creates (etag null) or replaces the state and records the advances that move it, all or
    /// nothing (one transactional batch in the chat's partition); false on a concurrent change.</summary>
    Task<bool> TrySaveAsync(string chatId, ReceiptState state, string? etag, IReadOnlyCollection<ReceiptAdvance> advances, CancellationToken ct);

    /// <summary>The advances that cover <paramref name="seq"/> (at most one per member and type).</summary>
    Task<IReadOnlyList<ReceiptAdvance>> ListCoveringAsync(string chatId, long seq, CancellationToken ct);
}
