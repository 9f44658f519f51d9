namespace Chat.Bench;

using System.Globalization;
using Chat.Client;

/// <summary>
/// The cost phase: each hot operation N times, one call at a time (a storm: all at once), with the Cosmos requests and Redis
/// round trips it made read from the host's <c>/_local/metrics</c> before and after (exact whatever the
/// machine's load), and RU estimated from them (<see cref="RuEstimate"/>).
/// </summary>
public sealed partial class BenchRun
{
    /// <summary>Users of the cost phase: 0..19 the group of 20, 0..99 the group of 100, 1..100 the presence list, 100 the user in --list-chats chats.</summary>
    public const int CostUsers = 101;

    private const int PageSize = 20;
    private const int GroupOf100 = 100;
    private const string CostText = "cost bench: the quick brown fox jumps over the lazy dog";
    private const string SearchWord = "zebra";

    /// <param name="Pages">Pages of GET /api/chats one call reads (0: not a listing).</param>
    /// <param name="AtOnce">All calls started together (a storm), not one after another.</param>
    /// <param name="Prepare">Run before the operation is measured (and outside its counts).</param>
    private sealed record CostOperation(
        string Name, int Calls, BenchUser[] Online, Func<int, CancellationToken, Task> Call, int Pages = 0, bool AtOnce = false, Func<CancellationToken, Task>? Prepare = null);

    /// <summary>The chats the operations run in, and the listings' last answer (checked after the phase).</summary>
    private sealed class CostWorld(string direct, string group20, string group100)
    {
        public string Direct { get; } = direct;

        public string Group20 { get; } = group20;

        /// <summary>The group of <see cref="GroupOf100"/> whose members all react to one message, then to another all at once.</summary>
        public string Group100 { get; } = group100;

        /// <summary>The direct chat of --search-messages messages, filled just before the searches (the emulator
        /// scans the whole container on every query, so a big chat filled first would slow every row's queries).</summary>
        public string Searched { get; set; } = "";

        /// <summary>The message of the group of 100 that its members react to one after another.</summary>
        public long OneByOneSeq { get; set; }

        /// <summary>The message of the group of 100 that all its members react to at once.</summary>
        public long StormSeq { get; set; }

        public List<long> DirectSeqs { get; } = [];

        public List<ChatInfo> LastListing { get; set; } = [];

        public int LastListingPages { get; set; }
    }

    private BenchUser Lister => users[CostUsers - 1];

    private async Task<CostResult> RunCostsAsync(CancellationToken ct)
    {
        say($"costs: {options.CostCalls} calls of each operation, Cosmos requests and Redis round trips from /_local/metrics");
        var metrics = new HostMetrics(http);
        if (await metrics.ReadAsync(ct) is null)
        {
            throw new InvalidOperationException("No /_local/metrics on this host (is it the local host of this version?): no request counts.");
        }

        var world = await BuildCostWorldAsync(ct);
        var rows = new List<CostRow>();
        foreach (var op in CostOperations(world))
        {
            ct.ThrowIfCancellationRequested();
            rows.Add(await MeasureAsync(op, metrics, ct));
            say(string.Create(CultureInfo.InvariantCulture, $"  {rows[^1].Name}: {rows[^1].PerCall:0.##} Cosmos requests, {rows[^1].RedisPerCall:0.##} Redis round trips per call"));
        }

        await CheckStormAsync(world, ct);
        var listing = ListingCheck.Of(world.LastListing, world.LastListingPages, options.ListChats);
        if (listing.Failure is { } failure)
        {
            Note($"GET /api/chats of the user in {options.ListChats} chats: {failure}");
        }

        return new CostResult(rows, listing, RuEstimate.Basis);
    }

    /// <summary>A conversation's pace: each message in a chat-list window of its own, so none is coalesced with another.</summary>
    private static readonly TimeSpan ConversationPause = TimeSpan.FromSeconds(1.5);

