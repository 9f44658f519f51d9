namespace Chat.Functions.Cosmos;

using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Microsoft.Azure.Cosmos;

/// <summary>
/// A chat as two items of its partition: the metadata (<c>chat</c>: members, name; rarely written,
/// cached per instance) and the head (<c>head</c>: last seq and message; every send). A send reads the
/// head (1 point read) and writes one transactional batch: 2 requests in all, whatever the group size.
/// </summary>
public sealed class CosmosChatStore(CosmosDatabase db, ChatMetaCache metas) : IChatStore
{
    /// <summary>1 point read of the head (+1 of the metadata when this instance has not got its version).</summary>
    public async Task<Versioned<ChatRecord>?> GetAsync(string chatId, CancellationToken ct)
    {
        var head = await db.ReadAsync<ChatItem<ChatHead>, ChatHead>(db.Chats, CosmosModel.HeadId, chatId, i => i.Data, ct);
        if (head is null)
        {
            return null;
        }

        var meta = await MetaAsync(chatId, head.Value.MetaVersion, ct);
        return meta is null ? null : Compose(meta, head.Value, head.ETag);
    }

    /// <summary>1 single-partition query (head, the states asked for, and the metadata unless cached).</summary>
    public async Task<ChatSnapshot?> ReadAsync(string chatId, StatesToRead states, CancellationToken ct)
    {
        var cached = metas.Find(chatId);
        var ids = new List<string> { CosmosModel.HeadId };
        if (cached is null)
        {
            ids.Add(CosmosModel.ChatDocId);
        }

        if (states.UserId is { } userId)
        {
            ids.Add(CosmosModel.ReceiptStateId(userId));
        }

        var names = string.Join(", ", ids.Select((_, i) => "@id" + i.ToString(CultureInfo.InvariantCulture)));
        var sql = $"SELECT * FROM c WHERE c.chatId = @chatId AND (c.id IN ({names})" + (states.All ? " OR c.kind = @receipt)" : ")");
        var query = ids.Select((id, i) => (id, i)).Aggregate(
            new QueryDefinition(sql).WithParameter("@chatId", chatId).WithParameter("@receipt", Kinds.ReceiptState),
            (q, p) => q.WithParameter("@id" + p.i.ToString(CultureInfo.InvariantCulture), p.id));
        var items = await db.QueryAsync<JsonObject>(db.Chats, query, chatId, ct);
        return await SnapshotAsync(chatId, new PartitionItems(items), ct);
    }

    /// <summary>1 ReadMany (a query-plan request and 1 query per physical partition) of the heads, the states
    /// of every member and the metadata of chats this instance has not cached; a second ReadMany for the
    /// states of those chats' members.</summary>
    public async Task<IReadOnlyList<ChatSnapshot>> ReadManyAsync(IReadOnlyCollection<string> chatIds, CancellationToken ct)
    {
        if (chatIds.Count == 0)
        {
            return [];
        }

        var wanted = chatIds.SelectMany(id => metas.Find(id) is { } cached
            ? StateIds(cached.Meta).Prepend(CosmosModel.HeadId).Select(item => (item, new PartitionKey(id)))
            : [(CosmosModel.HeadId, new PartitionKey(id)), (CosmosModel.ChatDocId, new PartitionKey(id))]).ToList();
        var byChat = await ReadManyAsync(wanted, ct);
        var missingStates = new List<(string, PartitionKey)>();
        foreach (var (chatId, items) in byChat)
        {
            var members = items.Meta?.Item.Data ?? (await FresherMetaAsync(chatId, items, ct))?.Meta;
            missingStates.AddRange((members is null ? [] : StateIds(members)).Except(items.StateIds).Select(item => (item, new PartitionKey(chatId))));
        }

        foreach (var (chatId, items) in missingStates.Count == 0 ? [] : await ReadManyAsync(missingStates, ct))
        {
            byChat[chatId] = byChat[chatId].With(items);
        }

        var snapshots = await Task.WhenAll(chatIds.Where(byChat.ContainsKey).Select(id => SnapshotAsync(id, byChat[id], ct)));
        return snapshots.OfType<ChatSnapshot>().ToArray();
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ReadActivityAsync(IReadOnlyCollection<string> chatIds, CancellationToken ct)
    {
        var byChat = chatIds.Count == 0 ? [] : await ReadManyAsync(chatIds.Select(id => (CosmosModel.HeadId, new PartitionKey(id))).ToList(), ct);
        return byChat.Where(c => c.Value.Head is not null)
            .ToDictionary(c => c.Key, c => c.Value.Head!.Data<ChatHead>().LastActivityAt, StringComparer.Ordinal);
    }

    /// <summary>The metadata the head names when the cached one (whose members' states were read) is older: 1 point read.</summary>
    private async Task<ChatMetaCache.Entry?> FresherMetaAsync(string chatId, PartitionItems items, CancellationToken ct) =>
        items.Head is { } head && head.Data<ChatHead>().MetaVersion is var version && metas.Find(chatId)?.Version != version
            ? await MetaAsync(chatId, version, ct)
            : null;

    /// <summary>1 transactional batch: metadata and head.</summary>
    public async Task<bool> TryCreateAsync(ChatRecord chat, CancellationToken ct)
    {
        var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(chat.ChatId))
            .CreateItem(MetaItem(chat, 1))
            .CreateItem(HeadItem(chat, 1));
        var outcome = await db.ExecuteAsync(batch, ct);
        if (outcome.Succeeded)
        {
            metas.Keep(chat.ChatId, new ChatMetaCache.Entry(Meta(chat), 1, outcome.ETags[0]!));
        }

        return outcome.Succeeded;
    }

