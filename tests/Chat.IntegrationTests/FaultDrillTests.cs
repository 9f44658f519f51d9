namespace Chat.IntegrationTests;

using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

/// <summary>Issue 11: a steady stream of sends with idempotent retries while, in turn, the Cosmos
/// emulator is paused, Azurite is paused, and Azurite is killed and restarted empty. Nothing may be
/// lost, duplicated or out of order, every 503 carries Retry-After, and health is back within 30 s.</summary>
[Collection(BackendCollection.Name)]
public sealed class FaultDrillTests(ITestOutputHelper output)
{
    /// <summary>Four senders of at least 150 each: 600 sends or a few more.</summary>
    private const int SendsPerSender = 150;

    /// <summary>Acknowledged sends between the faults, so each fault hits a flowing stream.</summary>
    private const int SendsBetweenFaults = 60;

    /// <summary>Each of the four senders every 80 ms: about 50 messages a second in all.</summary>
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(80);

    private static readonly TimeSpan PauseLength = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan HealthBudget = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> DrillSettings = new()
    {
        ["Limits:MessagesPerWindow"] = "1000000", // the drill's senders outpace one user's default 50 in 10 s
        ["Push:InlinePresenceLimit"] = "0", // every send queues its push job: Azurite is on the send path
    };

    [Fact]
    public async Task SendStream_CosmosPaused_AzuritePaused_AzuriteRestartedEmpty_NothingLostDuplicatedOrOutOfOrder_HealthBackWithin30s()
    {
        await using var cosmos = await CosmosEmulator.StartAsync();
        await using var storage = await Azurite.StartAsync();
        await using var host = await TestHost.StartAsync(cosmos.ConnectionString, storage.ConnectionString, DrillSettings);
        var users = await WhenAvailableAsync(() => host.NewUsersAsync(3));
        var (alice, bob, carol) = (users[0], users[1], users[2]);
        var direct = await WhenAvailableAsync(() => alice.OpenDirectAsync(bob.UserId));
        var group = await WhenAvailableAsync(() => alice.CreateGroupAsync("fault drill", [bob.UserId, carol.UserId]));
        var log = new DrillLog();
        DrillSender[] directSenders = [new("alice-direct", alice, direct.ChatId, log), new("bob-direct", bob, direct.ChatId, log)];
        DrillSender[] groupSenders = [new("bob-group", bob, group.ChatId, log), new("carol-group", carol, group.ChatId, log)];
        var drillOver = new TaskCompletionSource();
        var watch = Stopwatch.StartNew();

        var load = Task.WhenAll(directSenders.Concat(groupSenders).Select(s => s.RunAsync(SendsPerSender, SendInterval, drillOver.Task)));
        try
        {
            await InflictFaultsUnderLoadAsync(cosmos, storage, host, log);
        }
        finally
        {
            drillOver.SetResult(); // the senders finish their share, then stop
        }

        await load;
        log.Phase = "checks";
        Report(log, directSenders.Concat(groupSenders), watch.Elapsed);

        Assert.True(log.Problems.IsEmpty, "Problems under faults:\n" + string.Join('\n', log.Problems));
        AssertEverySendAcknowledged(directSenders.Concat(groupSenders));
        AssertStoredExactlyOnceInOrder(await FullHistoryAsync(alice, direct.ChatId), directSenders);
        AssertStoredExactlyOnceInOrder(await FullHistoryAsync(carol, group.ChatId), groupSenders);
    }

