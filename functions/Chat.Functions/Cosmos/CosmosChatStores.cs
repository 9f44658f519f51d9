namespace Chat.Functions.Cosmos;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Microsoft.Azure.Cosmos;

/// <summary>The chat document: a point read by (chatId, "chat"), ~1 RU per KB.</summary>
public sealed class CosmosChatStore(CosmosDatabase db) : IChatStore
{
    public Task<Versioned<ChatRecord>?> GetAsync(string chatId, CancellationToken ct) =>
        db.ReadAsync<ChatItem<ChatRecord>, ChatRecord>(db.Chats, CosmosModel.ChatDocId, chatId, i => i.Data, ct);

    public Task<bool> TryCreateAsync(ChatRecord chat, CancellationToken ct) =>
        db.TryCreateAsync(db.Chats, Item(chat), chat.ChatId, ct);

    public Task<bool> TryReplaceAsync(ChatRecord chat, string etag, CancellationToken ct) =>
        db.TryReplaceAsync(db.Chats, Item(chat), CosmosModel.ChatDocId, chat.ChatId, etag, ct);

    private static ChatItem<ChatRecord> Item(ChatRecord chat) => new(CosmosModel.ChatDocId, chat.ChatId, Kinds.Chat, chat);
}

/// <summary>Messages under ids derived from their seq, and send keys, in the chat's partition.</summary>
public sealed class CosmosMessageStore(CosmosDatabase db) : IMessageStore
{
    public Task<bool> TryCreateAsync(MessageRecord message, CancellationToken ct) =>
        db.TryCreateAsync(db.Chats, Item(message), message.ChatId, ct);

    public async Task<MessageRecord?> GetAsync(string chatId, long seq, CancellationToken ct) =>
        (await db.ReadAsync<ChatItem<MessageRecord>, MessageRecord>(db.Chats, CosmosModel.MessageId(seq), chatId, i => i.Data, ct))?.Value;

    public Task ReplaceAsync(MessageRecord message, CancellationToken ct) =>
        db.TryReplaceAsync(db.Chats, Item(message), CosmosModel.MessageId(message.Seq), message.ChatId, etag: null, ct);

    /// <summary>One single-partition query, TOP 1 on the seq index.</summary>
    public async Task<long> GetLastSeqAsync(string chatId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT TOP 1 VALUE c.data.seq FROM c WHERE c.chatId = @chatId AND c.kind = @kind ORDER BY c.data.seq DESC")
            .WithParameter("@chatId", chatId).WithParameter("@kind", Kinds.Message);
        var result = await db.QueryAsync<long>(db.Chats, query, chatId, ct);
        return result.Count > 0 ? result[0] : 0;
    }

    /// <summary>One single-partition query: TOP limit+1 in the direction asked (the extra one says hasMore).</summary>
    public async Task<StoredPage> GetPageAsync(string chatId, long floor, long? beforeSeq, long? afterSeq, int limit, CancellationToken ct)
    {
        var ascending = afterSeq is not null;
        var lower = Math.Max(floor, afterSeq ?? 0);
        var sql = "SELECT TOP @take * FROM c WHERE c.chatId = @chatId AND c.kind = @kind AND c.data.seq > @lower"
            + (beforeSeq is null ? string.Empty : " AND c.data.seq < @upper")
            + (ascending ? " ORDER BY c.data.seq ASC" : " ORDER BY c.data.seq DESC");
        var query = new QueryDefinition(sql)
            .WithParameter("@take", limit + 1)
            .WithParameter("@chatId", chatId)
            .WithParameter("@kind", Kinds.Message)
            .WithParameter("@lower", lower)
            .WithParameter("@upper", beforeSeq ?? long.MaxValue);
        var items = await db.QueryAsync<ChatItem<MessageRecord>>(db.Chats, query, chatId, ct);
        var hasMore = items.Count > limit;
        var page = items.Take(limit).Select(i => i.Data);
        return new StoredPage((ascending ? page : page.Reverse()).ToArray(), hasMore);
    }

    public async Task<MessageRecord?> FindByClientIdAsync(string chatId, string senderId, string clientMessageId, CancellationToken ct)
    {
        var query = new QueryDefinition(
                "SELECT * FROM c WHERE c.chatId = @chatId AND c.kind = @kind AND c.data.senderId = @sender AND c.data.clientMessageId = @client")
            .WithParameter("@chatId", chatId).WithParameter("@kind", Kinds.Message)
            .WithParameter("@sender", senderId).WithParameter("@client", clientMessageId);
        var items = await db.QueryAsync<ChatItem<MessageRecord>>(db.Chats, query, chatId, ct);
        return items.Count > 0 ? items.MinBy(i => i.Data.Seq)!.Data : null;
    }

    public Task<bool> TryClaimSendKeyAsync(SendKey key, CancellationToken ct) =>
        db.TryCreateAsync(db.Chats, Item(key), key.ChatId, ct);

    public Task<Versioned<SendKey>?> GetSendKeyAsync(string chatId, string senderId, string clientMessageId, CancellationToken ct) =>
        db.ReadAsync<ChatItem<SendKey>, SendKey>(db.Chats, CosmosModel.SendKeyId(senderId, clientMessageId), chatId, i => i.Data, ct);

    public Task<bool> TryReplaceSendKeyAsync(SendKey key, string etag, CancellationToken ct) =>
        db.TryReplaceAsync(db.Chats, Item(key), CosmosModel.SendKeyId(key.SenderId, key.ClientMessageId), key.ChatId, etag, ct);

    private static ChatItem<MessageRecord> Item(MessageRecord m) => new(CosmosModel.MessageId(m.Seq), m.ChatId, Kinds.Message, m);

    private static ChatItem<SendKey> Item(SendKey k) => new(CosmosModel.SendKeyId(k.SenderId, k.ClientMessageId), k.ChatId, Kinds.SendKey, k);
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

    public Task<Versioned<ReceiptState>?> GetAsync(string chatId, string userId, CancellationToken ct) =>
        db.ReadAsync<ChatItem<ReceiptState>, ReceiptState>(db.Chats, CosmosModel.ReceiptStateId(userId), chatId, i => i.Data, ct);

    /// <summary>One transactional batch: the state (create, or replace under its ETag) and one create per
    /// advance. ~10 RU for a state and two advances.</summary>
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
