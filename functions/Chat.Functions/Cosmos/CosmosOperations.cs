namespace Chat.Functions.Cosmos;

using System.Net;
using Chat.Core.Common;
using Microsoft.Azure.Cosmos;

/// <summary>What a transactional batch did: every operation (<see cref="FailedIndex"/> -1), or nothing,
/// because the operation at <see cref="FailedIndex"/> answered <see cref="FailedStatus"/>.</summary>
public sealed record BatchOutcome(int FailedIndex, HttpStatusCode FailedStatus, IReadOnlyList<string?> ETags)
{
    public bool Succeeded => FailedIndex < 0;

    public bool Failed(int index, HttpStatusCode status) => FailedIndex == index && FailedStatus == status;
}

/// <summary>The few item operations the stores use, with the status codes that carry meaning
/// (404 missing, 409 id taken, 412 changed) turned into return values.</summary>
public static class CosmosOperations
{
    public static async Task<Versioned<T>?> ReadAsync<TItem, T>(this CosmosDatabase db, Container container, string id, string partitionKey, Func<TItem, T> data, CancellationToken ct)
    {
        try
        {
            var response = await db.RunAsync(token => container.ReadItemAsync<TItem>(id, new PartitionKey(partitionKey), cancellationToken: token), ct);
            return new Versioned<T>(data(response.Resource), response.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<bool> TryCreateAsync<TItem>(this CosmosDatabase db, Container container, TItem item, string partitionKey, CancellationToken ct)
    {
        try
        {
            await db.RunAsync(token => container.CreateItemAsync(item, new PartitionKey(partitionKey), cancellationToken: token), ct);
            return true;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public static async Task<bool> TryReplaceAsync<TItem>(this CosmosDatabase db, Container container, TItem item, string id, string partitionKey, string? etag, CancellationToken ct)
    {
        try
        {
            await db.RunAsync(
                token => container.ReplaceItemAsync(item, id, new PartitionKey(partitionKey), new ItemRequestOptions { IfMatchEtag = etag }, token),
                ct);
            return true;
        }
        catch (CosmosException e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public static Task UpsertAsync<TItem>(this CosmosDatabase db, Container container, TItem item, string partitionKey, CancellationToken ct) =>
        db.RunAsync(token => container.UpsertItemAsync(item, new PartitionKey(partitionKey), cancellationToken: token), ct);

    public static Task DeleteAsync(this CosmosDatabase db, Container container, string id, string partitionKey, CancellationToken ct) =>
        db.TryDeleteAsync(container, id, partitionKey, ct);

    /// <summary>Patches the item if it matches <paramref name="filter"/> (null: always): <see cref="HttpStatusCode.OK"/> when it
    /// did, <see cref="HttpStatusCode.PreconditionFailed"/> when the filter refused, <see cref="HttpStatusCode.NotFound"/> when it is gone.</summary>
    public static async Task<HttpStatusCode> TryPatchAsync(
        this CosmosDatabase db, Container container, string id, string partitionKey, IReadOnlyList<PatchOperation> changes, string? filter, CancellationToken ct)
    {
        try
        {
            await db.RunAsync(
                token => container.PatchItemAsync<object>(
                    id, new PartitionKey(partitionKey), changes, new PatchItemRequestOptions { FilterPredicate = filter, EnableContentResponseOnWrite = false }, token),
                ct);
            return HttpStatusCode.OK;
        }
        catch (CosmosException e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return e.StatusCode;
        }
    }

    /// <summary>Deletes the item; false when it was already gone.</summary>
    public static async Task<bool> TryDeleteAsync(this CosmosDatabase db, Container container, string id, string partitionKey, CancellationToken ct)
    {
        try
        {
            await db.RunAsync(token => container.DeleteItemAsync<object>(id, new PartitionKey(partitionKey), cancellationToken: token), ct);
            return true;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Runs a transactional batch: true when every operation landed, false when one lost to a
    /// concurrent write (409 or 412: nothing was written); any other failure throws, as single calls do.</summary>
    public static async Task<bool> TryExecuteAsync(this CosmosDatabase db, TransactionalBatch batch, CancellationToken ct) =>
        (await db.ExecuteAsync(batch, ct)).Succeeded;

    /// <summary>Runs a transactional batch and tells which operation failed, and how, when one did (nothing
    /// was written then): 404, 409 and 412 are answers; any other failure throws, as single calls do.</summary>
    public static async Task<BatchOutcome> ExecuteAsync(this CosmosDatabase db, TransactionalBatch batch, CancellationToken ct)
    {
        using var response = await db.RunAsync(token => batch.ExecuteAsync(token), ct);
        return Outcome(response);
    }

    /// <summary>As <see cref="ExecuteAsync(CosmosDatabase, TransactionalBatch, CancellationToken)"/>, with the item that the
    /// batch's read at <paramref name="readIndex"/> returned when every operation landed (else default).</summary>
    public static async Task<(BatchOutcome Outcome, TItem? Read)> ExecuteAsync<TItem>(this CosmosDatabase db, TransactionalBatch batch, int readIndex, CancellationToken ct)
    {
        using var response = await db.RunAsync(token => batch.ExecuteAsync(token), ct);
        var outcome = Outcome(response);
        return (outcome, outcome.Succeeded ? response.GetOperationResultAtIndex<TItem>(readIndex).Resource : default);
    }

    private static BatchOutcome Outcome(TransactionalBatchResponse response)
    {
        var etags = Enumerable.Range(0, response.Count).Select(i => response[i].ETag).ToArray();
        if (response.IsSuccessStatusCode)
        {
            return new BatchOutcome(-1, HttpStatusCode.OK, etags);
        }

        // The failed operation answers its own status, the others 424; without per-operation results, the batch's.
        var failed = Enumerable.Range(0, response.Count).FirstOrDefault(i => response[i].StatusCode != HttpStatusCode.FailedDependency, response.Count);
        var status = failed < response.Count ? response[failed].StatusCode : response.StatusCode;
        return status is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound
            ? new BatchOutcome(failed, status, etags)
            : throw new CosmosException(response.ErrorMessage ?? "The batch failed.", status, 0, response.ActivityId, response.RequestCharge);
    }

    /// <summary>A query inside one partition, all pages. Optimistic direct execution sends it straight to the
    /// partition (ORDER BY and TOP included): 1 request a page, no query-plan request.</summary>
    public static Task<List<T>> QueryAsync<T>(this CosmosDatabase db, Container container, QueryDefinition query, string partitionKey, CancellationToken ct, int? maxItems = null) =>
        db.RunAsync(
            async token =>
            {
                var results = new List<T>();
                using var iterator = container.GetItemQueryIterator<T>(
                    query,
                    requestOptions: new QueryRequestOptions
                    {
                        PartitionKey = new PartitionKey(partitionKey),
                        MaxItemCount = maxItems ?? 1000,
                        EnableOptimisticDirectExecution = true,
                    });
                while (iterator.HasMoreResults)
                {
                    results.AddRange(await iterator.ReadNextAsync(token));
                }

                return results;
            },
            ct);
}
