namespace Chat.Functions.Cosmos;

using System.Net;
using System.Text.Json.Nodes;
using Chat.Core.Messages;
using Chat.Core.Common;
using Chat.Core.Ports;
using Chat.Core.Reactions;
using Microsoft.Azure.Cosmos;

/// <summary>Messages under ids derived from their seq, written with their send key by <see cref="CosmosChatStore.TryAppendAsync"/>.</summary>
public sealed class CosmosMessageStore(CosmosDatabase db) : IMessageStore
{
    public async Task<MessageRecord?> GetAsync(string chatId, long seq, CancellationToken ct) =>
        (await db.ReadAsync<ChatItem<MessageRecord>, MessageRecord>(db.Chats, CosmosModel.MessageId(seq), chatId, i => i.Data, ct))?.Value;

    public Task ReplaceAsync(MessageRecord message, CancellationToken ct) =>
        db.TryReplaceAsync(db.Chats, Item(message), CosmosModel.MessageId(message.Seq), message.ChatId, etag: null, ct);

    /// <summary>1 single-partition range query on the seq, reactions included (seqs have no gaps, so the range is the
    /// page; no ORDER BY). Reactions add to the items it returns (up to one per member per message: a page of 50
    /// in a 100-member group where everyone reacted is 5,050 items, several continuation pages of the one query).</summary>
    public async Task<IReadOnlyList<StoredMessage>> GetRangeAsync(string chatId, long fromSeq, long toSeq, CancellationToken ct)
    {
        if (toSeq < fromSeq)
        {
            return [];
        }

        var query = new QueryDefinition("SELECT * FROM c WHERE c.chatId = @chatId AND c.kind IN (@message, @reaction) AND c.data.seq >= @from AND c.data.seq <= @to")
            .WithParameter("@chatId", chatId).WithParameter("@message", Kinds.Message).WithParameter("@reaction", Kinds.Reaction)
            .WithParameter("@from", fromSeq).WithParameter("@to", toSeq);
        var items = (await db.QueryAsync<JsonObject>(db.Chats, query, chatId, ct)).Select(i => new RawItem(i)).ToArray();
        return Stored(items).Select(s => s.Value).OrderBy(m => m.Message.Seq).ToArray();
    }

    /// <summary>1 single-partition query: the message and its reactions.</summary>
    public async Task<Versioned<StoredMessage>?> GetWithReactionsAsync(string chatId, long seq, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.chatId = @chatId AND c.kind IN (@message, @reaction) AND c.data.seq = @seq")
            .WithParameter("@chatId", chatId).WithParameter("@message", Kinds.Message).WithParameter("@reaction", Kinds.Reaction)
            .WithParameter("@seq", seq);
        var items = (await db.QueryAsync<JsonObject>(db.Chats, query, chatId, ct)).Select(i => new RawItem(i)).ToArray();
        return Stored(items).FirstOrDefault();
    }

    /// <summary>
    /// 1 single-partition query over the seq window (at most <see cref="MessageSearch.ScanBudget"/> messages:
    /// <c>CONTAINS(LOWER(text))</c> reads each, so RU grow with the window, never with the chat), newest first and
    /// cut at limit + 1 by the store; then, when something matched, 1 query for the page's reactions.
    /// </summary>
    public async Task<IReadOnlyList<StoredMessage>> SearchAsync(string chatId, MessageSearch search, CancellationToken ct)
    {
        if (search.ToSeq < search.FromSeq)
        {
            return [];
        }

        var query = new QueryDefinition(
                "SELECT TOP @take * FROM c WHERE c.chatId = @chatId AND c.kind = @message AND c.data.seq >= @from AND c.data.seq <= @to"
                + " AND c.data.deleted = false AND IS_STRING(c.data.text) AND CONTAINS(LOWER(c.data.text), @needle) ORDER BY c.data.seq DESC")
            .WithParameter("@take", search.Limit + 1).WithParameter("@chatId", chatId).WithParameter("@message", Kinds.Message)
            .WithParameter("@from", search.FromSeq).WithParameter("@to", search.ToSeq)
            .WithParameter("@needle", MessageSearch.Fold(search.Needle));
        var found = (await db.QueryAsync<ChatItem<MessageRecord>>(db.Chats, query, chatId, ct, maxItems: search.Limit + 1)).Select(i => i.Data).ToArray();
        if (found.Length == 0)
        {
            return [];
        }

        var reactions = (await ReactionsAsync(chatId, found.Take(search.Limit).Select(m => m.Seq).ToArray(), ct)).ToLookup(r => r.Seq);
        return found.Select(m => new StoredMessage(m, reactions[m.Seq].ToArray())).ToArray();
    }

