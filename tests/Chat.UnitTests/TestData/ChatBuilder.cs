namespace Chat.UnitTests.TestData;

using Chat.Core.Chats;
using Chat.Core.Messages;

/// <summary>Builds chat documents; every member joins at <see cref="TestClock.Start"/> unless told otherwise.</summary>
public sealed class ChatBuilder
{
    private readonly List<ChatMember> members = [];
    private readonly List<PastMember> pastMembers = [];
    private string chatId;
    private string type;
    private string? name;
    private long lastSeq;
    private MessageRecord? lastMessage;
    private string? inviteCode;

    private ChatBuilder(string chatId, string type, string? name)
    {
        this.chatId = chatId;
        this.type = type;
        this.name = name;
    }

    public static ChatBuilder Group(string chatId = "g_group1", string name = "Friends") => new(chatId, ChatTypes.Group, name);

    public static ChatBuilder Direct(string a, string b) =>
        new ChatBuilder(Core.Common.Ids.DirectChatId(a, b), ChatTypes.Direct, null).WithMember(a).WithMember(b);

    public ChatBuilder WithId(string id)
    {
        chatId = id;
        return this;
    }

    public ChatBuilder WithAdmin(string userId, DateTimeOffset? joinedAt = null, long joinedAfterSeq = 0) =>
        Add(userId, Roles.Admin, joinedAt, joinedAfterSeq);

    public ChatBuilder WithMember(string userId, DateTimeOffset? joinedAt = null, long joinedAfterSeq = 0) =>
        Add(userId, Roles.Member, joinedAt, joinedAfterSeq);

    /// <summary>Adds plain members <c>u001</c>, <c>u002</c>, ... until the chat has <paramref name="total"/> members.</summary>
    public ChatBuilder WithMembersUpTo(int total)
    {
        for (var i = 1; members.Count < total; i++)
        {
            var id = "u" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            if (members.All(m => m.UserId != id))
            {
                WithMember(id);
            }
        }

        return this;
    }

    public ChatBuilder WithPastMember(string userId, long joinedAfterSeq, long leftAtSeq)
    {
        pastMembers.Add(new PastMember(userId, joinedAfterSeq, leftAtSeq));
        return this;
    }

    public ChatBuilder WithLastSeq(long seq)
    {
        lastSeq = seq;
        return this;
    }

    public ChatBuilder WithLastMessage(MessageRecord message)
    {
        lastMessage = message;
        lastSeq = Math.Max(lastSeq, message.Seq);
        return this;
    }

    public ChatBuilder WithInviteCode(string code)
    {
        inviteCode = code;
        return this;
    }

    public ChatRecord Build() => new()
    {
        ChatId = chatId,
        Type = type,
        Name = name,
        Members = members.ToArray(),
        PastMembers = pastMembers.ToArray(),
        LastSeq = lastSeq,
        LastMessage = lastMessage,
        CreatedAt = TestClock.Start,
        LastActivityAt = lastMessage?.SentAt ?? TestClock.Start,
        InviteCode = inviteCode,
    };

    private ChatBuilder Add(string userId, string role, DateTimeOffset? joinedAt, long joinedAfterSeq)
    {
        members.Add(new ChatMember
        {
            UserId = userId,
            Role = role,
            JoinedAt = joinedAt ?? TestClock.Start,
            JoinedAfterSeq = joinedAfterSeq,
        });
        return this;
    }
}
