namespace Chat.Core.Messages;

/// <summary>
/// The seqs of a history page. Seqs run 1, 2, 3… without gaps and every message keeps its item (a
/// deleted one too), so a page is a seq range computed from the chat's last seq: the store reads it
/// with one range query instead of sorting. Expired messages (API v1.1) leave holes: a range whose every
/// message expired is passed over by <see cref="Beyond"/>, so a page is never empty while older (or newer) ones remain.
/// </summary>
public sealed record HistoryRange(long FromSeq, long ToSeq, bool HasMore)
{
    public const int DefaultLimit = 50;

    /// <summary>Ranges past one that held nothing live, each 4 times wider than the last: 8 cover 65,536 pages.</summary>
    public const int MaxWidenings = 8;

    /// <summary>True when the page reads forward from <c>afterSeq</c>, false when it reads back from the newest or <c>beforeSeq</c>.</summary>
    public bool Forward { get; init; }

    /// <summary>The <paramref name="span"/> seqs just past this range, in its direction (older, or newer with afterSeq).</summary>
    public HistoryRange Beyond(long span, long floor, long lastSeq)
    {
        if (Forward)
        {
            var from = ToSeq + 1;
            var to = Math.Min(lastSeq, ToSeq + span);
            return new HistoryRange(from, to, to < lastSeq) { Forward = true };
        }

        var upper = FromSeq - 1;
        var lower = Math.Max(floor + 1, upper - span + 1);
        return new HistoryRange(lower, upper, lower > floor + 1 && upper >= lower);
    }

    /// <summary>The page's messages: the <paramref name="limit"/> nearest the cursor of those found, ascending by seq, and
    /// whether more remain (found beyond the limit, or seqs left past the range).</summary>
    public (IReadOnlyList<T> Page, bool HasMore) Nearest<T>(IReadOnlyList<T> found, Func<T, long> seqOf, int limit)
    {
        var ordered = found.OrderBy(seqOf).ToArray();
        if (ordered.Length <= limit)
        {
            return (ordered, HasMore);
        }

        return (Forward ? ordered[..limit] : ordered[^limit..], true);
    }

    /// <summary>The page a member who sees seqs above <paramref name="floor"/> asked for, in a chat whose last seq is <paramref name="lastSeq"/>.</summary>
    public static HistoryRange Of(long floor, long lastSeq, HistoryQuery query)
    {
        var limit = query.Limit ?? DefaultLimit;
        if (query.AfterSeq is { } after)
        {
            var from = Math.Max(after, floor) + 1;
            var to = Math.Min(lastSeq, from + limit - 1);
            return new HistoryRange(from, to, to < lastSeq) { Forward = true };
        }

        var upper = query.BeforeSeq is { } before ? Math.Min(before - 1, lastSeq) : lastSeq;
        var lower = Math.Max(floor + 1, upper - limit + 1);
        return new HistoryRange(lower, upper, lower > floor + 1 && upper >= lower);
    }
}
