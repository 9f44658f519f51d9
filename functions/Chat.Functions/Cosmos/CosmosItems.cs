namespace Chat.Functions.Cosmos;

/// <summary>Container names, partition keys and item ids: the data model in one place.</summary>
public static class CosmosModel
{
    /// <summary>Partitioned by <c>/chatId</c>: the chat's metadata and head, messages, send keys, receipts.</summary>
    public const string Chats = "chats";

    /// <summary>Partitioned by <c>/userId</c>: profile, chat index, sessions.</summary>
    public const string Users = "users";

    /// <summary>Partitioned by <c>/id</c>: phone numbers, pending registrations and their numbers' records, invite codes.</summary>
    public const string Directory = "directory";

    /// <summary>Members, name, settings: written on membership changes only.</summary>
    public const string ChatDocId = "chat";

    /// <summary>The newest message and the last seq: written by every send (a few hundred bytes, whatever the group size).</summary>
    public const string HeadId = "head";
    public const string ProfileId = "profile";

    /// <summary>Cosmos DB's limit on the operations of one transactional batch.</summary>
    public const int MaxBatchOperations = 100;

    /// <summary>Fixed width, so ids sort like seqs.</summary>
    public static string MessageId(long seq) => "m:" + seq.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    public static string SendKeyId(string senderId, string clientMessageId) =>
        "k:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(senderId + "\n" + clientMessageId)));

    public static string ReceiptStateId(string userId) => "r:" + userId;

    /// <summary>One per member and message (a new reaction replaces the old one in place).</summary>
    public static string ReactionId(long seq, string userId) => "x:" + seq.ToString("D12", System.Globalization.CultureInfo.InvariantCulture) + ":" + userId;

    public static string ReceiptAdvanceId(string userId, string type, long upToSeq) => $"ra:{userId}:{type}:{upToSeq}";

    public static string ChatIndexId(string chatId) => "chat:" + chatId;

    public static string SessionId(string sessionId) => "session:" + sessionId;

    /// <summary>In the blocked user's partition: <paramref name="blockerId"/> has blocked them (their contacts leave the blocker out).</summary>
    public static string BlockedById(string blockerId) => "blockedBy:" + blockerId;

    public static string PhoneId(string phone) => "phone:" + phone;

    /// <summary>One item per register call, so a later one never overwrites an earlier one.</summary>
    public static string RegistrationId(string phone, string registrationId) => "reg:" + phone + ":" + registrationId;

    public static string VerificationId(string phone) => "verify:" + phone;

    public static string InviteId(string code) => "invite:" + code;
}

public static class Kinds
{
    public const string Chat = "chat";
    public const string Head = "head";
    public const string Message = "message";
    public const string Reaction = "reaction";
    public const string SendKey = "sendKey";
    public const string ReceiptState = "receipt";
    public const string ReceiptAdvance = "receiptAdvance";
    public const string Profile = "profile";
    public const string BlockedBy = "blockedBy";
    public const string ChatIndex = "chatIndex";
    public const string Session = "session";
    public const string Phone = "phone";
    public const string Registration = "registration";
    public const string Verification = "verification";
    public const string Invite = "invite";
}

/// <summary>An item of the chats container: the domain record under <c>data</c>; <c>ttl</c> (seconds) on the items of a
/// disappearing message, so Cosmos DB reclaims them (the chats container has TTL on with no default).</summary>
public sealed record ChatItem<T>(string Id, string ChatId, string Kind, T Data, int? Ttl = null);

/// <summary>Item TTLs for what expires at a set time (API v1.1 disappearing messages). Cosmos DB counts a TTL from the
/// item's last write on its own clock, so it is the wall clock's seconds left, never under 1; every read path also
/// checks the expiry itself, so a TTL that a later patch moves on only delays the reclaim.</summary>
public static class CosmosTtl
{
    public static int? Until(DateTimeOffset? expiresAt) =>
        expiresAt is { } at ? (int)Math.Clamp(Math.Ceiling((at - TimeProvider.System.GetUtcNow()).TotalSeconds), 1, int.MaxValue) : null;
}

/// <summary>An item of the users container.</summary>
public sealed record UserItem<T>(string Id, string UserId, string Kind, T Data);

/// <summary>An item of the directory container; <c>ttl</c> lets real Cosmos DB expire pending ones.</summary>
public sealed record DirectoryItem<T>(string Id, string Kind, T Data, int? Ttl = null);

public sealed record UserRef(string UserId);

/// <summary>What one item of the contacts query carries: a chat's members, or (a block marker) the user who blocked the owner.</summary>
public sealed record ContactRow(IReadOnlyList<string>? Members, string? BlockerId);

/// <summary>A chat in a user's list: its placement (pinned, archived), which the Redis chat-list order is loaded from.
/// <see cref="SortKey"/> is the activity as one fixed-width string, so a touch's guarded patch compares it in its filter:
/// "0|" for pinned entries (they keep the activity they were pinned with), "1|" for the others, then the inverted ticks
/// of the last activity and the chat id.
/// <see cref="Members"/> (and <see cref="MembersKey"/>, a digest that tells a changed member list) make the
/// user's contacts one query of their own partition: whom they may see the presence of.</summary>
public sealed record ChatIndexEntry(
    string ChatId, DateTimeOffset ActivityAt, string SortKey, IReadOnlyList<string>? Members = null, string? MembersKey = null, bool Pinned = false, bool Archived = false)
{
    public static ChatIndexEntry For(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> members)
    {
        var sorted = members.Order(StringComparer.Ordinal).ToArray();
        return new(chatId, activityAt, SortKeyOf(chatId, activityAt, pinned: false), sorted, MembersKeyOf(sorted));
    }

    private static string MembersKeyOf(IEnumerable<string> sorted) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', sorted))))[..16];

    public static string SortKeyOf(string chatId, DateTimeOffset activityAt, bool pinned) =>
        (pinned ? "0|" : "1|") + (DateTimeOffset.MaxValue.UtcTicks - activityAt.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|" + chatId;
}

public sealed record ChatRef(string ChatId);

/// <summary>The chat's metadata item; <see cref="Version"/> counts its writes, and the head names the one it goes with.</summary>
public sealed record ChatMetaItem(string Id, string ChatId, string Kind, Chat.Core.Chats.ChatRecord Data, long Version);

/// <summary>The part of a chat every send rewrites.</summary>
public sealed record ChatHead(long LastSeq, Chat.Core.Messages.MessageRecord? LastMessage, DateTimeOffset LastActivityAt, long MetaVersion, IReadOnlyList<long>? RecentExpiries = null);

/// <summary>A send key: the seq its (sender, clientMessageId) was stored under.</summary>
public sealed record SendKeyData(string SenderId, string ClientMessageId, long Seq);
