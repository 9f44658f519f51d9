namespace Chat.IntegrationTests.Stores;

using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Messages;

/// <summary>Builders of domain records with every field set (unique ids, sub-millisecond timestamps,
/// non-UTC offsets) so a round trip through a store shows what it loses.</summary>
internal static class StoreData
{
    /// <summary>Ticks below the millisecond and a non-zero offset: both must survive storage.</summary>
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.FromHours(2)).AddTicks(5_897_932);

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");

    /// <summary>A random E.164 number (UK mobile range, 14 digits): unique enough for a suite's database.</summary>
    public static string NewPhone() =>
        "+44" + Random.Shared.NextInt64(700_000_000_000, 800_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ChatRecord Group(string? chatId = null)
    {
        var id = chatId ?? NewId("g_");
        var admin = NewId("u_");
        return new ChatRecord
        {
            ChatId = id,
            Type = ChatTypes.Group,
            Name = "Climbing 🧗 club",
            Description = "Saturdays at \"the wall\" / bring chalk",
            Members =
            [
                new ChatMember { UserId = admin, Role = Roles.Admin, JoinedAt = T0, JoinedAfterSeq = 0 },
                new ChatMember { UserId = NewId("u_"), Role = Roles.Member, JoinedAt = T0.AddMinutes(5), JoinedAfterSeq = 3 },
            ],
            PastMembers = [new PastMember(NewId("u_"), 0, 17), new PastMember(NewId("u_"), 20, 30)],
            LastSeq = 42,
            LastMessage = Message(id, 42, admin) with { Media = new MediaRef(NewId("media_"), "topo.png", "image/png", 123_456), ReplyToSeq = 40 },
            CreatedAt = T0,
            LastActivityAt = T0.AddHours(3),
            InviteCode = NewId("inv_"),
        };
    }

    /// <summary>A chat with every optional field left out.</summary>
    public static ChatRecord Direct(string? chatId = null) => new()
    {
        ChatId = chatId ?? NewId("d_"),
        Type = ChatTypes.Direct,
        Members =
        [
            new ChatMember { UserId = NewId("u_"), Role = Roles.Member, JoinedAt = T0 },
            new ChatMember { UserId = NewId("u_"), Role = Roles.Member, JoinedAt = T0 },
        ],
        CreatedAt = T0,
        LastActivityAt = T0,
    };

    public static MessageRecord Message(string chatId, long seq, string? senderId = null, string? clientMessageId = null) => new()
    {
        ChatId = chatId,
        Seq = seq,
        MessageId = NewId("msg_"),
        ClientMessageId = clientMessageId ?? NewId("c-"),
        SenderId = senderId ?? NewId("u_"),
        Type = MessageTypes.Text,
        Text = $"message {seq} ✓",
        SentAt = T0.AddSeconds(seq % 1_000_000),
    };

    public static UserAccount User(string? userId = null) => new()
    {
        UserId = userId ?? NewId("u_"),
        PhoneNumber = NewPhone(),
        DisplayName = "Zoë O'Brien",
        About = "Busy ☕",
        AvatarMediaId = NewId("media_"),
        LastSeenVisibility = LastSeenVisibility.Nobody,
        PasswordHash = "AQAAAAIAAYagAAAAE" + Guid.NewGuid().ToString("N") + "+/=",
        CreatedAt = T0,
    };

    public static SessionRecord Session(string userId, string? sessionId = null) => new()
    {
        UserId = userId,
        SessionId = sessionId ?? NewId("s_"),
        Generation = 1,
        RotatedAt = T0,
        CreatedAt = T0,
    };

    public static PendingRegistration Registration(string phoneNumber, DateTimeOffset expiresAt) => new()
    {
        RegistrationId = NewId(string.Empty),
        PhoneNumber = phoneNumber,
        DisplayName = "New user",
        PasswordHash = "hash-" + Guid.NewGuid().ToString("N"),
        CodeHash = "code-" + Guid.NewGuid().ToString("N"),
        ExpiresAt = expiresAt,
    };

    /// <summary>A number's record with two pending registrations, spent tries and both SMS windows.</summary>
    public static PhoneVerification Verification(string phoneNumber, DateTimeOffset keepUntil) => new()
    {
        PhoneNumber = phoneNumber,
        Pending = [new PendingCode(NewId(string.Empty), T0.AddMinutes(10)), new PendingCode(NewId(string.Empty), T0.AddMinutes(11))],
        WrongTries = new UseWindow(T0.AddMinutes(2), 3),
        SmsHour = new UseWindow(T0, 2),
        SmsDay = new UseWindow(T0.AddHours(-3), 7),
        KeepUntil = keepUntil,
    };
}
