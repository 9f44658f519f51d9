namespace Chat.Core.Media;

/// <summary>
/// What reserves an upload for one send and its retries (<see cref="MediaRecord.ClaimedBy"/>): the chat and the
/// sender's client message id. The sweep reads it back to find a send whose message was stored but whose attach
/// never landed.
/// </summary>
public static class MediaClaims
{
    private const char Separator = '|';

    public static string Of(string chatId, string clientMessageId) => chatId + Separator + clientMessageId;

    /// <summary>The chat and client message id of a claim (chat ids hold no separator); null for none or another form.</summary>
    public static (string ChatId, string ClientMessageId)? Parse(string? claim)
    {
        var at = claim?.IndexOf(Separator, StringComparison.Ordinal) ?? -1;
        return at > 0 && at < claim!.Length - 1 ? (claim[..at], claim[(at + 1)..]) : null;
    }
}
