namespace Chat.Bench;

using System.Globalization;
using Chat.Client;

/// <summary>
/// The cost phase: each hot operation N times, one call at a time, with the Cosmos requests it made
/// read from the host's <c>/_local/metrics</c> before and after (exact whatever the machine's load).
/// </summary>
public sealed partial class BenchRun
{
    /// <summary>Users of the cost phase: 0..19 the group of 20, 0..99 the group of 100, 20 and 22 in 60 and 300 more groups, 1..100 the presence list.</summary>
    public const int CostUsers = 101;

    private sealed record CostOperation(string Name, int Calls, BenchUser[] Online, Func<int, CancellationToken, Task> Call);

    /// <summary>The chats the operations run in.</summary>
    private sealed record CostWorld(string Direct, string Group20, List<long> DirectSeqs);

    private async Task<List<CostRow>> RunCostsAsync(CancellationToken ct)
    {
        var metrics = new CosmosMetrics(http);
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
            say($"  {rows[^1].Name}: {rows[^1].PerCall.ToString("0.##", CultureInfo.InvariantCulture)} requests per call");
        }

        return rows;
    }

    /// <summary>Every operation is a short lambda; <c>i</c> is the call's index (0..Calls-1).</summary>
    private IEnumerable<CostOperation> CostOperations(CostWorld w)
    {
        BenchUser U(int i) => users[i];
        var n = options.CostCalls;
        var group = users.Take(20).ToArray();
        string Id(string op, int i) => $"bench-{runTag}-c{op}-{i.ToString(CultureInfo.InvariantCulture)}";
        const string Text = "cost bench: the quick brown fox jumps over the lazy dog";
        var few = Math.Max(1, n / 5);

        yield return new("send text, direct chat", n, [U(0), U(1)],
            async (i, t) => w.DirectSeqs.Add((await U(0).Client.SendAsync(w.Direct, new SendMessage(Id("d", i), "text", Text), t)).Seq));
        yield return new("send text, group of 20", n, group,
            (i, t) => U(0).Client.SendAsync(w.Group20, new SendMessage(Id("g", i), "text", Text), t));
        yield return new("resend (same clientMessageId), direct", n, [U(0), U(1)],
            (_, t) => U(0).Client.SendAsync(w.Direct, new SendMessage(Id("d", 0), "text", Text), t));
        yield return new("history page of 50, direct", n, [U(1)], (_, t) => U(1).Client.GetMessagesAsync(w.Direct, limit: 50, ct: t));
        yield return new("read receipt, direct", n, [U(0), U(1)], (i, t) => U(1).Client.PostReceiptAsync(w.Direct, "read", w.DirectSeqs[i], t));
        yield return new("GET /api/chats, 61 chats, first page of 20", n, [U(20)], (_, t) => U(20).Client.ListChatsAsync(20, ct: t));
        yield return new("GET /api/chats, 301 chats, all 16 pages of 20", few, [U(22)], (_, t) => ListAllAsync(U(22), t));
        yield return new("heartbeat", n, [U(0)], (_, t) => U(0).Client.HeartbeatAsync(t));
        yield return new("GET /api/presence, 19 users (group contacts)", n, [U(0)],
            (_, t) => U(0).Client.GetPresenceAsync(group.Skip(1).Select(u => u.UserId), t));
        yield return new("GET /api/presence, 100 users (99 contacts)", n, [U(0)],
            (_, t) => U(0).Client.GetPresenceAsync(users.Skip(1).Take(100).Select(u => u.UserId), t));
        yield return new("login", n, [], (i, t) => U(30 + (i % 50)).Client.LoginAsync(U(30 + (i % 50)).PhoneNumber, U(30 + (i % 50)).Password, t));
        yield return new("refresh", n, [], (i, t) => U(30 + (i % 50)).Client.RefreshAsync(ct: t));
    }

    private static async Task ListAllAsync(BenchUser user, CancellationToken ct)
    {
        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            cursor = (await user.Client.ListChatsAsync(20, cursor, ct)).NextCursor;
            if (cursor is null)
            {
                return;
            }
        }
    }

    /// <summary>Runs one operation between two quiet readings of the metrics; the users in <c>Online</c> heartbeat first.</summary>
    private async Task<CostRow> MeasureAsync(CostOperation op, CosmosMetrics metrics, CancellationToken ct)
    {
        foreach (var user in op.Online)
        {
            await user.Client.HeartbeatAsync(ct);
        }

        var before = await metrics.QuietAsync(ct);
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < op.Calls; i++)
        {
            try
            {
                await op.Call(i, ct);
            }
            catch (ChatApiException e)
            {
                var key = e.Status.ToString(CultureInfo.InvariantCulture);
                errors[key] = errors.GetValueOrDefault(key) + 1;
            }
        }

        var after = await metrics.QuietAsync(ct);
        return CostRow.Of(op.Name, op.Calls, errors, before, after);
    }

    /// <summary>Users 0..100, a direct chat 0-1, groups 0..19 and 0..99, 60 groups of user 20 and 300 of user 22, each with a message.</summary>
    private async Task<CostWorld> BuildCostWorldAsync(CancellationToken ct)
    {
        var u = users;
        say("cost phase: creating the chats (a direct chat, groups of 20 and 100, 60 + 300 small groups)...");
        var direct = await Retry503Async(t => u[0].Client.OpenDirectAsync(u[1].UserId, t), ct);
        var group20 = await Retry503Async(t => u[0].Client.CreateGroupAsync("cost 20", u.Skip(1).Take(19).Select(m => m.UserId), t), ct);
        await Retry503Async(t => u[0].Client.CreateGroupAsync("cost 100", u.Skip(1).Take(99).Select(m => m.UserId), t), ct);
        var small = Enumerable.Range(0, 60).Select(i => (Owner: u[20], Other: u[21], I: i))
            .Concat(Enumerable.Range(0, 300).Select(i => (Owner: u[22], Other: u[23], I: i)));
        await Parallel.ForEachAsync(small, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (g, t) =>
        {
            var chat = await Retry503Async(c => g.Owner.Client.CreateGroupAsync($"cost {g.I}", [g.Other.UserId], c), t);
            await Retry503Async(c => g.Other.Client.SendTextAsync(chat.ChatId, "hello", ct: c), t);
        });
        return new CostWorld(direct.ChatId, group20.ChatId, []);
    }
}

/// <summary>Cosmos requests of one operation: per call in all, by operation type and by container.</summary>
public sealed record CostRow(
    string Name,
    int Calls,
    Dictionary<string, long> Errors,
    long Requests,
    double PerCall,
    Dictionary<string, double> PerCallByOperation,
    Dictionary<string, double> PerCallByContainer,
    Dictionary<string, long> ByStatus)
{
    public static CostRow Of(string name, int calls, Dictionary<string, long> errors, CosmosTotals before, CosmosTotals after)
    {
        var delta = after.Minus(before);
        Dictionary<string, double> PerCall(Func<CosmosKey, string> by) => delta
            .GroupBy(e => by(e.Key), StringComparer.Ordinal)
            .Where(g => g.Sum(e => e.Value) != 0)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Math.Round(g.Sum(e => e.Value) / (double)calls, 2), StringComparer.Ordinal);
        var total = delta.Values.Sum();
        var byStatus = delta.GroupBy(e => e.Key.Status, StringComparer.Ordinal).Where(g => g.Sum(e => e.Value) != 0)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);
        return new CostRow(name, calls, errors, total, Math.Round(total / (double)calls, 2), PerCall(k => k.Operation), PerCall(k => k.Container), byStatus);
    }
}