    private async Task<IReadOnlyList<ReactionRecord>> ReactionsAsync(string chatId, long[] seqs, CancellationToken ct)
    {
        var names = string.Join(", ", seqs.Select((_, i) => "@s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var query = seqs.Select((seq, i) => (seq, i)).Aggregate(
            new QueryDefinition($"SELECT * FROM c WHERE c.chatId = @chatId AND c.kind = @reaction AND c.data.seq IN ({names})")
                .WithParameter("@chatId", chatId).WithParameter("@reaction", Kinds.Reaction),
            (q, p) => q.WithParameter("@s" + p.i.ToString(System.Globalization.CultureInfo.InvariantCulture), p.seq));
        return (await db.QueryAsync<ChatItem<ReactionRecord>>(db.Chats, query, chatId, ct)).Select(i => i.Data).ToArray();
    }

    /// <summary>1 patch of <c>/data/replyTo</c> alone, filtered on the reply not being deleted: it never undoes the
    /// reply's own deletion, and an edit of the reply (a replace under its ETag) sees the patch as a change and reads again.</summary>
    public Task SetReplyPreviewAsync(string chatId, long seq, ReplyPreview preview, CancellationToken ct) =>
        db.TryPatchAsync( // refused or gone: the reply was deleted meanwhile, and shows no preview
            db.Chats, CosmosModel.MessageId(seq), chatId, [PatchOperation.Set("/data/replyTo", preview)], "FROM c WHERE c.data.deleted = false", ct);

    /// <summary>1 single-partition query (an equality on the indexed <c>data.replyTo.seq</c>).</summary>
    public async Task<IReadOnlyList<MessageRecord>> GetRepliesAsync(string chatId, long seq, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.chatId = @chatId AND c.kind = @message AND c.data.replyTo.seq = @seq")
            .WithParameter("@chatId", chatId).WithParameter("@message", Kinds.Message).WithParameter("@seq", seq);
        return (await db.QueryAsync<ChatItem<MessageRecord>>(db.Chats, query, chatId, ct)).Select(i => i.Data).ToArray();
    }

    public Task<bool> TryReplaceAsync(MessageRecord message, string etag, CancellationToken ct) =>
        db.TryReplaceAsync(db.Chats, Item(message), CosmosModel.MessageId(message.Seq), message.ChatId, etag, ct);

    /// <summary>The messages among <paramref name="items"/>, each with the reactions of its seq (a reaction without its message is left out).</summary>
    private static IEnumerable<Versioned<StoredMessage>> Stored(RawItem[] items)
    {
        var reactions = items.Where(i => i.Kind == Kinds.Reaction).Select(i => i.Data<ReactionRecord>()).ToLookup(r => r.Seq);
        return items.Where(i => i.Kind == Kinds.Message).Select(i =>
        {
            var message = i.Data<MessageRecord>();
            return new Versioned<StoredMessage>(new StoredMessage(message, reactions[message.Seq].ToArray()), i.ETag);
        });
    }

    /// <summary>1 single-partition query: the message by its sender and clientMessageId (both indexed), and the
    /// receipt states if asked for (the send key that made the id unique is written with the message).</summary>
    public async Task<SentMessage?> FindSentAsync(string chatId, string senderId, string clientMessageId, bool withStates, CancellationToken ct)
    {
        var sql = "SELECT * FROM c WHERE c.chatId = @chatId AND ((c.kind = @message AND c.data.senderId = @sender AND c.data.clientMessageId = @cid)"
            + (withStates ? " OR c.kind = @state)" : ")");
        var query = new QueryDefinition(sql)
            .WithParameter("@chatId", chatId).WithParameter("@message", Kinds.Message).WithParameter("@state", Kinds.ReceiptState)
            .WithParameter("@sender", senderId).WithParameter("@cid", clientMessageId);
        var items = await db.QueryAsync<JsonObject>(db.Chats, query, chatId, ct);
        var message = items.Select(i => new RawItem(i)).FirstOrDefault(i => i.Kind == Kinds.Message);
        return message is null
            ? null
            : new SentMessage(
                message.Data<MessageRecord>(),
                items.Select(i => new RawItem(i)).Where(i => i.Kind == Kinds.ReceiptState).Select(i => i.Data<ReceiptState>()).ToArray());
    }

    public static ChatItem<MessageRecord> Item(MessageRecord m) => new(CosmosModel.MessageId(m.Seq), m.ChatId, Kinds.Message, m, CosmosTtl.Until(m.ExpiresAt));
}

/// <summary>One small state item per member and one immutable item per forward move.</summary>
public sealed class CosmosReceiptStore(CosmosDatabase db) : IReceiptStore
{
    public async Task<IReadOnlyList<ReceiptState>> ListAsync(string chatId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.chatId = @chatId AND c.kind = @kind")
            .WithParameter("@chatId", chatId).WithParameter("@kind", Kinds.ReceiptState);
        return (await db.QueryAsync<ChatItem<ReceiptState>>(db.Chats, query, chatId, ct)).Select(i => i.Data).ToArray();
    }

