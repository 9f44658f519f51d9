namespace Chat.Core.Messages;

using Chat.Core.Errors;

public sealed record SearchQuery(string? Q, int? Limit, long? BeforeSeq);

/// <summary>
/// Search within one chat (API v1.1): newest first, from the caller's join, below beforeSeq. One request
/// scans at most <see cref="ScanBudget"/> seqs of the partition (a seq window, newest first), so its cost
/// is bounded whatever the chat's size; a window that ends above the caller's floor says hasMore, and the
/// client goes on with beforeSeq = the window's lowest seq (the last seq returned, or the window's end).
/// </summary>
public sealed record MessageSearch(string Needle, long FromSeq, long ToSeq, int Limit, long Floor)
{
    public const int DefaultLimit = 20;

    /// <summary>Messages one request may scan, so a 20 GB partition is never read whole (the RU of a window are not measured: the emulator charges 1 a request).</summary>
    public const int ScanBudget = 1_000;

    /// <summary>The window a member who sees seqs above <paramref name="floor"/> searches, in a chat whose last seq is <paramref name="lastSeq"/>.</summary>
    public static MessageSearch Of(SearchQuery query, long floor, long lastSeq)
    {
        new Validator()
            .Length("q", query.Q, 2, 100)
            .Range("limit", query.Limit, 1, 50)
            .Range("beforeSeq", query.BeforeSeq, 1, long.MaxValue)
            .ThrowIfInvalid();
        var upper = query.BeforeSeq is { } before ? Math.Min(before - 1, lastSeq) : lastSeq;
        var lower = Math.Max(floor + 1, upper - ScanBudget + 1);
        return new MessageSearch(query.Q!, lower, upper, query.Limit ?? DefaultLimit, floor);
    }

    /// <summary>Both sides of the comparison, as the store folds them: Cosmos DB's <c>LOWER</c> is the invariant lower case.</summary>
    public static string Fold(string text) => text.ToLowerInvariant();

    /// <summary>Whether <paramref name="text"/> holds the needle, ignoring case (the store's test, for stores that filter in memory).</summary>
    public bool Matches(string? text) => text is not null && Fold(text).Contains(Fold(Needle), StringComparison.Ordinal);

    /// <summary>The newest <see cref="Limit"/> of the matches in the window; whether older ones may exist; and the
    /// <c>beforeSeq</c> to go on with (the last seq returned, or the window's end when it found too few), null when none.
    /// Matches expired at <paramref name="now"/> are left out first (the store's TTL drops them soon after), so the last seq
    /// of a full page is the cursor, as for any page.</summary>
    public (IReadOnlyList<StoredMessage> Page, bool HasMore, long? NextBeforeSeq) Cut(IEnumerable<StoredMessage> matches, DateTimeOffset now)
    {
        var newestFirst = matches.Where(m => !m.Message.IsExpiredAt(now)).OrderByDescending(m => m.Message.Seq).ToArray();
        var page = newestFirst.Take(Limit).ToArray();
        if (newestFirst.Length > Limit)
        {
            return (page, true, page[^1].Message.Seq);
        }

        var windowLeftSome = FromSeq > Floor + 1 && ToSeq >= FromSeq;
        return (page, windowLeftSome, windowLeftSome ? FromSeq : null);
    }
}