    /// <summary>Set-up on a host just started on a busy machine: its first Redis connection may not be up
    /// yet, and it says so with a 503; the drill proper starts from a working host.</summary>
    private static async Task<T> WhenAvailableAsync<T>(Func<Task<T>> call)
    {
        var giveUpAt = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (ChatApiException e) when (e.Status == 503 && DateTime.UtcNow < giveUpAt)
            {
                await Task.Delay(e.RetryAfter ?? TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Cosmos paused, Azurite paused, Azurite restarted empty: each after the stream has moved on
    /// since the last one, each followed by health coming back within its budget.</summary>
    private static async Task InflictFaultsUnderLoadAsync(CosmosEmulator cosmos, Azurite storage, TestHost host, DrillLog log)
    {
        await UnderLoadAsync(host, log, "cosmos paused", async () =>
        {
            await cosmos.PauseAsync();
            await Task.Delay(PauseLength); // the length of the outage, not a wait for a condition
            await cosmos.ResumeAsync();
        });
        await UnderLoadAsync(host, log, "azurite paused", async () =>
        {
            await storage.PauseAsync();
            await Task.Delay(PauseLength);
            await storage.ResumeAsync();
        });
        await UnderLoadAsync(host, log, "azurite restarting empty", async () =>
        {
            storage.Kill();
            await storage.RestartAsync();
        });
    }

    private static async Task UnderLoadAsync(TestHost host, DrillLog log, string fault, Func<Task> inflict)
    {
        var before = log.Acknowledged;
        await Expect.Eventually(() => Task.FromResult(log.Acknowledged >= before + SendsBetweenFaults), TimeSpan.FromSeconds(60), $"sends flow before '{fault}'");
        log.Phase = fault;
        await inflict();
        log.Phase = "after " + fault;
        var probe = host.NewClient();
        await Expect.Eventually(() => IsHealthyAsync(probe, log), HealthBudget, $"/api/health is healthy within {HealthBudget.TotalSeconds} s after '{fault}'");
    }

    private static async Task<bool> IsHealthyAsync(ChatClient probe, DrillLog log)
    {
        try
        {
            return (await probe.HealthAsync()).Status == "healthy";
        }
        catch (ChatApiException e)
        {
            log.Failed("health", e);
            return false;
        }
    }

    private static void AssertEverySendAcknowledged(IEnumerable<DrillSender> senders)
    {
        var unacknowledged = senders.SelectMany(s => s.Sent.Where(m => m.Ack is null).Select(m => $"{s.Name}/{m.ClientMessageId}")).ToList();
        Assert.True(unacknowledged.Count == 0, "Sends that never succeeded: " + string.Join(", ", unacknowledged));
    }

    /// <summary>Seqs 1..N without a gap, one message per clientMessageId sent and none other, each
    /// sender's messages in the order it sent them, and each acknowledgement naming the stored seq.</summary>
    private static void AssertStoredExactlyOnceInOrder(IReadOnlyList<Message> history, IReadOnlyList<DrillSender> senders)
    {
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
        var duplicated = history.GroupBy(m => (m.SenderId, m.ClientMessageId)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.ClientMessageId} at seqs {string.Join(',', g.Select(m => m.Seq))}").ToList();
        Assert.True(duplicated.Count == 0, "Duplicated: " + string.Join("; ", duplicated));
        var stored = history.ToDictionary(m => (m.SenderId, m.ClientMessageId));
        var sent = senders.SelectMany(s => s.Sent.Select(m => (s.UserId, m.ClientMessageId))).ToHashSet();
        Assert.True(sent.All(stored.ContainsKey), "Lost: " + string.Join(", ", sent.Where(k => !stored.ContainsKey(k)).Select(k => k.ClientMessageId)));
        Assert.True(stored.Keys.All(sent.Contains), "Never sent: " + string.Join(", ", stored.Keys.Where(k => !sent.Contains(k)).Select(k => k.ClientMessageId)));
        foreach (var sender in senders)
        {
            AssertInSendOrder(sender, stored);
        }
    }

    private static void AssertInSendOrder(DrillSender sender, IReadOnlyDictionary<(string, string), Message> stored)
    {
        var seqs = sender.Sent.Select(m => stored[(sender.UserId, m.ClientMessageId)].Seq).ToList();
        Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.First < p.Second), $"{sender.Name}'s messages are out of send order: seqs {string.Join(',', seqs)}");
        foreach (var (send, seq) in sender.Sent.Zip(seqs))
        {
            Assert.Equal(seq, send.Ack!.Seq);
            Assert.Equal(send.Text, stored[(sender.UserId, send.ClientMessageId)].Text);
        }
    }

    /// <summary>Every message of the chat, oldest first, in pages of 100 from seq 0 on.</summary>
    private static async Task<IReadOnlyList<Message>> FullHistoryAsync(ChatClient reader, string chatId)
    {
        var all = new List<Message>();
        while (true)
        {
            var page = await reader.GetMessagesAsync(chatId, afterSeq: all.Count == 0 ? 0 : all[^1].Seq, limit: 100);
            all.AddRange(page.Messages);
            if (!page.HasMore || page.Messages.Count == 0)
            {
                return all;
            }
        }
    }

    private void Report(DrillLog log, IEnumerable<DrillSender> senders, TimeSpan elapsed)
    {
        output.WriteLine($"{senders.Sum(s => s.Sent.Count)} sends, {log.Attempts} attempts in {elapsed.TotalSeconds:F1} s; transport errors and timed-out attempts: {log.TransportErrors}");
        foreach (var (phase, longest) in log.LongestAttemptByPhase.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{phase}: longest attempt {longest.TotalSeconds:F1} s, longest send with its retries {log.LongestSendByPhase.GetValueOrDefault(phase).TotalSeconds:F1} s");
        }

        foreach (var unavailable in log.Unavailable)
        {
            output.WriteLine("503: " + unavailable);
        }
    }
}

/// <summary>One sender's stream into one chat: paced, one send in flight at a time, each send retried
/// with its clientMessageId on 503 (after its Retry-After, capped) or a transport error.</summary>
internal sealed class DrillSender(string name, ChatClient client, string chatId, DrillLog log)
{
    /// <summary>However long the drill takes, a sender stops here.</summary>
    private const int MostSends = 600;