    /// <summary>One transactional batch: the state (create, or replace under its ETag) and one create per
    /// advance.</summary>
    public async Task<bool> TrySaveAsync(string chatId, ReceiptState state, string? etag, IReadOnlyCollection<ReceiptAdvance> advances, CancellationToken ct)
    {
        var item = new ChatItem<ReceiptState>(CosmosModel.ReceiptStateId(state.UserId), chatId, Kinds.ReceiptState, state);
        var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(chatId));
        batch = etag is null
            ? batch.CreateItem(item)
            : batch.ReplaceItem(item.Id, item, new TransactionalBatchItemRequestOptions { IfMatchEtag = etag });
        foreach (var advance in advances)
        {
            batch = batch.CreateItem(
                new ChatItem<ReceiptAdvance>(CosmosModel.ReceiptAdvanceId(advance.UserId, advance.Type, advance.UpToSeq), chatId, Kinds.ReceiptAdvance, advance),
                new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false });
        }

        return await db.TryExecuteAsync(batch, ct);
    }

    public async Task<IReadOnlyList<ReceiptAdvance>> ListCoveringAsync(string chatId, long seq, CancellationToken ct)
    {
        var query = new QueryDefinition(
                "SELECT * FROM c WHERE c.chatId = @chatId AND c.kind = @kind AND c.data.fromSeq < @seq AND c.data.upToSeq >= @seq")
            .WithParameter("@chatId", chatId).WithParameter("@kind", Kinds.ReceiptAdvance).WithParameter("@seq", seq);
        return (await db.QueryAsync<ChatItem<ReceiptAdvance>>(db.Chats, query, chatId, ct)).Select(i => i.Data).ToArray();
    }
}

/// <summary>Reactions as items <c>x:{seq}:{userId}</c> beside the message: members reacting at once write different items.</summary>
public sealed class CosmosReactionStore(CosmosDatabase db) : IReactionStore
{
    /// <summary>1 transactional batch: the upsert, and a read of the message in the same atomic step. A delete replaces the
    /// message before it queries the reactions to clear, so a reaction written before that replace is found by the query,
    /// and one written after it sees the message deleted here and is deleted again (1 more request, only then; should
    /// that delete fail, the reaction stays stored, hidden with its message, and the call throws).</summary>
    public async Task<bool> PutAsync(ReactionRecord reaction, CancellationToken ct)
    {
        var id = CosmosModel.ReactionId(reaction.Seq, reaction.UserId);
        var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(reaction.ChatId))
            .UpsertItem(new ChatItem<ReactionRecord>(id, reaction.ChatId, Kinds.Reaction, reaction, CosmosTtl.Until(reaction.ExpiresAt)), new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false })
            .ReadItem(CosmosModel.MessageId(reaction.Seq));
        var (outcome, message) = await db.ExecuteAsync<ChatItem<MessageRecord>>(batch, readIndex: 1, ct);
        if (outcome.Failed(1, HttpStatusCode.NotFound))
        {
            return false; // the message is gone: nothing was written
        }

        if (!outcome.Succeeded)
        {
            throw new CosmosException("The reaction's batch failed.", outcome.FailedStatus, 0, string.Empty, 0);
        }

        if (message?.Data.Deleted == true)
        {
            await db.TryDeleteAsync(db.Chats, id, reaction.ChatId, ct);
            return false;
        }

        return true;
    }

    public Task<bool> RemoveAsync(string chatId, long seq, string userId, CancellationToken ct) =>
        db.TryDeleteAsync(db.Chats, CosmosModel.ReactionId(seq, userId), chatId, ct);

    /// <summary>A batch of deletes fails whole when one item went meanwhile (a member took their reaction back):
    /// that chunk is then deleted item by item.</summary>
    public async Task ClearAsync(string chatId, long seq, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT VALUE c.id FROM c WHERE c.chatId = @chatId AND c.kind = @reaction AND c.data.seq = @seq")
            .WithParameter("@chatId", chatId).WithParameter("@reaction", Kinds.Reaction).WithParameter("@seq", seq);
        foreach (var chunk in (await db.QueryAsync<string>(db.Chats, query, chatId, ct)).Chunk(CosmosModel.MaxBatchOperations))
        {
            var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(chatId));
            foreach (var id in chunk)
            {
                batch.DeleteItem(id);
            }

            if (!await db.TryExecuteAsync(batch, ct))
            {
                foreach (var id in chunk)
                {
                    await db.TryDeleteAsync(db.Chats, id, chatId, ct);
                }
            }
        }
    }
}
