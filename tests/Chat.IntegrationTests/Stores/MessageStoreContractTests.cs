namespace Chat.IntegrationTests.Stores;

using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Reactions;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Xunit;

/// <summary>The contract of <see cref="IMessageStore"/>, run against <see cref="CosmosMessageStore"/> on the emulator
/// (messages are written by <see cref="CosmosChatStore.TryAppendAsync"/>, see <see cref="ChatStoreContractTests"/>).</summary>
[Collection(BackendCollection.Name)]
public sealed class MessageStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private readonly string chatId = StoreData.NewId("g_");

    private IMessageStore Store => new CosmosMessageStore(Db);

    [Fact]
    public async Task Appended_GetRoundTripsEveryField()
    {
        var message = StoreData.Message(chatId, 1) with
        {
            Type = "image",
            Text = "caption",
            Media = new MediaRef(StoreData.NewId("media_"), "holiday photo.jpg", "image/jpeg", 4_200_000_000),
            ReplyToSeq = 3,
        };
        await AppendAsync(message);

        Assert.Equal(message, await Store.GetAsync(chatId, 1, Ct));
    }

    [Fact]
    public async Task Get_MissingSeqOrChat_ReturnsNull()
    {
        await AppendSeqsAsync(1);

        Assert.Null(await Store.GetAsync(chatId, 2, Ct));
        Assert.Null(await Store.GetAsync(StoreData.NewId("g_"), 1, Ct));
    }

    [Fact]
    public async Task Replace_Deleted_IsPersisted()
    {
        var message = (await AppendSeqsAsync(1))[0];
        var deleted = message with { Deleted = true, Text = null, Media = null };

        await Store.ReplaceAsync(deleted, Ct);

        Assert.Equal(deleted, await Store.GetAsync(chatId, 1, Ct));
        Assert.True((await Store.GetRangeAsync(chatId, 1, 1, Ct)).Single().Message.Deleted);
    }

    [Fact]
    public async Task GetRange_ReturnsExactlyTheSeqsAsked_Ascending()
    {
        await AppendSeqsAsync(25);

        Assert.Equal(Seqs(5, 14), (await Store.GetRangeAsync(chatId, 5, 14, Ct)).Select(m => m.Message.Seq));
        Assert.Equal(Seqs(20, 25), (await Store.GetRangeAsync(chatId, 20, 40, Ct)).Select(m => m.Message.Seq));
        Assert.Empty(await Store.GetRangeAsync(chatId, 26, 30, Ct));
        Assert.Empty(await Store.GetRangeAsync(chatId, 9, 8, Ct));
    }

    [Fact]
    public async Task GetRange_ReturnsOnlyThatChatsMessages()
    {
        await AppendSeqsAsync(3);
        await AppendSeqsAsync(5, StoreData.NewId("g_"));

        Assert.Equal(Seqs(1, 3), (await Store.GetRangeAsync(chatId, 1, 10, Ct)).Select(m => m.Message.Seq));
    }

    [Fact]
    public async Task FindByClientId_FindsTheSendersMessage_NotAnotherSendersOrChats()
    {
        var alice = StoreData.NewId("u_");
        var bob = StoreData.NewId("u_");
        await AppendAsync(StoreData.Message(chatId, 1, alice, "c-41"));
        var message = StoreData.Message(chatId, 2, alice, "c-42");
        await AppendAsync(message);

        Assert.Equal(message, (await Store.FindSentAsync(chatId, alice, "c-42", withStates: false, Ct))?.Message);
        Assert.Null(await Store.FindSentAsync(chatId, bob, "c-42", withStates: true, Ct));
        Assert.Null(await Store.FindSentAsync(StoreData.NewId("g_"), alice, "c-42", withStates: true, Ct));
        Assert.Null(await Store.FindSentAsync(chatId, alice, "c-43", withStates: true, Ct));
    }

    [Fact]
    public async Task FindSent_WithStates_ReturnsEveryMembersReceiptState_WithoutThem_None()
    {
        var chat = StoreData.Direct();
        var chats = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());
        await chats.TryCreateAsync(chat, Ct);
        var (alice, bob) = (chat.Members[0].UserId, chat.Members[1].UserId);
        var head = (await chats.GetAsync(chat.ChatId, Ct))!;
        var message = StoreData.Message(chat.ChatId, 1, alice, "c-1");
        Assert.Equal(AppendOutcome.Appended, (await chats.TryAppendAsync(head.Value with { LastSeq = 1, LastMessage = message }, head.ETag, message, Ct)).Outcome);
        Assert.True(await new CosmosReceiptStore(Db).TrySaveAsync(chat.ChatId, new ReceiptState(bob, 1, 0, message.SentAt), null, [], Ct));

        var sent = await Store.FindSentAsync(chat.ChatId, alice, "c-1", withStates: true, Ct);
        var alone = await Store.FindSentAsync(chat.ChatId, alice, "c-1", withStates: false, Ct);

        Assert.Equal(message, sent!.Message);
        Assert.Equal(1, sent.States.Single(s => s.UserId == bob).DeliveredSeq);
        Assert.Equal(1, sent.States.Single(s => s.UserId == alice).LastSentSeq); // written by the append's batch
        Assert.Equal(message, alone!.Message);
        Assert.Empty(alone.States);
    }

    [Fact]
    public async Task Reactions_OnePerMemberAndMessage_ComeWithTheirMessage_InRangesAndSingleReads()
    {
        var messages = await AppendSeqsAsync(3);
        var reactions = new CosmosReactionStore(Db);
        var at = messages[0].SentAt;
        await reactions.PutAsync(new ReactionRecord(chatId, 2, "u_bob", "👍", at), Ct);
        await reactions.PutAsync(new ReactionRecord(chatId, 2, "u_bob", "❤️", at.AddSeconds(1)), Ct); // replaces bob's
        await reactions.PutAsync(new ReactionRecord(chatId, 2, "u_carol", "🎉", at), Ct);
        await reactions.PutAsync(new ReactionRecord(chatId, 3, "u_carol", "😂", at), Ct);

        var range = await Store.GetRangeAsync(chatId, 1, 3, Ct);
        var single = (await Store.GetWithReactionsAsync(chatId, 2, Ct))!;

        Assert.Empty(range[0].Reactions);
        Assert.Equal(["u_bob ❤️", "u_carol 🎉"], range[1].Reactions.Select(r => r.UserId + " " + r.Emoji).Order(StringComparer.Ordinal));
        Assert.Equal("😂", Assert.Single(range[2].Reactions).Emoji);
        Assert.Equal(messages[1], single.Value.Message);
        Assert.Equal(2, single.Value.Reactions.Count);
        Assert.True(await reactions.RemoveAsync(chatId, 2, "u_bob", Ct));
        Assert.False(await reactions.RemoveAsync(chatId, 2, "u_bob", Ct));
        Assert.Single((await Store.GetWithReactionsAsync(chatId, 2, Ct))!.Value.Reactions);
        Assert.Null(await Store.GetWithReactionsAsync(chatId, 9, Ct));
    }

    [Fact]
    public async Task ClearReactions_RemovesEveryReactionToTheMessage_AndNoneOfAnother()
    {
        var messages = await AppendSeqsAsync(2);
        var reactions = new CosmosReactionStore(Db);
        var at = messages[0].SentAt;
        foreach (var user in new[] { "u_bob", "u_carol", "u_dave" })
        {
            await reactions.PutAsync(new ReactionRecord(chatId, 1, user, "👍", at), Ct);
        }

        await reactions.PutAsync(new ReactionRecord(chatId, 2, "u_bob", "😂", at), Ct);

        await reactions.ClearAsync(chatId, 1, Ct);
        await reactions.ClearAsync(chatId, 1, Ct); // again, with none left: no error

        Assert.Empty((await Store.GetWithReactionsAsync(chatId, 1, Ct))!.Value.Reactions);
        Assert.Equal("😂", Assert.Single((await Store.GetWithReactionsAsync(chatId, 2, Ct))!.Value.Reactions).Emoji);
    }

    [Fact]
    public async Task PutReaction_ToAMissingOrDeletedMessage_IsFalse_AndKeepsNothing()
    {
        var messages = await AppendSeqsAsync(2);
        var reactions = new CosmosReactionStore(Db);
        await Store.ReplaceAsync(messages[1] with { Deleted = true, Text = null }, Ct);

        Assert.True(await reactions.PutAsync(new ReactionRecord(chatId, 1, "u_bob", "👍", messages[0].SentAt), Ct));
        Assert.False(await reactions.PutAsync(new ReactionRecord(chatId, 2, "u_bob", "👍", messages[0].SentAt), Ct));
        Assert.False(await reactions.PutAsync(new ReactionRecord(chatId, 3, "u_bob", "👍", messages[0].SentAt), Ct));

        Assert.Single((await Store.GetWithReactionsAsync(chatId, 1, Ct))!.Value.Reactions);
        Assert.Empty((await Store.GetWithReactionsAsync(chatId, 2, Ct))!.Value.Reactions);
        Assert.False(await reactions.RemoveAsync(chatId, 2, "u_bob", Ct)); // its item is gone, not only hidden
        Assert.False(await reactions.RemoveAsync(chatId, 3, "u_bob", Ct));
    }

    [Fact]
    public async Task ClearReactions_OfMoreThanOneBatch_RemovesThemAll()
    {
        var messages = await AppendSeqsAsync(1);
        var reactions = new CosmosReactionStore(Db);
        var count = CosmosModel.MaxBatchOperations + 20;
        foreach (var chunk in Enumerable.Range(0, count).Chunk(10))
        {
            await Task.WhenAll(chunk.Select(i => reactions.PutAsync(new ReactionRecord(chatId, 1, $"u_{i}", "👍", messages[0].SentAt), Ct)));
        }

        Assert.Equal(count, (await Store.GetWithReactionsAsync(chatId, 1, Ct))!.Value.Reactions.Count);

        await reactions.ClearAsync(chatId, 1, Ct);

        Assert.Empty((await Store.GetWithReactionsAsync(chatId, 1, Ct))!.Value.Reactions);
    }

    [Fact]
    public async Task ClearReactions_WhenOneIsTakenBackAfterTheQuery_DeletesTheRestOneByOne()
    {
        var messages = await AppendSeqsAsync(1);
        foreach (var user in new[] { "u_bob", "u_carol", "u_dave" })
        {
            await new CosmosReactionStore(Db).PutAsync(new ReactionRecord(chatId, 1, user, "👍", messages[0].SentAt), Ct);
        }

        // Carol takes hers back between the clear's query and its batch, so the batch fails whole (404).
        var takeBack = new BeforeFirstBatch(() => new CosmosReactionStore(Db).RemoveAsync(chatId, 1, "u_carol", Ct));
        using (var clearing = Database.Connect(takeBack))
        {
            await new CosmosReactionStore(clearing).ClearAsync(chatId, 1, Ct);
        }

        Assert.True(takeBack.Ran);
        Assert.Empty((await Store.GetWithReactionsAsync(chatId, 1, Ct))!.Value.Reactions);
    }

    [Fact]
    public async Task TryReplace_UnderTheReadVersion_Lands_UnderAnOlderOne_DoesNot()
    {
        var message = (await AppendSeqsAsync(1))[0];
        var read = (await Store.GetWithReactionsAsync(chatId, 1, Ct))!;

        Assert.True(await Store.TryReplaceAsync(message with { Text = "edited" }, read.ETag, Ct));
        Assert.False(await Store.TryReplaceAsync(message with { Text = "stale" }, read.ETag, Ct));
        Assert.Equal("edited", (await Store.GetAsync(chatId, 1, Ct))!.Text);
    }

    private static IEnumerable<long> Seqs(long from, long to) => Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i);

    private async Task<List<MessageRecord>> AppendSeqsAsync(int count, string? inChat = null)
    {
        var sender = StoreData.NewId("u_");
        var appended = new List<MessageRecord>();
        for (var seq = 1; seq <= count; seq++)
        {
            appended.Add(await AppendAsync(StoreData.Message(inChat ?? chatId, seq, sender)));
        }

        return appended;
    }

    /// <summary>Appends the message (its seq must be the chat's next) as a send does, making the chat first.</summary>
    private async Task<MessageRecord> AppendAsync(MessageRecord message)
    {
        var chats = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());
        if (await chats.GetAsync(message.ChatId, Ct) is null)
        {
            await chats.TryCreateAsync(StoreData.Direct(message.ChatId), Ct);
        }

        var chat = (await chats.GetAsync(message.ChatId, Ct))!;
        var updated = chat.Value with { LastSeq = message.Seq, LastMessage = message };
        Assert.Equal(AppendOutcome.Appended, (await chats.TryAppendAsync(updated, chat.ETag, message, Ct)).Outcome);
        return message;
    }

    /// <summary>Runs <paramref name="act"/> once, just before the first transactional batch goes out.</summary>
    private sealed class BeforeFirstBatch(Func<Task> act) : RequestHandler
    {
        public bool Ran { get; private set; }

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            if (!Ran && request.Headers["x-ms-cosmos-is-batch-request"] is not null)
            {
                Ran = true;
                await act();
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