    /// <summary>1 transactional batch: metadata and head, each under its ETag; the head names the new metadata version.</summary>
    public async Task<bool> TryReplaceAsync(ChatRecord chat, string etag, CancellationToken ct)
    {
        var tag = CompositeTag.Parse(etag);
        var version = tag.Version + 1;
        var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(chat.ChatId))
            .ReplaceItem(CosmosModel.ChatDocId, MetaItem(chat, version), new TransactionalBatchItemRequestOptions { IfMatchEtag = tag.MetaETag })
            .ReplaceItem(CosmosModel.HeadId, HeadItem(chat, version), new TransactionalBatchItemRequestOptions { IfMatchEtag = tag.HeadETag });
        var outcome = await db.ExecuteAsync(batch, ct);
        if (outcome.Succeeded)
        {
            metas.Keep(chat.ChatId, new ChatMetaCache.Entry(Meta(chat), version, outcome.ETags[0]!));
        }

        return outcome.Succeeded;
    }

    /// <summary>1 transactional batch of 4 operations: create the send key (its id is the idempotency
    /// key), create the message (its id is its seq), replace the head under its ETag (so seqs stay
    /// gap-free under concurrent senders) and patch the sender's receipt state (RU are not measured here: the emulator charges 1 a request).
    /// The sender's state is created the first time (one more batch, once per member).</summary>
    public async Task<AppendResult> TryAppendAsync(ChatRecord updated, string etag, MessageRecord message, CancellationToken ct)
    {
        var outcome = await db.ExecuteAsync(AppendBatch(updated, etag, message, createState: false), ct);
        if (outcome.Failed(3, HttpStatusCode.NotFound))
        {
            outcome = await db.ExecuteAsync(AppendBatch(updated, etag, message, createState: true), ct);
        }

        var tag = CompositeTag.Parse(etag);
        return outcome switch
        {
            { Succeeded: true } => new AppendResult(AppendOutcome.Appended, (tag with { HeadETag = outcome.ETags[2]! }).ToString()),
            { FailedIndex: 0, FailedStatus: HttpStatusCode.Conflict } => new AppendResult(AppendOutcome.Duplicate),
            _ => new AppendResult(AppendOutcome.Conflict),
        };
    }

    private TransactionalBatch AppendBatch(ChatRecord updated, string etag, MessageRecord message, bool createState)
    {
        var tag = CompositeTag.Parse(etag);
        var key = new ChatItem<SendKeyData>(
            CosmosModel.SendKeyId(message.SenderId, message.ClientMessageId), message.ChatId, Kinds.SendKey, new SendKeyData(message.SenderId, message.ClientMessageId, message.Seq), CosmosTtl.Until(message.ExpiresAt));
        var quiet = new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false };
        var batch = db.Chats.CreateTransactionalBatch(new PartitionKey(message.ChatId))
            .CreateItem(key, quiet)
            .CreateItem(CosmosMessageStore.Item(message), quiet)
            .ReplaceItem(CosmosModel.HeadId, HeadItem(updated, tag.Version), new TransactionalBatchItemRequestOptions { IfMatchEtag = tag.HeadETag, EnableContentResponseOnWrite = false });
        var stateId = CosmosModel.ReceiptStateId(message.SenderId);
        return createState
            ? batch.CreateItem(new ChatItem<ReceiptState>(stateId, message.ChatId, Kinds.ReceiptState, new ReceiptState(message.SenderId, 0, 0, message.SentAt) { LastSentSeq = message.Seq }), quiet)
            : batch.PatchItem(stateId, [PatchOperation.Set("/data/lastSentSeq", message.Seq)], new TransactionalBatchPatchItemRequestOptions { EnableContentResponseOnWrite = false });
    }

    private async Task<Dictionary<string, PartitionItems>> ReadManyAsync(IReadOnlyList<(string Id, PartitionKey Key)> items, CancellationToken ct)
    {
        var found = await db.RunAsync(token => db.Chats.ReadManyItemsAsync<JsonObject>(items, cancellationToken: token), ct);
        return found.GroupBy(e => (string)e["chatId"]!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new PartitionItems(g.ToList()), StringComparer.Ordinal);
    }

    private async Task<ChatSnapshot?> SnapshotAsync(string chatId, PartitionItems items, CancellationToken ct)
    {
        if (items.Head is not { } head)
        {
            return null;
        }

        var data = head.Data<ChatHead>();
        if (items.Meta is { } read)
        {
            metas.Keep(chatId, new ChatMetaCache.Entry(read.Item.Data, read.Item.Version, read.ETag));
        }

        var meta = await MetaAsync(chatId, data.MetaVersion, ct);
        return meta is null ? null : new ChatSnapshot(Compose(meta, data, head.ETag), items.States);
    }

    /// <summary>The metadata of the version the head names: from the cache, else 1 point read.</summary>
    private async Task<ChatMetaCache.Entry?> MetaAsync(string chatId, long version, CancellationToken ct)
    {
        if (metas.Find(chatId) is { } cached && cached.Version == version)
        {
            return cached;
        }

        var read = await db.ReadAsync<ChatMetaItem, ChatMetaItem>(db.Chats, CosmosModel.ChatDocId, chatId, i => i, ct);
        if (read is null)
        {
            return null;
        }

        if (read.Value.Version < version)
        {
            // A replica behind the head (Session consistency, another instance's write): never go on from older members.
            throw ChatErrors.Unavailable("database (a replica is catching up)", TimeSpan.FromSeconds(1));
        }

        var entry = new ChatMetaCache.Entry(read.Value.Data, read.Value.Version, read.ETag);
        metas.Keep(chatId, entry);
        return entry;
    }

    private static IEnumerable<string> StateIds(ChatRecord meta) =>
        meta.Members.Select(m => m.UserId).Concat(meta.PastMembers.Select(p => p.UserId)).Distinct(StringComparer.Ordinal).Select(CosmosModel.ReceiptStateId);

    private static Versioned<ChatRecord> Compose(ChatMetaCache.Entry meta, ChatHead head, string headETag) => new(
        meta.Meta with { LastSeq = head.LastSeq, LastMessage = head.LastMessage, LastActivityAt = head.LastActivityAt, RecentExpiries = head.RecentExpiries ?? [] },
        new CompositeTag(meta.Version, meta.ETag, headETag).ToString());

    private static ChatRecord Meta(ChatRecord chat) => chat with { LastSeq = 0, LastMessage = null, RecentExpiries = [] };

    private static ChatMetaItem MetaItem(ChatRecord chat, long version) => new(CosmosModel.ChatDocId, chat.ChatId, Kinds.Chat, Meta(chat), version);

    private static ChatItem<ChatHead> HeadItem(ChatRecord chat, long metaVersion) =>
        new(CosmosModel.HeadId, chat.ChatId, Kinds.Head, new ChatHead(chat.LastSeq, chat.LastMessage, chat.LastActivityAt, metaVersion, chat.RecentExpiries.Count > 0 ? chat.RecentExpiries : null));

    /// <summary>The version of a chat as the domain sees it: the metadata's version and ETag and the head's ETag.</summary>
    private sealed record CompositeTag(long Version, string MetaETag, string HeadETag)
    {
        public static CompositeTag Parse(string etag)
        {
            var parts = etag.Split('|', 3);
            return new CompositeTag(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2]);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Version}|{MetaETag}|{HeadETag}");
    }
}

