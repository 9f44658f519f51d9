namespace Chat.Bench;

using System.Collections.Concurrent;
using System.Globalization;
using Chat.Client;

/// <summary>
/// Concurrent senders in one group: every member sends all its messages at once; then counts of
/// successes, errors by status, and what the history holds (gaps, duplicates), not times.
/// </summary>
public sealed partial class BenchRun
{
    public const int ConcurrentSenders = 10;
    private const int MessagesPerSender = 20;

    private async Task<ConcurrentResult> RunConcurrentSendersAsync(CancellationToken ct)
    {
        var senders = users.Take(ConcurrentSenders).Where(u => u.SignedIn).ToArray();
        var chat = await Retry503Async(t => senders[0].Client.CreateGroupAsync($"bench concurrent {runTag}", senders.Skip(1).Select(u => u.UserId), t), ct);
        var ids = senders.SelectMany(u => Enumerable.Range(0, MessagesPerSender)
            .Select(i => (Sender: u, Id: MessageId("cs-" + u.Index.ToString(CultureInfo.InvariantCulture), i)))).ToArray();
        say($"concurrent: {senders.Length} members send {MessagesPerSender} messages each, all at once, into one group");
        var metrics = new HostMetrics(http);
        var before = await metrics.ReadAsync(ct);
        var first = await SendAllAsync(chat.ChatId, ids, ct);
        var failed = ids.Where(m => !first.Acked.ContainsKey(m.Id)).ToArray();
        var retry = await SendAllAsync(chat.ChatId, failed, ct);
        var cosmos = before is null ? null : ByOperationAndStatus((await metrics.QuietAsync(ct)).Minus(before).Cosmos);
        var stored = (await StoredMessagesAsync(senders[0], chat.ChatId, ct))
            .Where(m => m.ClientMessageId.StartsWith($"bench-{runTag}-cs-", StringComparison.Ordinal)).ToArray();
        var acked = first.Acked.Concat(retry.Acked).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var seqs = stored.Select(m => m.Seq).Order().ToArray();
        return new ConcurrentResult(
            senders.Length, MessagesPerSender, first.Acked.Count, first.Errors, failed.Length, retry.Acked.Count, retry.Errors, stored.Length,
            seqs.Length == 0 ? 0 : seqs[^1] - seqs[0] + 1 - seqs.Distinct().Count(),
            stored.Length - stored.Select(m => m.ClientMessageId).Distinct(StringComparer.Ordinal).Count(),
            acked.Count(e => !stored.Any(m => m.Seq == e.Value && m.ClientMessageId == e.Key)),
            stored.Count(m => !acked.ContainsKey(m.ClientMessageId)),
            cosmos);
    }

    private static Dictionary<string, long> ByOperationAndStatus(Dictionary<CosmosKey, long> delta) =>
        delta.Where(e => e.Value != 0).GroupBy(e => $"{e.Key.Operation} {e.Key.Status}", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);

    /// <summary>Sends them all at once; the acknowledged seq of each id, and errors by status.</summary>
    private static async Task<(ConcurrentDictionary<string, long> Acked, Dictionary<string, long> Errors)> SendAllAsync(
        string chatId, (BenchUser Sender, string Id)[] messages, CancellationToken ct)
    {
        var acked = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        await Task.WhenAll(messages.Select(async m =>
        {
            var (sent, error) = await SendAsync(m.Sender, chatId, m.Id, "concurrent bench: hello group", ct);
            if (sent is not null)
            {
                acked[m.Id] = sent.Seq;
            }
            else
            {
                errors.AddOrUpdate(error!, 1, (_, n) => n + 1);
            }
        }));
        return (acked, new Dictionary<string, long>(errors, StringComparer.Ordinal));
    }

    /// <summary>The whole history of the chat, oldest first, in pages of 100.</summary>
    private static async Task<List<Message>> StoredMessagesAsync(BenchUser reader, string chatId, CancellationToken ct)
    {
        var all = new List<Message>();
        for (var page = 0; page < 100; page++)
        {
            var next = await reader.Client.GetMessagesAsync(chatId, afterSeq: all.Count > 0 ? all[^1].Seq : 0, limit: 100, ct: ct);
            all.AddRange(next.Messages.OrderBy(m => m.Seq));
            if (!next.HasMore || next.Messages.Count == 0)
            {
                break;
            }
        }

        return all;
    }
}

/// <summary>The concurrent-senders group: counts only (this machine's times are not results).</summary>
public sealed record ConcurrentResult(
    int Senders,
    int MessagesPerSender,
    int Succeeded,
    Dictionary<string, long> ErrorsByStatus,
    int Retried,
    int RetrySucceeded,
    Dictionary<string, long> RetryErrorsByStatus,
    int Stored,
    long SeqGaps,
    int DuplicateClientMessageIds,
    int AckedNotStored,
    int StoredNotAcked,
    Dictionary<string, long>? CosmosRequestsByOperationAndStatus);
