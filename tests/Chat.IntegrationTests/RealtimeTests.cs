namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.Core.Ports;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost.SignalR;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class RealtimeTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Negotiate_ReturnsServiceUrlAndToken_ForHubChat()
    {
        var alice = await Host.NewUserAsync();
        var answer = await alice.NegotiateAsync();
        Assert.Equal($"{Host.BaseAddress}client/?hub=chat", answer.Url);
        Assert.Equal(3, answer.AccessToken.Split('.').Length);
        await Expect.Problem(401, () => Host.NewClient().NegotiateAsync());
    }

    [Fact]
    public async Task TwoUsers_SeeEachOthersMessages_SenderItsOwnToo()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (aliceConnection, aliceLog) = await EventLog.ConnectAsync(alice);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        await using (aliceConnection)
        await using (bobConnection)
        {
            var sent = await alice.SendTextAsync(chat.ChatId, "hello in real time");
            await Expect.Eventually(() => Task.FromResult(bobLog.Messages.Any(m => m.Seq == sent.Seq && m.Text == "hello in real time")));
            await Expect.Eventually(() => Task.FromResult(aliceLog.Messages.Any(m => m.Seq == sent.Seq)));

            var reply = await bob.SendTextAsync(chat.ChatId, "hi back");
            await Expect.Eventually(() => Task.FromResult(aliceLog.Messages.Any(m => m.Seq == reply.Seq && m.SenderId == bob.UserId)));
        }
    }

    [Fact]
    public async Task Resend_OfAStoredMessage_IsAnnouncedAgain_WithTheSameSeq()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (connection, log) = await EventLog.ConnectAsync(bob);
        await using (connection)
        {
            var first = await alice.SendTextAsync(chat.ChatId, "maybe lost", clientMessageId: "resend-1");
            var again = await alice.SendTextAsync(chat.ChatId, "maybe lost", clientMessageId: "resend-1");

            Assert.Equal(first.Seq, again.Seq);
            await Expect.Eventually(() => Task.FromResult(log.Messages.Count(m => m.Seq == first.Seq && m.MessageId == first.MessageId) == 2));
            Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages);
        }
    }

    [Theory]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task OtherTransports_AlsoDeliver(HttpTransportType transport)
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await using var connection = await ChatRealtime.ConnectAsync(bob, transport);
        var log = new EventLog(connection);
        await alice.SendTextAsync(chat.ChatId, "via " + transport);
        await Expect.Eventually(() => Task.FromResult(log.Messages.Any(m => m.Text == "via " + transport)));
    }

    [Fact]
    public async Task Group_OfHundred_AllConnectedMembersReceiveOneMessage()
    {
        var admin = await Host.NewUserAsync();
        var members = await Host.NewUsersAsync(99);
        var group = await admin.CreateGroupAsync("Hundred", members.Select(m => m.UserId));
        var connections = await Task.WhenAll(members.Append(admin).Select(EventLog.ConnectAsync));
        try
        {
            var sent = await admin.SendTextAsync(group.ChatId, "to all hundred");
            await Expect.Eventually(
                () => Task.FromResult(connections.All(c => c.Log.Messages.Any(m => m.Seq == sent.Seq))),
                TimeSpan.FromSeconds(60),
                "every member receives the message");
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.Connection.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Client_InvokingAHubMethod_IsDisconnected()
    {
        var alice = await Host.NewUserAsync();
        await using var realtime = await ChatRealtime.ConnectAsync(alice);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        realtime.Connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<Exception>(() => realtime.Connection.InvokeAsync("SendMessage", "hi").WaitAsync(TimeSpan.FromSeconds(30)));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, realtime.Connection.State);
    }

    [Fact]
    public async Task BadOrExpiredTokens_CannotConnect()
    {
        var alice = await Host.NewUserAsync();
        var good = await alice.NegotiateAsync();

        async Task<bool> ConnectsWith(string url, string token)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(url, o =>
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    o.SkipNegotiation = false;
                })
                .Build();
            try
            {
                await connection.StartAsync();
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }

        Assert.True(await ConnectsWith(good.Url, good.AccessToken));
        Assert.False(await ConnectsWith(good.Url, good.AccessToken[..^4] + "AAAA"));
        Assert.False(await ConnectsWith(good.Url, alice.Tokens!.AccessToken)); // an API token is not a hub token
        var wrongAudience = Chat.Functions.Realtime.SignalRTokens.Create(
            "integration-tests-signalr-access-key-0000", "http://elsewhere/client/?hub=chat", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5), alice.UserId);
        Assert.False(await ConnectsWith(good.Url, wrongAudience));
        var expired = Chat.Functions.Realtime.SignalRTokens.Create(
            "integration-tests-signalr-access-key-0000", good.Url, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(-1), alice.UserId);
        Assert.False(await ConnectsWith(good.Url, expired));
    }

    [Fact]
    public async Task Receipts_FlowToTheSender_AndChangeStatus()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (connection, log) = await EventLog.ConnectAsync(alice);
        await using (connection)
        {
            var sent = await alice.SendTextAsync(chat.ChatId, "read me");
            await bob.PostReceiptAsync(chat.ChatId, "delivered", sent.Seq);
            await Expect.Eventually(() => Task.FromResult(log.Receipts.Any(r => r.UserId == bob.UserId && r.Type == "delivered" && r.UpToSeq == sent.Seq)));
            Assert.Equal("delivered", (await alice.GetMessagesAsync(chat.ChatId)).Messages.Single().Status);

            await bob.PostReceiptAsync(chat.ChatId, "read", sent.Seq);
            await Expect.Eventually(() => Task.FromResult(log.Receipts.Any(r => r.UserId == bob.UserId && r.Type == "read")));
            Assert.Equal("read", (await alice.GetMessagesAsync(chat.ChatId)).Messages.Single().Status);
        }
    }

    [Fact]
    public async Task Typing_ReachesTheOtherMembersOnly()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (aliceConnection, aliceLog) = await EventLog.ConnectAsync(alice);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        await using (aliceConnection)
        await using (bobConnection)
        {
            await alice.TypingAsync(chat.ChatId);
            await Expect.Eventually(() => Task.FromResult(bobLog.Typing.Any(t => t.ChatId == chat.ChatId && t.UserId == alice.UserId)));

            // A later message proves the typing event to Alice would have arrived by now.
            await bob.SendTextAsync(chat.ChatId, "after typing");
            await Expect.Eventually(() => Task.FromResult(aliceLog.Messages.Any(m => m.Text == "after typing")));
            Assert.Empty(aliceLog.Typing);
        }
    }

    [Fact]
    public async Task Typing_InAGroup_ReachesEveryOtherMember_AndNoneOfTheTypersConnections()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var group = await alice.CreateGroupAsync("Typists", [bob.UserId, carol.UserId]);
        var (phone, phoneLog) = await EventLog.ConnectAsync(alice);
        var (laptop, laptopLog) = await EventLog.ConnectAsync(alice);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        var (carolConnection, carolLog) = await EventLog.ConnectAsync(carol);
        await using (phone)
        await using (laptop)
        await using (bobConnection)
        await using (carolConnection)
        {
            await ListedAsync(alice, phone, laptop);
            await alice.TypingAsync(group.ChatId);
            await Expect.Eventually(() => Task.FromResult(bobLog.Typing.Any(t => t.ChatId == group.ChatId && t.UserId == alice.UserId)));
            await Expect.Eventually(() => Task.FromResult(carolLog.Typing.Any(t => t.ChatId == group.ChatId && t.UserId == alice.UserId)));

            // A later group message proves the typing event to either of Alice's connections would have arrived by now.
            var after = await bob.SendTextAsync(group.ChatId, "after typing");
            await Expect.Eventually(() => Task.FromResult(phoneLog.Messages.Any(m => m.Seq == after.Seq) && laptopLog.Messages.Any(m => m.Seq == after.Seq)));
            Assert.Empty(phoneLog.Typing);
            Assert.Empty(laptopLog.Typing);
        }
    }

    [Fact]
    public async Task AUsersConnections_AreListedWhileOpen_AndTakenOffWhenClosed()
    {
        var alice = await Host.NewUserAsync();
        var listed = Host.Services.GetRequiredService<IUserConnections>();
        var (first, _) = await EventLog.ConnectAsync(alice);
        var (second, _) = await EventLog.ConnectAsync(alice);
        await using (second)
        {
            await using (first)
            {
                await ListedAsync(alice, first, second);
            }

            await Expect.Eventually(
                async () => (await listed.OfAsync([alice.UserId], CancellationToken.None)).SequenceEqual([second.Connection.ConnectionId]),
                because: "the disconnected upstream event took the closed connection off");
        }
    }

    /// <summary>Waits until the connected upstream events listed exactly these connections under the user.</summary>
    private async Task ListedAsync(ChatClient user, params ChatRealtime[] connections)
    {
        var expected = connections.Select(c => c.Connection.ConnectionId).Order(StringComparer.Ordinal).ToArray();
        await Expect.Eventually(
            async () => (await Host.Services.GetRequiredService<IUserConnections>().OfAsync([user.UserId], CancellationToken.None)).Order(StringComparer.Ordinal).SequenceEqual(expected),
            because: "the connected upstream events listed the user's connections");
    }

    [Fact]
    public async Task DeleteForEveryone_IsAnnounced()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (connection, log) = await EventLog.ConnectAsync(bob);
        await using (connection)
        {
            var sent = await alice.SendTextAsync(chat.ChatId, "regret");
            await alice.DeleteMessageAsync(chat.ChatId, sent.Seq);
            await Expect.Eventually(() => Task.FromResult(log.Deleted.Any(d => d.ChatId == chat.ChatId && d.Seq == sent.Seq)));
        }
    }

    [Fact]
    public async Task RemovedMember_GetsTheChatEvent_AndStopsReceiving()
    {
        var admin = await Host.NewUserAsync();
        var stays = await Host.NewUserAsync();
        var leaves = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Club", [stays.UserId, leaves.UserId]);
        var (stayConnection, stayLog) = await EventLog.ConnectAsync(stays);
        var (leaveConnection, leaveLog) = await EventLog.ConnectAsync(leaves);
        await using (stayConnection)
        await using (leaveConnection)
        {
            await admin.RemoveMemberAsync(group.ChatId, leaves.UserId);
            await Expect.Eventually(() => Task.FromResult(leaveLog.Chats.Any(c => c.ChatId == group.ChatId && c.Members.All(m => m.UserId != leaves.UserId))));
            await Expect.Eventually(() => Task.FromResult(stayLog.Chats.Any(c => c.ChatId == group.ChatId)));

            var after = await admin.SendTextAsync(group.ChatId, "members only");
            await Expect.Eventually(() => Task.FromResult(stayLog.Messages.Any(m => m.Seq == after.Seq)));
            Assert.DoesNotContain(leaveLog.Messages, m => m.Seq == after.Seq);
        }
    }

    [Fact]
    public async Task FailedGroupRemoval_IsRetriedThroughTheQueue_UntilTheMemberStopsReceiving()
    {
        var admin = await Host.NewUserAsync();
        var stays = await Host.NewUserAsync();
        var leaves = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Flaky", [stays.UserId, leaves.UserId]);
        var (stayConnection, stayLog) = await EventLog.ConnectAsync(stays);
        var (leaveConnection, leaveLog) = await EventLog.ConnectAsync(leaves);
        await using (stayConnection)
        await using (leaveConnection)
        {
            // The inline call and its retries fail, and so does the first queued attempt.
            var faults = Host.Services.GetRequiredService<LocalSignalRFaults>();
            faults.FailNext("DELETE", $"/users/{leaves.UserId}/groups/{group.ChatId}", times: 4);
            await admin.RemoveMemberAsync(group.ChatId, leaves.UserId);

            // Eventually the queue gets the removal through: a new message reaches the member who stays, not the one removed.
            await Expect.Eventually(
                async () =>
                {
                    var probe = await admin.SendTextAsync(group.ChatId, "probe");
                    await Expect.Eventually(() => Task.FromResult(stayLog.Messages.Any(m => m.Seq == probe.Seq)));
                    return !leaveLog.Messages.Any(m => m.Seq == probe.Seq);
                },
                TimeSpan.FromSeconds(60),
                "the removal reaches the service through the queue");
        }
    }

    [Fact]
    public async Task QueuedGroupAdd_OfAMemberRemovedSince_DoesNotResubscribeThem()
    {
        var admin = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Changed its mind", []);
        var faults = Host.Services.GetRequiredService<LocalSignalRFaults>();
        var registry = Host.Services.GetRequiredService<LocalGroupRegistry>();
        var queue = await Host.Services.GetRequiredService<Chat.Functions.Queues.StorageQueues>().GetAsync(Chat.Functions.Queues.QueueNames.RealtimeGroups);

        // The add fails inline and on its first queued try; the removal that follows lands at once.
        faults.FailNext("PUT", $"/users/{carol.UserId}/groups/{group.ChatId}", times: 6);
        await admin.AddMembersAsync(group.ChatId, [carol.UserId]);
        await admin.RemoveMemberAsync(group.ChatId, carol.UserId);

        await Expect.Eventually(
            async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 && !registry.UsersOf(group.ChatId).Contains(carol.UserId),
            TimeSpan.FromSeconds(30),
            "the queued change applies the membership of now: carol stays out");
    }

    [Fact]
    public async Task DropAndReconnect_RecoversExactlyTheMissedMessages_InOrder()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var (first, log) = await EventLog.ConnectAsync(bob);
        var before = await alice.SendTextAsync(chat.ChatId, "before the drop");
        await Expect.Eventually(() => Task.FromResult(log.Messages.Any(m => m.Seq == before.Seq)));
        var lastSeen = log.Messages.Max(m => m.Seq);
        await first.DisposeAsync();

        var missed = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add((await alice.SendTextAsync(chat.ChatId, "missed " + i)).Seq);
        }

        var (second, newLog) = await EventLog.ConnectAsync(bob);
        await using (second)
        {
            var recovered = await bob.GetMessagesAsync(chat.ChatId, afterSeq: lastSeen);
            Assert.Equal(missed, recovered.Messages.Select(m => m.Seq));
            Assert.False(recovered.HasMore);

            var live = await alice.SendTextAsync(chat.ChatId, "after the reconnect");
            await Expect.Eventually(() => Task.FromResult(newLog.Messages.Any(m => m.Seq == live.Seq)));
        }
    }

    [Fact]
    public async Task RevokedSession_ClosesTheUsersConnections()
    {
        var alice = await Host.NewUserAsync();
        await using var realtime = await ChatRealtime.ConnectAsync(alice);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        realtime.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await alice.LogoutAsync();
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
