namespace Chat.Functions.Cosmos;

using Chat.Core.Ports;

/// <summary>Who was notified of a message, as one small item in the directory container (partition =
/// id, so a point read and an upsert, ~1 RU and ~6–10 RU). Items expire after 3 days: by then no retry
/// of the job can still be running.</summary>
public sealed class CosmosPushLog(CosmosDatabase db) : IPushLog
{
    private static readonly int TtlSeconds = (int)TimeSpan.FromDays(3).TotalSeconds;

    public async Task<IReadOnlySet<string>> GetNotifiedAsync(string chatId, long seq, CancellationToken ct)
    {
        var id = Id(chatId, seq);
        var found = await db.ReadAsync<DirectoryItem<PushLogData>, PushLogData>(db.Directory, id, id, i => i.Data, ct);
        return found is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(found.Value.Notified, StringComparer.Ordinal);
    }

    public Task SetNotifiedAsync(string chatId, long seq, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var id = Id(chatId, seq);
        return db.UpsertAsync(db.Directory, new DirectoryItem<PushLogData>(id, "pushLog", new PushLogData(userIds.ToArray()), TtlSeconds), id, ct);
    }

    private static string Id(string chatId, long seq) => $"push:{chatId}:{seq}";

    public sealed record PushLogData(IReadOnlyList<string> Notified);
}
