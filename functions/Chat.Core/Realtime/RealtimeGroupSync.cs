namespace Chat.Core.Realtime;

using Chat.Core.Ports;

/// <summary>
/// Retries a real-time group change that did not land at once. The chat may have changed since the
/// change was queued (a member added, then removed; a block taken back), so the retry applies what the chat
/// says now, never what it said then. Cost: 1 point read of the chat and 1 REST call.
/// </summary>
public sealed class RealtimeGroupSync(IChatStore chats, IRealtime realtime)
{
    public async Task ReconcileAsync(GroupChange queued, CancellationToken ct)
    {
        var chat = (await chats.GetAsync(queued.ChatId, ct))?.Value;
        var add = queued.Group is null
            ? chat?.Member(queued.UserId) is not null
            : chat is not null && PresenceGroups.Implied(chat).Any(c => c.Add && c.UserId == queued.UserId && c.Group == queued.Group);
        await realtime.ApplyAsync([queued with { Add = add }], ct);
    }
}