    /// <summary>How long a client waits for an answer before it resends (the API promises a 503 within about 5 s).</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RetryAfterCap = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan TransportRetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly List<DrillSend> sent = [];

    public string Name => name;

    public string UserId => client.UserId;

    public IReadOnlyList<DrillSend> Sent => sent;

    /// <summary>Sends at least <paramref name="atLeast"/> messages, and on until the drill is over.</summary>
    public async Task RunAsync(int atLeast, TimeSpan interval, Task drillOver)
    {
        using var pace = new PeriodicTimer(interval);
        for (var i = 1; i <= MostSends && (i <= atLeast || !drillOver.IsCompleted); i++)
        {
            await pace.WaitForNextTickAsync();
            var (clientMessageId, text) = ($"{name}-{i:D4}", $"{name} #{i}");
            var ack = await SendWithRetriesAsync(clientMessageId, text);
            sent.Add(new DrillSend(clientMessageId, text, ack));
            if (ack is null)
            {
                return; // what this sender sends next says nothing more about order
            }
        }
    }

    private async Task<Message?> SendWithRetriesAsync(string clientMessageId, string text)
    {
        var started = Stopwatch.GetTimestamp();
        var giveUpAt = DateTime.UtcNow + RetryBudget;
        while (DateTime.UtcNow < giveUpAt)
        {
            var (ack, retryIn) = await TryOnceAsync(clientMessageId, text);
            if (ack is not null || retryIn is null)
            {
                log.Longest(log.LongestSendByPhase, started);
                return ack;
            }

            await Task.Delay(retryIn.Value);
        }

        log.Problem($"{name}/{clientMessageId}: no success within {RetryBudget.TotalSeconds} s");
        return null;
    }

