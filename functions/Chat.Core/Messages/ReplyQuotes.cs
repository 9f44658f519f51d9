namespace Chat.Core.Messages;

using Chat.Core.Chats;
using Chat.Core.Ports;

/// <summary>
/// The preview a reply carries of the message it quotes (API v1.1 <c>replyTo</c>): copied when the reply
/// is sent, so reading replies costs nothing extra, and kept truthful by the quoted message's own
/// changes: its deletion blanks the previews (<c>deleted: true</c>), an edit renews their text.
/// Viewers who cannot see the quoted message (it predates their join) get the preview without text.
/// </summary>
public static class ReplyQuotes
{
    public const int MaxPreviewLength = 200;

    public static ReplyPreview PreviewOf(MessageRecord quoted) => new(
        quoted.Seq,
        quoted.SenderId,
        quoted.Type,
        quoted.Deleted ? null : Shorten(quoted.Text),
        quoted.Deleted) { ExpiresAt = quoted.ExpiresAt };

    /// <summary>The first 200 UTF-16 code units, never cutting a surrogate pair in two.</summary>
    public static string? Shorten(string? text)
    {
        if (text is null || text.Length <= MaxPreviewLength)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[MaxPreviewLength - 1]) ? MaxPreviewLength - 1 : MaxPreviewLength;
        return text[..cut];
    }

    /// <summary>The preview as a viewer who sees seqs above <paramref name="floor"/> may see it at <paramref name="now"/>:
    /// no text from before their join, nor once the quoted message has expired.</summary>
    public static ReplyToView? View(ReplyPreview? preview, long floor, DateTimeOffset now) => preview is null
        ? null
        : new ReplyToView(preview.Seq, preview.SenderId, preview.Type, preview.Seq > floor && !(preview.ExpiresAt <= now) ? preview.Text : null, preview.Deleted ? true : null);

    /// <summary>The floor for a view every member receives at once (a real-time event): the latest join.</summary>
    public static long EveryMemberFloor(ChatRecord chat) => chat.Members.Count == 0 ? 0 : chat.Members.Max(m => m.JoinedAfterSeq);

    /// <summary>
    /// Renews the preview in every reply to <paramref name="quoted"/> after it changed (deleted or edited),
    /// the chat's copy of its last message included. Cost by design (not in the benchmark): 1 query for the replies (an indexed equality in
    /// the partition), 1 patch of the preview alone per reply (8 at a time), and a chat rewrite when the last message is one of them.
    /// </summary>
    public static async Task RefreshAsync(IMessageStore messages, ChatService chats, ChatRecord chat, MessageRecord quoted, CancellationToken ct)
    {
        var preview = PreviewOf(quoted);
        await Parallel.ForEachAsync(
            (await messages.GetRepliesAsync(quoted.ChatId, quoted.Seq, ct)).Where(r => r.ReplyTo != preview && !r.Deleted),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (reply, token) => await messages.SetReplyPreviewAsync(reply.ChatId, reply.Seq, preview, token));

        if (chat.LastMessage?.ReplyTo is { } last && last.Seq == quoted.Seq && last != preview)
        {
            await chats.MutateAsync(
                chat.ChatId,
                c => c.LastMessage is { ReplyTo.Seq: var seq, Deleted: false } m && seq == quoted.Seq ? c with { LastMessage = m with { ReplyTo = preview } } : c,
                ct);
        }
    }
}
