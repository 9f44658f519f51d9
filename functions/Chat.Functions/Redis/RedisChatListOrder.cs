namespace Chat.Functions.Redis;

using System.Globalization;
using System.Security.Cryptography;
using Chat.Core.Ports;
using StackExchange.Redis;

/// <summary>
/// Each user's chat-list order as one sorted set, <c>chat-list:{userId}</c>: a chat's score is its band times
/// <see cref="Band"/> plus its last activity in Unix milliseconds (bands: archived 0, the rest 1, pinned 2), so one
/// reverse range by score lists pinned chats first, then the others, each newest first; equal scores go by chat id,
/// descending. The member <see cref="Loaded"/> (score -1, below every band) says the order was loaded whole; an order
/// without it is loaded again from the users' list entries. A load sets <see cref="Retention"/>, and nothing renews it,
/// so each order is rebuilt from the entries at least once that often (which also clears a chat a lost removal left).
/// A first page with more after it copies the order's part to a snapshot (<c>chat-list:{userId}:{id}</c>, the same hash
/// slot, kept <see cref="SnapshotRetention"/>) that its cursor names, so the next pages are those of that moment.
/// Costs: a touch of N users is 1 round trip (N <c>EVALSHA</c>, pipelined: each script keeps to one user's slot, as a
/// cluster needs); a page 1 <c>EVALSHA</c> (the first of several copies the user's chats inside Redis); a placement, a
/// removal 1; a load 1 per <see cref="LoadChunk"/> chats.
/// </summary>
public sealed class RedisChatListOrder(RedisRoundTrips redis) : IChatListOrder
{
    public const string KeyPrefix = "chat-list:";

    /// <summary>The width of a band, as the scripts write it.</summary>
    private const string BandText = "1e13";

    public static readonly double Band = double.Parse(BandText, CultureInfo.InvariantCulture);

    public const string Loaded = "~";

    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>How long the snapshot of an order that a listing pages through is kept (the cursor reads the live order after).</summary>
    public static readonly TimeSpan SnapshotRetention = TimeSpan.FromMinutes(10);

    private const int LoadChunk = 500;

    private const string Store = "chat list store";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private const int KeepBand = -1;

    private const int AddOnly = -2;

    // Band -1: keep the chat's band; -2: leave a chat the order has alone (one new to the order joins band 1 either way).
    // Never moves the activity back. Returns 1 when it wrote.
    private static readonly LuaScript Touch = LuaScript.Prepare(
        $$"""
        if redis.call('EXISTS', @key) == 0 then return 0 end
        local band = tonumber(@band)
        local at = tonumber(@at)
        local score = redis.call('ZSCORE', @key, @chat)
        if score and band == -2 then return 0 end
        if score then
          score = tonumber(score)
          local had = math.floor(score / {{BandText}})
          local was = score - had * {{BandText}}
          if band < 0 then band = had end
          if was > at then at = was end
          if band * {{BandText}} + at == score then return 0 end
        elseif band < 0 then
          band = 1
        end
        redis.call('ZADD', @key, string.format('%d', band * {{BandText}} + at), @chat)
        return 1
        """);

    // A page of @source (the live order, or a snapshot of it while that lasts) below the cursor's score (and, at that
    // very score, below the cursor's chat id); false when the order is not loaded. A first page with more after it copies
    // the part (band range) to @snapshot. Returns the flag "snapshot taken or read", then (chat, score) pairs.
    private static readonly LuaScript Page = LuaScript.Prepare(
        $$"""
        if not redis.call('ZSCORE', @key, '{{Loaded}}') then return false end
        local source = @key
        local snapped = 0
        if @cursorChat ~= '' and redis.call('EXISTS', @snapshot) == 1 then
          source = @snapshot
          snapped = 1
        end
        local out = {}
        local top = @top
        if @cursorChat ~= '' then
          local ties = redis.call('ZREVRANGEBYSCORE', source, @cursorScore, @cursorScore, 'WITHSCORES')
          for i = 1, #ties, 2 do
            if ties[i] < @cursorChat then
              out[#out + 1] = ties[i]
              out[#out + 1] = ties[i + 1]
            end
          end
          top = '(' .. @cursorScore
        end
        local limit = tonumber(@limit)
        local rest = redis.call('ZREVRANGEBYSCORE', source, top, @bottom, 'WITHSCORES', 'LIMIT', 0, limit)
        for i = 1, #rest do out[#out + 1] = rest[i] end
        if @cursorChat == '' and #rest >= 2 * limit then
          local unpack = unpack or table.unpack
          local all = redis.call('ZRANGEBYSCORE', @key, @bottom, @top, 'WITHSCORES')
          for i = 1, #all, 1000 do
            local args = {}
            for j = i, math.min(i + 998, #all), 2 do
              args[#args + 1] = all[j + 1]
              args[#args + 1] = all[j]
            end
            redis.call('ZADD', @snapshot, unpack(args))
          end
          redis.call('PEXPIRE', @snapshot, @snapshotTtl)
          snapped = 1
        end
        table.insert(out, 1, snapped)
        return out
        """);

