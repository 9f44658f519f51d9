namespace Chat.Core.Messages;

using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Microsoft.Extensions.Options;

/// <summary>
/// Typing signals: to the other members of the chat, at most once per interval per chat (extra signals are dropped
/// quietly), never across a block (<see cref="BlockRules"/>): nothing in a blocked direct chat, and in a group not to
/// those the caller has blocked.
/// </summary>
public sealed class TypingService(
    ChatService chatService,
    IUserStore users,
    IRealtime realtime,
    IUserConnections connections,
    IRateLimiter limiter,
    IOptions<LimitsOptions> limits)
{
    /// <summary>Cost by design (not in the benchmark): 1 point read (the chat), then in a direct chat 1 REST call; in a group 1 more point read (the caller's
    /// profile: their block list), 1 Redis round trip (the connections to skip) and 1 REST call whatever the group's size.</summary>
    public async Task TypingAsync(string callerId, string chatId, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        if (BlockRules.IsBlocked(chat) || !await limiter.TryAcquireAsync(limits.Value.Typing, callerId + "|" + chatId, ct))
        {
            return;
        }

        var signal = new TypingEvent(chatId, callerId);
        var others = chat.Members.Where(m => m.UserId != callerId).Select(m => m.UserId).ToArray();
        if (chat.Type != ChatTypes.Group)
        {
            await realtime.SendToUsersAsync(others, ClientMethods.Typing, signal, ct);
            return;
        }

        var me = (await users.GetAsync(callerId, ct))?.Value;
        var blocked = others.Where(id => me?.HasBlocked(id) == true).ToArray();
        var skipped = await connections.SkippableAsync([callerId, .. blocked], ct); // null: each recipient is sent to (1 REST call per member)
        await (skipped is null
            ? realtime.SendToUsersAsync(others.Except(blocked, StringComparer.Ordinal).ToArray(), ClientMethods.Typing, signal, ct)
            : realtime.SendToGroupExceptAsync(chatId, skipped, ClientMethods.Typing, signal, ct));
    }
}