    /// <summary>One attempt: the stored message, or how long to wait before the next attempt (none
    /// when the answer says another attempt cannot succeed).</summary>
    private async Task<(Message? Ack, TimeSpan? RetryIn)> TryOnceAsync(string clientMessageId, string text)
    {
        var started = log.Attempt();
        using var timeout = new CancellationTokenSource(AttemptTimeout);
        try
        {
            var ack = await client.SendTextAsync(chatId, text, clientMessageId, timeout.Token);
            log.Acknowledge(started);
            return (ack, null);
        }
        catch (ChatApiException e)
        {
            log.Failed($"{name}/{clientMessageId}", e);
            return (null, RetryDelay(e));
        }
        catch (HttpRequestException)
        {
            log.TransportFailed();
            return (null, TransportRetryDelay);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            log.TransportFailed(); // a client gives up waiting and resends, as after a lost connection
            return (null, TimeSpan.Zero);
        }
    }

    /// <summary>Retry-After (capped) for 503 and 429, a short pause for another 5xx (to see whether
    /// the resend stays idempotent), none for a 4xx.</summary>
    private static TimeSpan? RetryDelay(ChatApiException e) => e.Status switch
    {
        503 or 429 => e.RetryAfter is { } after && after < RetryAfterCap ? after : RetryAfterCap,
        >= 500 => TransportRetryDelay,
        _ => null,
    };
}

/// <summary>One message of a sender's stream, and the stored message its send was answered with (none
/// when every attempt failed).</summary>
internal sealed record DrillSend(string ClientMessageId, string Text, Message? Ack);

/// <summary>What the drill saw, shared by its senders: anything the API must not do is a problem.</summary>
internal sealed class DrillLog
{
    private int acknowledged;
    private int attempts;
    private int transportErrors;
    private volatile string phase = "steady";

    /// <summary>The fault in force (or just over), for the report.</summary>
    public string Phase
    {
        get => phase;
        set => phase = value;
    }

    public int Acknowledged => Volatile.Read(ref acknowledged);

    public int Attempts => Volatile.Read(ref attempts);

    public int TransportErrors => Volatile.Read(ref transportErrors);

    public ConcurrentQueue<string> Problems { get; } = new();

    /// <summary>Each 503 with Retry-After: when, where, and what it said.</summary>
    public ConcurrentQueue<string> Unavailable { get; } = new();

    /// <summary>The longest successful send attempt, by the phase it ended in (reported, not asserted).</summary>
    public ConcurrentDictionary<string, TimeSpan> LongestAttemptByPhase { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts an attempt; returns its start, for <see cref="Acknowledge"/>.</summary>
    public long Attempt()
    {
        Interlocked.Increment(ref attempts);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>The longest send from its first attempt to its end, retries included, by phase (reported).</summary>
    public ConcurrentDictionary<string, TimeSpan> LongestSendByPhase { get; } = new(StringComparer.Ordinal);

    public void Acknowledge(long attemptStarted)
    {
        Interlocked.Increment(ref acknowledged);
        Longest(LongestAttemptByPhase, attemptStarted);
    }

    public void Longest(ConcurrentDictionary<string, TimeSpan> byPhase, long started)
    {
        var took = Stopwatch.GetElapsedTime(started);
        byPhase.AddOrUpdate(Phase, took, (_, longest) => took > longest ? took : longest);
    }

    public void TransportFailed() => Interlocked.Increment(ref transportErrors);

    public void Problem(string what) => Problems.Enqueue($"[{Phase}] {what}");

    /// <summary>A 503 with Retry-After is the promised answer to an outage; anything else is a problem.</summary>
    public void Failed(string call, ChatApiException e)
    {
        if (e.Status == 503 && e.RetryAfter is not null)
        {
            Unavailable.Enqueue($"[{Phase}] {call}, Retry-After {e.RetryAfter.Value.TotalSeconds} s: {e.Problem?.Detail}");
            return;
        }

        Problem($"{call}: {e.Status}{(e.Status == 503 ? " without Retry-After" : string.Empty)}: {e.Problem?.Detail ?? e.RawBody}");
    }
}
