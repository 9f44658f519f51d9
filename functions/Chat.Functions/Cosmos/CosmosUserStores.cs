namespace Chat.Functions.Cosmos;

using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Functions.Http;
using Microsoft.Azure.Cosmos;

/// <summary>Per-user items in the user's partition.</summary>
public sealed class CosmosUserStore(CosmosDatabase db) : IUserStore
{
    private const int ParallelReads = 32;

    public Task<Versioned<UserAccount>?> GetAsync(string userId, CancellationToken ct) =>
        db.ReadAsync<UserItem<UserAccount>, UserAccount>(db.Users, CosmosModel.ProfileId, userId, i => i.Data, ct);

    /// <summary>Parallel point reads (~1 RU each); cheaper than a cross-partition query.</summary>
    public async Task<IReadOnlyList<UserAccount>> GetManyAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var found = await ParallelAsync(userIds, id => GetAsync(id, ct), ct);
        return found.OfType<Versioned<UserAccount>>().Select(v => v.Value).ToArray();
    }

    public Task<bool> TryCreateAsync(UserAccount user, CancellationToken ct) =>
        db.TryCreateAsync(db.Users, Item(user), user.UserId, ct);

    public Task<bool> TryReplaceAsync(UserAccount user, string etag, CancellationToken ct) =>
        db.TryReplaceAsync(db.Users, Item(user), CosmosModel.ProfileId, user.UserId, etag, ct);

    public Task DeleteAsync(string userId, CancellationToken ct) => db.DeleteAsync(db.Users, CosmosModel.ProfileId, userId, ct);

    /// <summary>1 create; an entry that exists is left as it is (reopening a chat moves nobody's list).</summary>
    public Task AddChatAsync(string userId, string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> memberIds, CancellationToken ct) =>
        db.TryCreateAsync(db.Users, IndexItem(userId, ChatIndexEntry.For(chatId, activityAt, memberIds)), userId, ct);

    public Task RemoveChatAsync(string userId, string chatId, CancellationToken ct) =>
        db.DeleteAsync(db.Users, CosmosModel.ChatIndexId(chatId), userId, ct);

    /// <summary>1 patch guarded by a filter: only a newer activity (with its members) changes the entry,
    /// and a removed entry stays removed. (Ids and digests are ours, safe inside the predicate.)</summary>
    public async Task TouchChatAsync(string userId, string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> memberIds, CancellationToken ct)
    {
        var entry = ChatIndexEntry.For(chatId, activityAt, memberIds);
        PatchOperation[] changes =
        [
            PatchOperation.Set("/data/activityAt", activityAt),
            PatchOperation.Set("/data/sortKey", entry.SortKey),
            PatchOperation.Set("/data/members", entry.Members),
            PatchOperation.Set("/data/membersKey", entry.MembersKey),
        ];
        // Newer activity, or the same activity with other members (a membership change is activity, so an
        // older snapshot of the members never overwrites a newer one, whichever job runs last).
        var filter = $"FROM c WHERE c.data.sortKey > '{entry.SortKey}' OR (c.data.sortKey = '{entry.SortKey}' "
            + $"AND (NOT IS_DEFINED(c.data.membersKey) OR c.data.membersKey != '{entry.MembersKey}'))";
        if (await db.TryPatchAsync(db.Users, CosmosModel.ChatIndexId(chatId), userId, changes, filter, ct) == System.Net.HttpStatusCode.PreconditionFailed)
        {
            await TouchPinnedMembersAsync(userId, chatId, entry, ct); // newer already, or pinned (its place stays); a 404: the user left
        }
    }

    /// <summary>A pinned entry keeps its place, but its members (whose presence the user may see) must follow the
    /// chat's: 1 more patch, of the members alone, when the first one was refused. Only pinned chats (at most 3 a user) pay it.</summary>
    private Task TouchPinnedMembersAsync(string userId, string chatId, ChatIndexEntry entry, CancellationToken ct) =>
        db.TryPatchAsync( // refused: not pinned (newer already), or its members are these
            db.Users,
            CosmosModel.ChatIndexId(chatId),
            userId,
            [PatchOperation.Set("/data/members", entry.Members), PatchOperation.Set("/data/membersKey", entry.MembersKey)],
            $"FROM c WHERE c.data.pinned = true AND (NOT IS_DEFINED(c.data.membersKey) OR c.data.membersKey != '{entry.MembersKey}')",
            ct);

    /// <summary>1 single-partition query of the members on the user's list entries and of the user's block markers: whoever
    /// has blocked the user is left out, whatever chats they share.</summary>
    public async Task<IReadOnlySet<string>> ListContactsAsync(string userId, CancellationToken ct)
    {
        const string sql = "SELECT c.data.members, c.data.userId AS blockerId FROM c WHERE c.userId = @userId AND "
            + "((c.kind = @kind AND IS_DEFINED(c.data.members)) OR c.kind = @blockedBy)";
        var query = new QueryDefinition(sql).WithParameter("@userId", userId).WithParameter("@kind", Kinds.ChatIndex)
            .WithParameter("@blockedBy", Kinds.BlockedBy);
        var rows = await db.QueryAsync<ContactRow>(db.Users, query, userId, ct);
        var contacts = rows.SelectMany(r => r.Members ?? []).ToHashSet(StringComparer.Ordinal);
        contacts.ExceptWith(rows.Select(r => r.BlockerId).OfType<string>());
        contacts.Remove(userId);
        return contacts;
    }

    /// <summary>1 upsert or 1 delete of the marker in the blocked user's partition (a delete of none is no error).</summary>
    public Task SetBlockedByAsync(string userId, string blockerId, bool blocked, CancellationToken ct) => blocked
        ? db.UpsertAsync(db.Users, new UserItem<UserRef>(CosmosModel.BlockedById(blockerId), userId, Kinds.BlockedBy, new UserRef(blockerId)), userId, ct)
        : db.DeleteAsync(db.Users, CosmosModel.BlockedById(blockerId), userId, ct);

    /// <summary>1 single-partition query (a page per 1,000): what the chat-list order is loaded from.</summary>
    public async Task<IReadOnlyList<ChatListEntry>> ListAllChatsAsync(string userId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.userId = @userId AND c.kind = @kind")
            .WithParameter("@userId", userId).WithParameter("@kind", Kinds.ChatIndex);
        return (await db.QueryAsync<UserItem<ChatIndexEntry>>(db.Users, query, userId, ct)).Select(i => Entry(i.Data)).ToArray();
    }

    public async Task<ChatListEntry?> GetChatEntryAsync(string userId, string chatId, CancellationToken ct) =>
        await db.ReadAsync<UserItem<ChatIndexEntry>, ChatIndexEntry>(db.Users, CosmosModel.ChatIndexId(chatId), userId, i => i.Data, ct) is { } read
            ? Entry(read.Value)
            : null;

    public async Task<int> CountPinnedAsync(string userId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT VALUE COUNT(1) FROM c WHERE c.userId = @userId AND c.kind = @kind AND c.data.pinned = true")
            .WithParameter("@userId", userId).WithParameter("@kind", Kinds.ChatIndex);
        return (await db.QueryAsync<int>(db.Users, query, userId, ct)).Sum();
    }

    /// <summary>1 patch of the entry's placement and sort key.</summary>
    public async Task SetPlacementAsync(string userId, string chatId, bool pinned, bool archived, DateTimeOffset activityAt, CancellationToken ct)
    {
        PatchOperation[] changes =
        [
            PatchOperation.Set("/data/pinned", pinned),
            PatchOperation.Set("/data/archived", archived),
            PatchOperation.Set("/data/activityAt", activityAt),
            PatchOperation.Set("/data/sortKey", ChatIndexEntry.SortKeyOf(chatId, activityAt, pinned)),
        ];
        if (await db.TryPatchAsync(db.Users, CosmosModel.ChatIndexId(chatId), userId, changes, filter: null, ct) == System.Net.HttpStatusCode.NotFound)
        {
            throw ChatErrors.ChatNotFound(); // the user left meanwhile
        }
    }

    private static ChatListEntry Entry(ChatIndexEntry e) => new(e.ChatId, e.ActivityAt, e.Pinned, e.Archived);

    public Task CreateSessionAsync(SessionRecord session, CancellationToken ct) =>
        db.TryCreateAsync(db.Users, Item(session), session.UserId, ct);

    public async Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string userId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.userId = @userId AND c.kind = @kind AND c.data.revoked = false")
            .WithParameter("@userId", userId).WithParameter("@kind", Kinds.Session);
        return (await db.QueryAsync<UserItem<SessionRecord>>(db.Users, query, userId, ct)).Select(i => i.Data).ToArray();
    }

    /// <summary>Any transient failure (throttling included) surfaces as Unavailable, so the session
    /// check can tell an outage, which keeps the last known state, from a fault.</summary>
    public async Task<Versioned<SessionRecord>?> GetSessionAsync(string userId, string sessionId, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(userId) || !Ids.IsWellFormed(sessionId))
        {
            return null;
        }

        try
        {
            return await db.ReadAsync<UserItem<SessionRecord>, SessionRecord>(db.Users, CosmosModel.SessionId(sessionId), userId, i => i.Data, ct);
        }
        catch (Exception e) when (e is not ChatException && ProblemMapping.Classify(e, ct) is { Kind: ErrorKind.Unavailable } unavailable)
        {
            throw unavailable;
        }
    }

    public Task<bool> TryReplaceSessionAsync(SessionRecord session, string etag, CancellationToken ct) =>
        db.TryReplaceAsync(db.Users, Item(session), CosmosModel.SessionId(session.SessionId), session.UserId, etag, ct);

    internal static async Task<TResult[]> ParallelAsync<TIn, TResult>(IEnumerable<TIn> inputs, Func<TIn, Task<TResult>> call, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(ParallelReads);
        return await Task.WhenAll(inputs.Select(async input =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await call(input);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static UserItem<ChatIndexEntry> IndexItem(string userId, ChatIndexEntry entry) =>
        new(CosmosModel.ChatIndexId(entry.ChatId), userId, Kinds.ChatIndex, entry);

    private static UserItem<UserAccount> Item(UserAccount user) => new(CosmosModel.ProfileId, user.UserId, Kinds.Profile, user);

    private static UserItem<SessionRecord> Item(SessionRecord s) => new(CosmosModel.SessionId(s.SessionId), s.UserId, Kinds.Session, s);
}

/// <summary>Global keys, each its own partition (<c>/id</c>): every lookup is a point read.</summary>
public sealed class CosmosDirectoryStore(CosmosDatabase db, TimeProvider time) : IDirectoryStore
{
    public async Task<string?> FindUserIdByPhoneAsync(string phoneNumber, CancellationToken ct)
    {
        var id = CosmosModel.PhoneId(phoneNumber);
        return (await db.ReadAsync<DirectoryItem<UserRef>, UserRef>(db.Directory, id, id, i => i.Data, ct))?.Value.UserId;
    }

    public async Task<IReadOnlyDictionary<string, string>> FindUserIdsByPhoneAsync(IReadOnlyCollection<string> phoneNumbers, CancellationToken ct)
    {
        var found = await CosmosUserStore.ParallelAsync(phoneNumbers.Distinct(StringComparer.Ordinal), async n => (Number: n, UserId: await FindUserIdByPhoneAsync(n, ct)), ct);
        return found.Where(f => f.UserId is not null).ToDictionary(f => f.Number, f => f.UserId!, StringComparer.Ordinal);
    }

    public Task<bool> TryClaimPhoneAsync(string phoneNumber, string userId, CancellationToken ct)
    {
        var id = CosmosModel.PhoneId(phoneNumber);
        return db.TryCreateAsync(db.Directory, new DirectoryItem<UserRef>(id, Kinds.Phone, new UserRef(userId)), id, ct);
    }

    public Task<Versioned<PhoneVerification>?> GetVerificationAsync(string phoneNumber, CancellationToken ct)
    {
        var id = CosmosModel.VerificationId(phoneNumber);
        return db.ReadAsync<DirectoryItem<PhoneVerification>, PhoneVerification>(db.Directory, id, id, i => i.Data, ct);
    }

    public Task<bool> TryCreateVerificationAsync(PhoneVerification verification, CancellationToken ct) =>
        db.TryCreateAsync(db.Directory, Item(verification), CosmosModel.VerificationId(verification.PhoneNumber), ct);

    public Task<bool> TryReplaceVerificationAsync(PhoneVerification verification, string etag, CancellationToken ct)
    {
        var id = CosmosModel.VerificationId(verification.PhoneNumber);
        return db.TryReplaceAsync(db.Directory, Item(verification), id, id, etag, ct);
    }

    public Task DeleteVerificationAsync(string phoneNumber, CancellationToken ct)
    {
        var id = CosmosModel.VerificationId(phoneNumber);
        return db.DeleteAsync(db.Directory, id, id, ct);
    }

    public async Task CreateRegistrationAsync(PendingRegistration registration, CancellationToken ct)
    {
        var id = CosmosModel.RegistrationId(registration.PhoneNumber, registration.RegistrationId);
        if (!await db.TryCreateAsync(db.Directory, Item(registration), id, ct))
        {
            // Registration ids are fresh GUIDs: a taken one is a bug, never a reason to overwrite.
            throw new InvalidOperationException("A registration id was used twice.");
        }
    }

    public async Task<PendingRegistration?> GetRegistrationAsync(string phoneNumber, string registrationId, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(registrationId))
        {
            return null;
        }

        var id = CosmosModel.RegistrationId(phoneNumber, registrationId);
        return (await db.ReadAsync<DirectoryItem<PendingRegistration>, PendingRegistration>(db.Directory, id, id, i => i.Data, ct))?.Value;
    }

    public Task DeleteRegistrationAsync(string phoneNumber, string registrationId, CancellationToken ct)
    {
        var id = CosmosModel.RegistrationId(phoneNumber, registrationId);
        return db.DeleteAsync(db.Directory, id, id, ct);
    }

    public Task SetInviteAsync(string inviteCode, string chatId, CancellationToken ct)
    {
        var id = CosmosModel.InviteId(inviteCode);
        return db.UpsertAsync(db.Directory, new DirectoryItem<ChatRef>(id, Kinds.Invite, new ChatRef(chatId)), id, ct);
    }

    public async Task<string?> FindInviteAsync(string inviteCode, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(inviteCode))
        {
            return null;
        }

        var id = CosmosModel.InviteId(inviteCode);
        return (await db.ReadAsync<DirectoryItem<ChatRef>, ChatRef>(db.Directory, id, id, i => i.Data, ct))?.Value.ChatId;
    }

    public Task DeleteInviteAsync(string inviteCode, CancellationToken ct)
    {
        var id = CosmosModel.InviteId(inviteCode);
        return db.DeleteAsync(db.Directory, id, id, ct);
    }

    // Both expire by TTL (real Cosmos DB and the emulator proxy); the code checks the times anyway.
    private DirectoryItem<PendingRegistration> Item(PendingRegistration r) =>
        new(CosmosModel.RegistrationId(r.PhoneNumber, r.RegistrationId), Kinds.Registration, r, TtlUntil(r.ExpiresAt));

    private DirectoryItem<PhoneVerification> Item(PhoneVerification v) =>
        new(CosmosModel.VerificationId(v.PhoneNumber), Kinds.Verification, v, TtlUntil(v.KeepUntil));

    private int TtlUntil(DateTimeOffset until) => (int)Math.Max(60, (until - time.GetUtcNow()).TotalSeconds + 60);
}
