namespace Chat.UnitTests.Domain;

using Chat.Core.Chats;
using Chat.UnitTests.TestData;

public sealed class UnreadCountsTests
{
    private static readonly DateTimeOffset T0 = TestClock.Start;

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void After_AChatWhoseMessagesNeverDisappeared_KeepsNoWindow()
    {
        Assert.Empty(UnreadCounts.After([], expiresAt: null));
    }

    [Fact]
    public void After_KeepsTheNewestFirst_AMessageThatDoesNotExpireAsZero_AtMostTheWindow()
    {
        var recent = UnreadCounts.After([], T0);
        recent = UnreadCounts.After(recent, null); // the timer was turned off: the window goes on

        Assert.Equal([0, T0.ToUnixTimeMilliseconds()], recent);
        Assert.Empty(Enumerable.Range(0, UnreadCounts.Window - 1).Aggregate(recent, (r, _) => UnreadCounts.After(r, null))); // none of the last expires
        for (var i = 0; i < UnreadCounts.Window + 5; i++)
        {
            recent = UnreadCounts.After(recent, T0.AddSeconds(i));
        }

        Assert.Equal(UnreadCounts.Window, recent.Count);
        Assert.Equal(T0.AddSeconds(UnreadCounts.Window + 4).ToUnixTimeMilliseconds(), recent[0]);
    }

    [Fact]
    public void Of_AnOlderUnreadMessageThatExpired_WhileTheNewestIsLive_DoesNotCount()
    {
        // A 24 h timer: one message at T0, one 23 h later; 25 h after T0 only the second can be read.
        var chat = Sent(timerFromSeq: 1, T0 + Day, T0 + Day + TimeSpan.FromHours(23));

        Assert.Equal(2, UnreadCounts.Of(chat, seen: 0, T0 + TimeSpan.FromHours(23)));
        Assert.Equal(1, UnreadCounts.Of(chat, seen: 0, T0 + TimeSpan.FromHours(25)));
        Assert.Equal(0, UnreadCounts.Of(chat, seen: 0, T0 + TimeSpan.FromHours(48)));
        Assert.Equal(1, UnreadCounts.Of(chat, seen: 1, T0 + TimeSpan.FromHours(23)));
    }

    [Fact]
    public void Of_ToTheMillisecond()
    {
        var chat = Sent(timerFromSeq: 1, T0 + Day);

        Assert.Equal(1, UnreadCounts.Of(chat, 0, T0 + Day - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(0, UnreadCounts.Of(chat, 0, T0 + Day));
    }

    [Fact]
    public void Of_MoreUnreadThanTheWindow_OnceItsOldestExpired_NoneOfItsRunBeforeItCounts_ThoseBeforeTheRunDo()
    {
        // Seqs 1-3 were sent before the timer was set; 4-33 expire a minute apart.
        var chat = Sent(timerFromSeq: 4, [null, null, null, .. Enumerable.Range(0, 30).Select(i => (DateTimeOffset?)(T0 + Day).AddMinutes(i))]);
        var oldestInWindow = chat.LastSeq - UnreadCounts.Window + 1; // seq 14, expiring at minute 10

        Assert.Equal(33, UnreadCounts.Of(chat, 0, T0));
        Assert.Equal(UnreadCounts.Window + oldestInWindow - 1, UnreadCounts.Of(chat, 0, (T0 + Day).AddMinutes(9))); // its oldest is live: older ones count, 4-13 expired among them
        Assert.Equal(3 + 30 - 11, UnreadCounts.Of(chat, 0, (T0 + Day).AddMinutes(10).AddSeconds(30))); // seqs 4-14 expired, 1-3 never do
    }

    [Fact]
    public void Of_ATimerShortenedInsideTheWindow_CountsEachMessageByItsOwnExpiry()
    {
        // 7-day timer for seqs 1-3 (sent at T0), then shortened to 24 h: seqs 4-5 form a new run (sent at T0 too).
        var week = T0 + TimeSpan.FromDays(7);
        var chat = Sent(timerFromSeq: 4, week, week, week, T0 + Day, T0 + Day);

        Assert.Equal(3, UnreadCounts.Of(chat, 0, T0 + Day + Day));
        Assert.Equal(0, UnreadCounts.Of(chat, 0, week));
    }

    [Fact]
    public void Of_AHeadWithoutAWindow_GoesByItsNewestMessage()
    {
        var newest = MessageBuilder.Text("d_chat", 5, "alice") with { ExpiresAt = T0 + Day };
        var chat = ChatBuilder.Direct("alice", "bob").WithLastMessage(newest).Build() with { TimerFromSeq = 3, MessageTimer = 86400 };

        Assert.Equal(5, UnreadCounts.Of(chat, 0, T0));
        Assert.Equal(2, UnreadCounts.Of(chat, 0, T0 + Day)); // 3-5 ran under the timer; 1-2 came before it
    }

    [Fact]
    public void Of_MessagesSentAfterTheTimerWasTurnedOff_NeverExpire()
    {
        var chat = Sent(timerFromSeq: 1, T0 + Day, null, null);

        Assert.Equal(2, UnreadCounts.Of(chat, 0, T0 + Day + Day));
    }

    [Fact]
    public void Of_AChatWithoutAWindow_CountsEverythingAboveWhatWasSeen()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(9).Build();

        Assert.Equal(4, UnreadCounts.Of(chat, seen: 5, T0));
        Assert.Equal(0, UnreadCounts.Of(chat, seen: 9, T0));
    }

    /// <summary>A chat whose messages 1..n were sent with these expiries (null: none), as the appender keeps its head.</summary>
    private static ChatRecord Sent(long timerFromSeq, params DateTimeOffset?[] expiries)
    {
        var recent = expiries.Aggregate((IReadOnlyList<long>)[], UnreadCounts.After);
        return ChatBuilder.Direct("alice", "bob").WithLastSeq(expiries.Length).Build() with { RecentExpiries = recent, TimerFromSeq = timerFromSeq, MessageTimer = 86400 };
    }
}