    /// <summary>Every operation is a short lambda; <c>i</c> is the call's index (0..Calls-1).</summary>
    private IEnumerable<CostOperation> CostOperations(CostWorld w)
    {
        BenchUser U(int i) => users[i];
        var n = options.CostCalls;
        var group = users.Take(20).ToArray();
        var pages = (options.ListChats + PageSize - 1) / PageSize;
        SendMessage Text(string op, int i) => new(MessageId("c" + op, i), "text", CostText);

        yield return new("send text, direct chat", n, [U(0), U(1)],
            async (i, t) => w.DirectSeqs.Add((await U(0).Client.SendAsync(w.Direct, Text("d", i), t)).Seq));
        yield return new("send text, group of 20", n, group, (i, t) => U(0).Client.SendAsync(w.Group20, Text("g", i), t));
        yield return new("send text, direct chat, 1.5 s apart (past the chat list's 1 s window)", n, [U(0), U(1)], async (i, t) =>
        {
            await Task.Delay(i == 0 ? TimeSpan.Zero : ConversationPause, t);
            await U(0).Client.SendAsync(w.Direct, Text("dc", i), t);
        });
        yield return new("resend (same clientMessageId), direct", n, [U(0), U(1)], (_, t) => U(0).Client.SendAsync(w.Direct, Text("d", 0), t));
        yield return new("history page of 50, direct", n, [U(1)], (_, t) => U(1).Client.GetMessagesAsync(w.Direct, limit: 50, ct: t));
        yield return new("read receipt, direct", n, [U(0), U(1)], (i, t) => U(1).Client.PostReceiptAsync(w.Direct, "read", w.DirectSeqs[i], t));
        yield return new($"GET /api/chats, {options.ListChats} chats, first page of {PageSize}", n, [Lister],
            (_, t) => Lister.Client.ListChatsAsync(PageSize, ct: t), Pages: 1);
        yield return new($"GET /api/chats, {options.ListChats} chats, all {pages} pages of {PageSize}", Math.Max(1, n / 5), [Lister],
            async (_, t) => (w.LastListing, w.LastListingPages) = await ListAllAsync(Lister, t), Pages: pages);
        yield return new("heartbeat", n, [U(0)], (_, t) => U(0).Client.HeartbeatAsync(t));
        yield return new("GET /api/presence, 19 users (group contacts)", n, [U(0)],
            (_, t) => U(0).Client.GetPresenceAsync(group.Skip(1).Select(u => u.UserId), t));
        yield return new("GET /api/presence, 100 users (99 contacts)", n, [U(0)],
            (_, t) => U(0).Client.GetPresenceAsync(users.Skip(1).Take(100).Select(u => u.UserId), t));
        yield return new($"reaction, group of {GroupOf100} (each member once, one message)", GroupOf100, [],
            async (i, t) => await U(i).Client.ReactAsync(w.Group100, w.OneByOneSeq, StormEmoji(i), t));
        yield return new($"reaction storm, group of {GroupOf100} (all members at once, one message)", GroupOf100, [],
            async (i, t) => await U(i).Client.ReactAsync(w.Group100, w.StormSeq, StormEmoji(i), t), AtOnce: true);
        yield return new("login", n, [], (i, t) => U(30 + (i % 50)).Client.LoginAsync(U(30 + (i % 50)).PhoneNumber, U(30 + (i % 50)).Password, t));
        yield return new("refresh", n, [], (i, t) => U(30 + (i % 50)).Client.RefreshAsync(ct: t));
        yield return new($"search, chat of {options.SearchMessages} messages, 1 in 100 matches, first page of 20", n, [U(2)],
            (_, t) => U(2).Client.SearchMessagesAsync(w.Searched, SearchWord, 20, ct: t), Prepare: t => FillSearchedChatOnceAsync(w, t));
        yield return new($"search, chat of {options.SearchMessages} messages, no match (the scan budget)", n, [U(2)],
            (_, t) => U(2).Client.SearchMessagesAsync(w.Searched, "no such word anywhere", 20, ct: t), Prepare: t => FillSearchedChatOnceAsync(w, t));
    }

