namespace Chat.Functions.Cosmos;

using Chat.Core.Ports;

/// <summary>Last activity as a small item in the user's partition: a point read and an upsert (~1 RU
/// and ~6 RU). A cache such as Azure Managed Redis can take its place behind <see cref="IPresenceStore"/>.</summary>
public sealed class CosmosPresenceStore(CosmosDatabase db) : IPresenceStore
{
    public const string ItemId = "presence";

    public async Task<DateTimeOffset?> GetLastActiveAsync(string userId, CancellationToken ct) =>
        (await db.ReadAsync<UserItem<PresenceData>, PresenceData>(db.Users, ItemId, userId, i => i.Data, ct))?.Value.LastActiveAt;

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> GetLastActiveAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var found = await CosmosUserStore.ParallelAsync(userIds, async id => (Id: id, At: await GetLastActiveAsync(id, ct)), ct);
        return found.Where(f => f.At is not null).ToDictionary(f => f.Id, f => f.At!.Value, StringComparer.Ordinal);
    }

    public Task SetLastActiveAsync(string userId, DateTimeOffset at, CancellationToken ct) =>
        db.UpsertAsync(db.Users, new UserItem<PresenceData>(ItemId, userId, "presence", new PresenceData(at)), userId, ct);

    public sealed record PresenceData(DateTimeOffset LastActiveAt);
}
