namespace Chat.IntegrationTests.Stores;

using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Xunit;

/// <summary>An emulator of its own with one container partitioned on /pk, for the emulator's own contract.</summary>
public sealed class EmulatorContainer : IAsyncLifetime
{
    private CosmosEmulator emulator = null!;

    public CosmosClient Client { get; private set; } = null!;

    public Container Items { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Chat.LocalHost.EmulatorCommands.EnsureInstalledAsync(CancellationToken.None);
        emulator = await CosmosEmulator.StartAsync();
        Client = new CosmosClient(emulator.ConnectionString, new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            },
        });
        Database database = await Client.CreateDatabaseIfNotExistsAsync("emulator-contract");
        Items = await database.CreateContainerIfNotExistsAsync(new ContainerProperties("items", "/pk"));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await emulator.DisposeAsync();
    }
}

/// <summary>What the emulator (bare server + tools/cosmos-emulator.mjs) promises to behave like real Cosmos DB:
/// transactional batches and patch, with the real SDK.</summary>
public sealed class EmulatorContractTests(EmulatorContainer container) : IClassFixture<EmulatorContainer>
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private Container Items => container.Items;

    [Fact]
    public async Task Batch_CreateReplaceUpsertReadDeletePatch_AllSucceedAndEffectsAreVisible()
    {
        // Real Cosmos: 200 overall; 201 create, 200 replace/upsert(existing)/read/patch, 204 delete; all effects committed.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("replaced", pk, 1), new PartitionKey(pk), cancellationToken: Ct);
        await Items.CreateItemAsync(new Doc("upserted", pk, 1), new PartitionKey(pk), cancellationToken: Ct);
        await Items.CreateItemAsync(new Doc("deleted", pk, 1), new PartitionKey(pk), cancellationToken: Ct);
        await Items.CreateItemAsync(new Doc("patched", pk, 1), new PartitionKey(pk), cancellationToken: Ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new Doc("created", pk, 1))
            .ReplaceItem("replaced", new Doc("replaced", pk, 2))
            .UpsertItem(new Doc("upserted", pk, 3))
            .ReadItem("created")
            .DeleteItem("deleted")
            .PatchItem("patched", [PatchOperation.Set("/lastSeq", 7), PatchOperation.Add("/tag", "new")])
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            [HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.OK],
            response.Select(r => r.StatusCode));
        Assert.All(response.Where(r => r.StatusCode != HttpStatusCode.NoContent), r => Assert.False(string.IsNullOrEmpty(r.ETag)));
        Assert.Equal(1, response.GetOperationResultAtIndex<Doc>(3).Resource.LastSeq);
        Assert.Equal(7, response.GetOperationResultAtIndex<Doc>(5).Resource.LastSeq);

        Assert.Equal(1, (await Read("created", pk))!.LastSeq);
        Assert.Equal(2, (await Read("replaced", pk))!.LastSeq);
        Assert.Equal(3, (await Read("upserted", pk))!.LastSeq);
        Assert.Null(await Read("deleted", pk));
        Assert.Equal(new Doc("patched", pk, 7) { Tag = "new" }, await Read("patched", pk));
        var replacedEtag = (await Items.ReadItemAsync<Doc>("replaced", new PartitionKey(pk), cancellationToken: Ct)).ETag;
        Assert.Equal(response[1].ETag, replacedEtag);
    }

    [Fact]
    public async Task Batch_SecondCreateConflicts_WritesNothing_AndAnswers409WithFailedDependencyForTheOthers()
    {
        // Real Cosmos: 207 on the wire, the SDK promotes the failing op: overall 409; op 2 is 409, ops 1 and 3 are 424; nothing is written.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("taken", pk, 1), new PartitionKey(pk), cancellationToken: Ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new Doc("first", pk, 1))
            .CreateItem(new Doc("taken", pk, 2))
            .UpsertItem(new Doc("third", pk, 1))
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(
            [HttpStatusCode.FailedDependency, HttpStatusCode.Conflict, HttpStatusCode.FailedDependency],
            response.Select(r => r.StatusCode));
        Assert.Null(await Read("first", pk));
        Assert.Null(await Read("third", pk));
        Assert.Equal(1, (await Read("taken", pk))!.LastSeq);
    }

    [Fact]
    public async Task Batch_ReadOfAMissingItem_Answers404_AndRollsBackTheWriteBeforeIt()
    {
        // Real Cosmos: a read is an operation like any other; its 404 fails the batch, the upsert before it is 424 and not written.
        var pk = NewPk();

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .UpsertItem(new Doc("written", pk, 1))
            .ReadItem("missing")
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.NotFound], response.Select(r => r.StatusCode));
        Assert.Null(await Read("written", pk));
    }

    [Fact]
    public async Task Batch_SecondOpIfMatchMismatch_RollsBackTheFirst_AndAnswers412WithFailedDependencyForTheOthers()
    {
        // Real Cosmos: overall 412; op 2 is 412, the others 424; the first op's write is rolled back.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("counter", pk, 5), new PartitionKey(pk), cancellationToken: Ct);
        await Items.CreateItemAsync(new Doc("doomed", pk, 1), new PartitionKey(pk), cancellationToken: Ct);

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .DeleteItem("doomed")
            .ReplaceItem("counter", new Doc("counter", pk, 6), new TransactionalBatchItemRequestOptions { IfMatchEtag = "\"stale\"" })
            .CreateItem(new Doc("m:6", pk, 6))
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal(
            [HttpStatusCode.FailedDependency, HttpStatusCode.PreconditionFailed, HttpStatusCode.FailedDependency],
            response.Select(r => r.StatusCode));
        Assert.Equal(1, (await Read("doomed", pk))!.LastSeq);
        Assert.Equal(5, (await Read("counter", pk))!.LastSeq);
        Assert.Null(await Read("m:6", pk));
    }

    [Fact]
    public async Task Batch_ConcurrentReadModifyWriteUnderIfMatch_HasOneWinnerPerSeq_AndLosesNoUpdate()
    {
        // Real Cosmos: a batch is isolated from other writes in its partition, so each seq is won exactly once.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("counter", pk, 0), new PartitionKey(pk), cancellationToken: Ct);

        var winners = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => i % 4 == 3
            ? NextSeqBySingleWriteAsync(pk)
            : NextSeqByBatchAsync(pk))));

        Assert.Equal(Enumerable.Range(1, 20), winners.Order());
        Assert.Equal(20, (await Read("counter", pk))!.LastSeq);
        var messages = await QueryIds(pk, "m:");
        Assert.Equal(winners.Where((_, i) => i % 4 != 3).Select(n => $"m:{n}").Order(), messages.Order());
    }

    [Fact]
    public async Task Patch_CamelCaseFilterPredicateThatMatches_Applies()
    {
        // Real Cosmos: the filter predicate is evaluated against the item as written (property names are case-sensitive).
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("chat", pk, 5), new PartitionKey(pk), cancellationToken: Ct);

        var patched = await Items.PatchItemAsync<Doc>(
            "chat",
            new PartitionKey(pk),
            [PatchOperation.Increment("/lastSeq", 1)],
            new PatchItemRequestOptions { FilterPredicate = "FROM c WHERE c.lastSeq = 5" },
            Ct);

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(6, patched.Resource.LastSeq);
        Assert.Equal(6, (await Read("chat", pk))!.LastSeq);
    }

    [Fact]
    public async Task Patch_CamelCaseFilterPredicateThatDoesNotMatch_Answers412_AndChangesNothing()
    {
        // Real Cosmos: 412 Precondition Failed when the filter predicate is false; the item is unchanged.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("chat", pk, 5), new PartitionKey(pk), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<CosmosException>(() => Items.PatchItemAsync<Doc>(
            "chat",
            new PartitionKey(pk),
            [PatchOperation.Increment("/lastSeq", 1)],
            new PatchItemRequestOptions { FilterPredicate = "FROM c WHERE c.lastSeq = 4" },
            Ct));

        Assert.Equal(HttpStatusCode.PreconditionFailed, error.StatusCode);
        Assert.Equal(5, (await Read("chat", pk))!.LastSeq);
    }

    [Fact]
    public async Task Patch_LowerCasedPropertyInFilterPredicate_DoesNotMatchACamelCaseProperty()
    {
        // Real Cosmos: c.lastseq is another (undefined) property than c.lastSeq, so the predicate is false: 412.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("chat", pk, 5), new PartitionKey(pk), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<CosmosException>(() => Items.PatchItemAsync<Doc>(
            "chat",
            new PartitionKey(pk),
            [PatchOperation.Set("/lastSeq", 9)],
            new PatchItemRequestOptions { FilterPredicate = "FROM c WHERE c.lastseq = 5" },
            Ct));

        Assert.Equal(HttpStatusCode.PreconditionFailed, error.StatusCode);
    }

    [Fact]
    public async Task Patch_SetIncrAddRemoveReplace_ApplyInOrder()
    {
        // Real Cosmos: the operations apply in order to one item, atomically.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("chat", pk, 5) { Tag = "old", Tags = ["a"] }, new PartitionKey(pk), cancellationToken: Ct);

        await Items.PatchItemAsync<Doc>(
            "chat",
            new PartitionKey(pk),
            [
                PatchOperation.Increment("/lastSeq", 2),
                PatchOperation.Replace("/tag", "new"),
                PatchOperation.Add("/tags/-", "b"),
                PatchOperation.Set("/note", "hello"),
                PatchOperation.Remove("/note"),
            ],
            cancellationToken: Ct);

        var stored = (await Read("chat", pk))!;
        Assert.Equal(7, stored.LastSeq);
        Assert.Equal("new", stored.Tag);
        Assert.Equal(["a", "b"], stored.Tags);
        Assert.Null(stored.Note);
    }

    [Fact]
    public async Task Batch_PatchIncrWithFilterPredicate_IncrementsWhenItMatches_AndFailsTheBatchWhenNot()
    {
        // Real Cosmos: patch ops in a batch obey their filter predicate; a false one fails the batch with 412.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("chat", pk, 5), new PartitionKey(pk), cancellationToken: Ct);

        using (var ok = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .PatchItem("chat", [PatchOperation.Increment("/lastSeq", 1)], new TransactionalBatchPatchItemRequestOptions { FilterPredicate = "FROM c WHERE c.lastSeq = 5" })
            .CreateItem(new Doc("m:6", pk, 6))
            .ExecuteAsync(Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(6, ok.GetOperationResultAtIndex<Doc>(0).Resource.LastSeq);
        }

        using (var stale = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .PatchItem("chat", [PatchOperation.Increment("/lastSeq", 1)], new TransactionalBatchPatchItemRequestOptions { FilterPredicate = "FROM c WHERE c.lastSeq = 5" })
            .CreateItem(new Doc("m:6b", pk, 6))
            .ExecuteAsync(Ct))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Equal([HttpStatusCode.PreconditionFailed, HttpStatusCode.FailedDependency], stale.Select(r => r.StatusCode));
        }

        Assert.Equal(6, (await Read("chat", pk))!.LastSeq);
        Assert.NotNull(await Read("m:6", pk));
        Assert.Null(await Read("m:6b", pk));
    }

    [Fact]
    public async Task Batch_WithoutContentResponseOnWrite_AnswersStatusesAndEtagsButNoWriteBodies()
    {
        // Real Cosmos: with EnableContentResponseOnWrite = false, write results carry no body; reads still do.
        var pk = NewPk();

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new Doc("a", pk, 1), new TransactionalBatchItemRequestOptions { EnableContentResponseOnWrite = false })
            .ReadItem("a")
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(response[0].ETag));
        Assert.Null(response[0].ResourceStream);
        Assert.Equal(1, response.GetOperationResultAtIndex<Doc>(1).Resource.LastSeq);
    }

    [Fact]
    public async Task Batch_OfMoreThan100Operations_Answers400_AndWritesNothing()
    {
        // Real Cosmos: a transactional batch holds at most 100 operations; more is 400 Bad Request.
        var pk = NewPk();
        var batch = Items.CreateTransactionalBatch(new PartitionKey(pk));
        for (var i = 0; i < 101; i++)
        {
            batch.CreateItem(new Doc($"d{i}", pk, i));
        }

        using var response = await batch.ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await Read("d0", pk));
    }

    [Fact]
    public async Task Batch_ItemOfAnotherPartition_Answers400_AndWritesNothing()
    {
        // Real Cosmos: an item whose partition key differs from the batch's fails its operation with 400; the rest are 424.
        var pk = NewPk();

        using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
            .CreateItem(new Doc("mine", pk, 1))
            .CreateItem(new Doc("theirs", NewPk(), 1))
            .ExecuteAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([HttpStatusCode.FailedDependency, HttpStatusCode.BadRequest], response.Select(r => r.StatusCode));
        Assert.Null(await Read("mine", pk));
    }

    [Fact]
    public async Task Bulk_ConcurrentCreates_EachOperationGetsItsOwnStatus()
    {
        // Real Cosmos: bulk (AllowBulkExecution) groups operations into non-atomic batches; one conflict fails only its own operation.
        var pk = NewPk();
        await Items.CreateItemAsync(new Doc("taken", pk, 0), new PartitionKey(pk), cancellationToken: Ct);
        using var bulkClient = new CosmosClient(container.Client.Endpoint.ToString(), CosmosEmulator.Key, new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            AllowBulkExecution = true,
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
        });
        var bulk = bulkClient.GetContainer(Items.Database.Id, Items.Id);

        var ids = Enumerable.Range(0, 10).Select(i => $"b{i}").Append("taken").ToList();
        var statuses = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return (await bulk.CreateItemAsync(new Doc(id, pk, 1), new PartitionKey(pk), cancellationToken: Ct)).StatusCode;
            }
            catch (CosmosException e)
            {
                return e.StatusCode;
            }
        }));

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Created, 10).Append(HttpStatusCode.Conflict), statuses);
        Assert.Equal(10, (await QueryIds(pk, "b")).Count);
    }

    private static string NewPk() => "p_" + Guid.NewGuid().ToString("N");

    private async Task<Doc?> Read(string id, string pk)
    {
        using var response = await Items.ReadItemStreamAsync(id, new PartitionKey(pk), cancellationToken: Ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await JsonSerializer.DeserializeAsync<Doc>(response.Content, JsonSerializerOptions.Web, Ct);
    }

    private async Task<List<string>> QueryIds(string pk, string prefix)
    {
        var query = new QueryDefinition("SELECT VALUE c.id FROM c WHERE STARTSWITH(c.id, @prefix)").WithParameter("@prefix", prefix);
        using var feed = Items.GetItemQueryIterator<string>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(pk) });
        var ids = new List<string>();
        while (feed.HasMoreResults)
        {
            ids.AddRange(await feed.ReadNextAsync(Ct));
        }

        return ids;
    }

    /// <summary>Takes the next seq with a batch: replace the counter under IfMatch and create m:{seq}.</summary>
    private async Task<int> NextSeqByBatchAsync(string pk)
    {
        while (true)
        {
            var counter = await Items.ReadItemAsync<Doc>("counter", new PartitionKey(pk), cancellationToken: Ct);
            var next = counter.Resource.LastSeq + 1;
            using var response = await Items.CreateTransactionalBatch(new PartitionKey(pk))
                .ReplaceItem("counter", counter.Resource with { LastSeq = next }, new TransactionalBatchItemRequestOptions { IfMatchEtag = counter.ETag })
                .CreateItem(new Doc($"m:{next}", pk, next))
                .ExecuteAsync(Ct);
            if (response.IsSuccessStatusCode)
            {
                return next;
            }

            Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        }
    }

    /// <summary>Takes the next seq with a single replace under IfMatch.</summary>
    private async Task<int> NextSeqBySingleWriteAsync(string pk)
    {
        while (true)
        {
            var counter = await Items.ReadItemAsync<Doc>("counter", new PartitionKey(pk), cancellationToken: Ct);
            var next = counter.Resource.LastSeq + 1;
            try
            {
                await Items.ReplaceItemAsync(counter.Resource with { LastSeq = next }, "counter", new PartitionKey(pk), new ItemRequestOptions { IfMatchEtag = counter.ETag }, Ct);
                return next;
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
            }
        }
    }

    private sealed record Doc(string Id, string Pk, int LastSeq)
    {
        public string? Tag { get; init; }

        public string? Note { get; init; }

        public List<string>? Tags { get; init; }

        public bool Equals(Doc? other) =>
            other is not null && Id == other.Id && Pk == other.Pk && LastSeq == other.LastSeq && Tag == other.Tag && Note == other.Note
            && (Tags ?? []).SequenceEqual(other.Tags ?? []);

        public override int GetHashCode() => HashCode.Combine(Id, Pk, LastSeq);
    }

    [Fact]
    public async Task ResourceIds_HaveNoSlash_SoEveryDatabaseCanBeQueried()
    {
        // Real Cosmos writes rids in base64 with '-' for '/'; the backend's '/' made every 64th or so database unqueryable.
        for (var i = 0; i < 80; i++)
        {
            Database database = await container.Client.CreateDatabaseAsync("rid-" + Guid.NewGuid().ToString("N")[..12], cancellationToken: Ct);
            Assert.Equal(2, (await database.ReadAsync(cancellationToken: Ct)).Resource.SelfLink.Count(c => c == '/')); // "dbs/{rid}/"
            Container items = await database.CreateContainerAsync(new ContainerProperties("items", "/pk"), cancellationToken: Ct);
            await items.UpsertItemAsync(new { id = "a", pk = "p" }, new PartitionKey("p"), cancellationToken: Ct);
            using var query = items.GetItemQueryIterator<JsonElement>("SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("p") });
            Assert.Single(await query.ReadNextAsync(Ct));

            await database.DeleteAsync(cancellationToken: Ct);
        }
    }
}