    /// <summary>Every page of the user's chats, following nextCursor to the end (at most 1,000 pages); the chats and the pages read.</summary>
    private static async Task<(List<ChatInfo> Chats, int Pages)> ListAllAsync(BenchUser user, CancellationToken ct)
    {
        var chats = new List<ChatInfo>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await user.Client.ListChatsAsync(PageSize, cursor, ct);
            (cursor, pages) = (page.NextCursor, pages + 1);
            chats.AddRange(page.Chats);
        }
        while (cursor is not null && pages < 1000);
        return (chats, pages);
    }

    /// <summary>Runs one operation between two quiet readings of the metrics, after its preparation; the users in <c>Online</c> heartbeat first.</summary>
    private async Task<CostRow> MeasureAsync(CostOperation op, HostMetrics metrics, CancellationToken ct)
    {
        if (op.Prepare is { } prepare)
        {
            await prepare(ct);
        }

        foreach (var user in op.Online)
        {
            await user.Client.HeartbeatAsync(ct);
        }

        var before = await metrics.QuietAsync(ct, () => Note($"{op.Name}: the host still made requests 30 s after the last operation (or its preparation): its counts may hold some of that work"));
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        async Task CallAsync(int i)
        {
            try
            {
                await op.Call(i, ct);
            }
            catch (ChatApiException e)
            {
                errors.AddOrUpdate(e.Status.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            }
            catch (HttpRequestException e)
            {
                errors.AddOrUpdate("network: " + e.HttpRequestError, 1, (_, n) => n + 1);
            }
        }

        if (op.AtOnce)
        {
            await Task.WhenAll(Enumerable.Range(0, op.Calls).Select(CallAsync));
        }
        else
        {
            for (var i = 0; i < op.Calls; i++)
            {
                await CallAsync(i);
            }
        }

        var after = await metrics.QuietAsync(ct);
        return CostRow.Of(op.Name, op.Calls, op.Pages, new(errors, StringComparer.Ordinal), after.Minus(before));
    }

    private static string StormEmoji(int member) => member % 2 == 0 ? "👍" : "🎉";

    /// <summary>Notes unless each member's reaction of the storm is on its message, once, with the emoji sent.</summary>
    private async Task CheckStormAsync(CostWorld w, CancellationToken ct)
    {
        var page = await users[0].Client.GetMessagesAsync(w.Group100, afterSeq: w.StormSeq - 1, limit: 1, ct: ct);
        var reactions = page.Messages.SingleOrDefault(m => m.Seq == w.StormSeq)?.Reactions ?? [];
        var right = Enumerable.Range(0, GroupOf100).Count(i => reactions.Count(r => r.UserId == users[i].UserId && r.Emoji == StormEmoji(i)) == 1);
        if (right != GroupOf100 || reactions.Count != GroupOf100)
        {
            Note($"reaction storm on the group of {GroupOf100}: {right} members' reactions are on the message as sent, once ({reactions.Count} reactions in all)");
        }
    }

    /// <summary>A direct chat 0-1, groups 0..19 and 0..99, and the lister (user 100) in --list-chats groups of two, each with a message.</summary>
    private async Task<CostWorld> BuildCostWorldAsync(CancellationToken ct)
    {
        var u = users;
        say($"cost phase: creating the chats (a direct chat, groups of 20 and 100, {options.ListChats} groups of two for user {Lister.Index})...");
        var direct = await Retry503Async(t => u[0].Client.OpenDirectAsync(u[1].UserId, t), ct);
        var group20 = await Retry503Async(t => u[0].Client.CreateGroupAsync("cost 20", u.Skip(1).Take(19).Select(m => m.UserId), t), ct);
        var group100 = await Retry503Async(t => u[0].Client.CreateGroupAsync("cost 100", u.Skip(1).Take(GroupOf100 - 1).Select(m => m.UserId), t), ct);
        var oneByOne = await Retry503Async(t => u[0].Client.SendTextAsync(group100.ChatId, "react to this", ct: t), ct);
        var storm = await Retry503Async(t => u[0].Client.SendTextAsync(group100.ChatId, "react to this, all at once", ct: t), ct);
        var partner = u[CostUsers - 2];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.ListChats), Bounded(ct), async (i, t) =>
        {
            var chat = await Retry503Async(c => Lister.Client.CreateGroupAsync($"cost {i}", [partner.UserId], c), t);
            await Retry503Async(c => partner.Client.SendTextAsync(chat.ChatId, "hello", ct: c), t);
        });
        return new CostWorld(direct.ChatId, group20.ChatId, group100.ChatId) { OneByOneSeq = oneByOne.Seq, StormSeq = storm.Seq };
    }

    /// <summary>A direct chat of users 2 and 3 with --search-messages messages, one in 100 holding the word searched for,
    /// made by the first operation that needs it.</summary>
    private async Task FillSearchedChatOnceAsync(CostWorld w, CancellationToken ct)
    {
        if (w.Searched.Length > 0)
        {
            return;
        }

        var (a, b) = (users[2], users[3]);
        var chat = await Retry503Async(t => a.Client.OpenDirectAsync(b.UserId, t), ct);
        say($"cost phase: filling a chat with {options.SearchMessages} messages to search...");
        await Parallel.ForEachAsync(Enumerable.Range(0, options.SearchMessages), Bounded(ct), async (i, t) =>
        {
            var text = i % 100 == 0 ? $"message {i}: a {SearchWord} crossed the road" : $"message {i}: nothing to see here";
            await Retry503Async(c => (i % 2 == 0 ? a : b).Client.SendAsync(chat.ChatId, new SendMessage(MessageId("s", i), "text", text), c), t);
        });
        w.Searched = chat.ChatId;
    }
}

/// <summary>The cost phase's operations, the check of the full listing, and what the RU estimates rest on.</summary>
public sealed record CostResult(List<CostRow> Operations, ListingCheck Listing, string RuBasis);