    // ARGV: last chunk ('1' or '0'), retention ms, then (chat, band, activity ms) triples; the newer activity wins over one
    // touched meanwhile; the last chunk marks the order loaded and starts its retention.
    private const string Load =
        $$"""
        for i = 3, #ARGV, 3 do
          local band = tonumber(ARGV[i + 1])
          local at = tonumber(ARGV[i + 2])
          local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
          if score then
            score = tonumber(score)
            local was = score - math.floor(score / {{BandText}}) * {{BandText}}
            if was > at then at = was end
          end
          redis.call('ZADD', KEYS[1], string.format('%d', band * {{BandText}} + at), ARGV[i])
        end
        if ARGV[1] == '1' then
          redis.call('ZADD', KEYS[1], -1, '{{Loaded}}')
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 1
        """;

    /// <summary>The user's order; the braces make it and its snapshots one hash slot, as a script reading both needs.</summary>
    public static RedisKey Key(string userId) => KeyPrefix + "{" + userId + "}";

    private static RedisKey SnapshotKey(string userId, string snapshot) => Key(userId).Append(":" + snapshot);

    public Task TouchAsync(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> userIds, CancellationToken ct) =>
        TouchAllAsync(chatId, activityAt, userIds, KeepBand, ct);

    private Task TouchAllAsync(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> userIds, int band, CancellationToken ct) =>
        redis.RunAsync(
            Store,
            "EVALSHA",
            RetryAfter,
            async db =>
            {
                var at = activityAt.ToUnixTimeMilliseconds();
                await Task.WhenAll(userIds.Select(id => db.ScriptEvaluateAsync(Touch, new { key = Key(id), chat = chatId, at, band })));
                return true;
            },
            ct);

    public Task AddAsync(string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> userIds, CancellationToken ct) =>
        TouchAllAsync(chatId, activityAt, userIds, AddOnly, ct);

    public Task PlaceAsync(string userId, ChatListEntry entry, CancellationToken ct) =>
        redis.RunAsync(
            Store,
            "EVALSHA",
            RetryAfter,
            db => db.ScriptEvaluateAsync(Touch, new { key = Key(userId), chat = entry.ChatId, at = entry.ActivityAt.ToUnixTimeMilliseconds(), band = BandOf(entry) }),
            ct);

    public Task RemoveAsync(string userId, string chatId, CancellationToken ct) =>
        redis.RunAsync(Store, "ZREM", RetryAfter, db => db.SortedSetRemoveAsync(Key(userId), chatId), ct);

    public async Task<ChatListSlice?> ListAsync(string userId, bool archived, ChatListCursor? after, int limit, CancellationToken ct)
    {
        var snapshot = after?.Snapshot ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var last = after?.Last;
        var result = await redis.RunAsync(
            Store,
            "EVALSHA",
            RetryAfter,
            db => db.ScriptEvaluateAsync(Page, new
            {
                key = Key(userId),
                snapshot = SnapshotKey(userId, snapshot),
                top = "(" + Score(archived ? 1 : 3, 0),
                bottom = archived ? "0" : Score(1, 0),
                cursorChat = last?.ChatId ?? string.Empty,
                cursorScore = last is null ? "0" : Score(archived ? 0 : BandOf(last), last.ActivityAt.ToUnixTimeMilliseconds()),
                limit,
                snapshotTtl = (long)SnapshotRetention.TotalMilliseconds,
            }),
            ct);
        if (result.IsNull)
        {
            return null;
        }

        var flat = (RedisResult[])result!;
        return new ChatListSlice(Entries(flat[1..]).Take(limit).ToArray(), (int)flat[0] == 1 ? snapshot : null);
    }

    public async Task LoadAsync(string userId, IReadOnlyCollection<ChatListEntry> entries, CancellationToken ct)
    {
        var chunks = entries.Chunk(LoadChunk).DefaultIfEmpty([]).ToArray();
        for (var i = 0; i < chunks.Length; i++)
        {
            var last = i == chunks.Length - 1;
            RedisValue[] args =
            [
                last ? "1" : "0",
                (long)Retention.TotalMilliseconds,
                .. chunks[i].SelectMany(e => new RedisValue[] { e.ChatId, BandOf(e), e.ActivityAt.ToUnixTimeMilliseconds() }),
            ];
            await redis.RunAsync(Store, "EVALSHA", RetryAfter, db => db.ScriptEvaluateAsync(Load, [Key(userId)], args), ct);
        }
    }

    private static int BandOf(ChatListEntry entry) => entry.Archived ? 0 : entry.Pinned ? 2 : 1;

    private static string Score(int band, long at) => ((long)(band * Band) + at).ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<ChatListEntry> Entries(RedisResult[] flat)
    {
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            var score = (long)double.Parse((string)flat[i + 1]!, CultureInfo.InvariantCulture);
            var band = (int)(score / (long)Band);
            yield return new ChatListEntry((string)flat[i]!, DateTimeOffset.FromUnixTimeMilliseconds(score - (band * (long)Band)), Pinned: band == 2, Archived: band == 0);
        }
    }
}
