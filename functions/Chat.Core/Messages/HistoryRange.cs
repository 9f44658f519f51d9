namespace Chat.Core.Messages;

/// <summary>
/// The seqs of a history page. Seqs run 1, 2, 3… without gaps and every message keeps its item (a
/// deleted one too), so a page is a seq range computed from the chat's last seq: the store reads it
/// with one range query instead of sorting.
/// </summary>
public sealed record HistoryRange(long FromSeq, long ToSeq, bool HasMore)
{
    public const int DefaultLimit = 50;

    /// <summary>The page a member who sees seqs above <paramref name="floor"/> asked for, in a chat whose last seq is <paramref name="lastSeq"/>.</summary>
    public static HistoryRange Of(long floor, long lastSeq, HistoryQuery query)
    {
        var limit = query.Limit ?? DefaultLimit;
        if (query.AfterSeq is { } after)
        {
            var from = Math.Max(after, floor) + 1;
            var to = Math.Min(lastSeq, from + limit - 1);
            return new HistoryRange(from, to, to < lastSeq);
        }

        var upper = query.BeforeSeq is { } before ? Math.Min(before - 1, lastSeq) : lastSeq;
        var lower = Math.Max(floor + 1, upper - limit + 1);
        return new HistoryRange(lower, upper, lower > floor + 1 && upper >= lower);
    }
}