/// <summary>
/// The last full listing of the user in N chats: every chat exactly once, in non-increasing last
/// activity (the last message's <c>sentAt</c>, else <c>createdAt</c>; ChatInfo carries no lastActivityAt).
/// </summary>
public sealed record ListingCheck(int Expected, int Pages, int Returned, int Distinct, int OutOfOrder, string? Failure)
{
    public static ListingCheck Of(IReadOnlyList<ChatInfo> chats, int pages, int expected)
    {
        var activity = chats.Select(c => c.LastMessage?.SentAt ?? c.CreatedAt).ToArray();
        var outOfOrder = activity.Skip(1).Where((at, i) => at > activity[i]).Count();
        var distinct = chats.Select(c => c.ChatId).Distinct(StringComparer.Ordinal).Count();
        var failure = chats.Count != expected || distinct != expected
            ? $"FAILED: {chats.Count} chats came back ({distinct} distinct) in {pages} pages, not the {expected} it is in, each once"
            : outOfOrder > 0 ? $"FAILED: {outOfOrder} chats newer than the one before them (not in non-increasing last activity)" : null;
        return new ListingCheck(expected, pages, chats.Count, distinct, outOfOrder, failure);
    }
}

/// <summary>Cosmos requests of one operation: per call in all, by operation type and by container; RU estimated from them;
/// and its Redis round trips, per call in all and by store and command.</summary>
/// <param name="Pages">Pages of GET /api/chats per call, for the per-page figure (0: not a listing).</param>
public sealed record CostRow(
    string Name,
    int Calls,
    int Pages,
    Dictionary<string, long> Errors,
    long Requests,
    double PerCall,
    double EstimatedRuPerCall,
    Dictionary<string, double> PerCallByOperation,
    Dictionary<string, double> PerCallByContainer,
    Dictionary<string, long> ByStatus,
    double RedisPerCall,
    Dictionary<string, double> RedisPerCallByCommand)
{
    public static CostRow Of(string name, int calls, int pages, Dictionary<string, long> errors, HostDelta delta)
    {
        var cosmos = delta.Cosmos;
        double Per(long count) => Math.Round(count / (double)calls, 2);
        Dictionary<string, double> PerCall<TKey>(Dictionary<TKey, long> counts, Func<TKey, string> by)
            where TKey : notnull => counts
            .GroupBy(e => by(e.Key), StringComparer.Ordinal)
            .Where(g => g.Sum(e => e.Value) != 0)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Per(g.Sum(e => e.Value)), StringComparer.Ordinal);
        var total = cosmos.Values.Sum();
        var byStatus = cosmos.GroupBy(e => e.Key.Status, StringComparer.Ordinal).Where(g => g.Sum(e => e.Value) != 0)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);
        var ru = cosmos.Sum(e => e.Value * RuEstimate.PerRequest(e.Key.Operation)) / calls;
        return new CostRow(
            name, calls, pages, errors, total, Per(total), Math.Round(ru, 1), PerCall(cosmos, k => k.Operation), PerCall(cosmos, k => k.Container), byStatus,
            Per(delta.Redis.Values.Sum()), PerCall(delta.Redis, k => k));
    }

    public double? PerPage => Pages > 1 ? Math.Round(PerCall / Pages, 1) : null;
}

/// <summary>
/// RU of a request of each operation type, ESTIMATED: the emulator charges 1 RU for every request, so
/// the rates are Cosmos DB's published ones, for items of at most 1 KB. Microsoft's "Request Units in
/// Azure Cosmos DB" page: a point read of a 1 KB item is 1 RU; its throughput examples put a 1 KB write
/// (insert, replace, upsert; default indexing) at ~5 RU (4 KB: read 1.3, write 7; 64 KB: 10 and 48).
/// A query page costs ~2.3 RU at least (more with the items it returns); query plans and metadata
/// requests are not charged; a batch is counted as one write (it is the sum of its operations).
/// The host's telemetry counts requests without their item sizes, so the sizes cannot be applied:
/// these figures are lower bounds where items are larger (a 100-member group's chat document).
/// </summary>
public static class RuEstimate
{
    public const string Basis =
        "estimate: published Cosmos DB rates for items <= 1 KB (point read 1 RU, write 5 RU, query page 2.3 RU, query plan/metadata 0, batch as one write), " +
        "applied per request whatever its status; item sizes are not measured (the host's chat.cosmos.requests has no size, and the emulator charges a flat 1 RU), " +
        "so larger items (a big group's chat document) make this a lower bound";

    public static double PerRequest(string operation) => operation switch
    {
        "Read" => 1,
        "Create" or "Replace" or "Upsert" or "Patch" or "Delete" or "Batch" => 5,
        "Query" or "ReadFeed" => 2.3,
        _ => 0,
    };
}