/// <summary>Items of one chat partition read together as raw JSON, sorted by what they are.</summary>
internal sealed class PartitionItems(IReadOnlyList<JsonObject> items)
{
    public RawItem? Head { get; } = Find(items, CosmosModel.HeadId);

    public (ChatMetaItem Item, string ETag)? Meta { get; } = Find(items, CosmosModel.ChatDocId) is { } raw
        ? (raw.Item.Deserialize<ChatMetaItem>(CosmosDatabase.Json)!, raw.ETag)
        : null;

    public IReadOnlyList<Versioned<ReceiptState>> States { get; } = items.Where(i => new RawItem(i).Kind == Kinds.ReceiptState)
        .Select(i => new Versioned<ReceiptState>(new RawItem(i).Data<ReceiptState>(), new RawItem(i).ETag)).ToArray();

    /// <summary>The ids of the receipt states read.</summary>
    public IEnumerable<string> StateIds => items.Where(i => new RawItem(i).Kind == Kinds.ReceiptState).Select(i => Id(i)!);

    private IReadOnlyList<JsonObject> All => items;

    public PartitionItems With(PartitionItems more) => new([.. All, .. more.All]);

    private static RawItem? Find(IReadOnlyList<JsonObject> items, string id) =>
        items.Where(i => Id(i) == id).Select(i => new RawItem(i)).FirstOrDefault();

    private static string? Id(JsonObject item) => (string?)item["id"];
}

/// <summary>One item as read: its kind, its data and its ETag.</summary>
internal sealed record RawItem(JsonObject Item)
{
    public string ETag => (string)Item["_etag"]!;

    public string? Kind => (string?)Item["kind"];

    public T Data<T>() => Item["data"].Deserialize<T>(CosmosDatabase.Json)!;
}
