namespace Chat.Core.Realtime;

using Chat.Core.Ports;

/// <summary>
/// Retries a real-time group change that did not land at once. The chat may have changed since the
/// change was queued (a member added, then removed), so the retry applies what membership is now,
/// never what it was. Cost: 1 point read of the chat and 1 REST call.
/// </summary>
public sealed class RealtimeGroupSync(IChatStore chats, IRealtime realtime)
{
    public async Task ReconcileAsync(GroupChange queued, CancellationToken ct)
    {
        var chat = await chats.GetAsync(queued.ChatId, ct);
        var isMember = chat?.Value.Member(queued.UserId) is not null;
        await realtime.ApplyAsync([queued with { Add = isMember }], ct);
    }
}
