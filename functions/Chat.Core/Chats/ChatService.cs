namespace Chat.Core.Chats;

using System.Security.Cryptography;
using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Microsoft.Extensions.Options;

/// <summary>Direct chats, groups and their membership. Every rule about who may do what lives here.</summary>
public sealed class ChatService(
    IChatStore chats,
    IReceiptStore receipts,
    IUserStore users,
    IDirectoryStore directory,
    IRealtime realtime,
    IRateLimiter limiter,
    ChatListFeed chatLists,
    IChatListOrder order,
    IOptions<LimitsOptions> limits,
    TimeProvider time)
{
    private int MaxMembers => limits.Value.MaxGroupMembers;

    /// <summary>Opens (or finds) the direct chat of two users, with the blocks either has made (<see cref="BlockRules"/>). Cost by design (not in the benchmark): 2 point reads
    /// (both users; 2 more once created), 2 upserts of the users' chat lists, 1 batch creating the chat (or 1 query reading it when
    /// it exists), and 2 REST calls (each member's place in the other's presence group, put again when it exists).</summary>
    public async Task<(ChatView Chat, bool Created)> OpenDirectAsync(string callerId, OpenDirectRequest request, CancellationToken ct)
    {
        new Validator().Required("userId", request.UserId)
            .When(request.UserId == callerId, "userId", "must be another user.")
            .ThrowIfInvalid();
        var profiles = Ids.IsWellFormed(request.UserId) ? await users.GetManyAsync([callerId, request.UserId!], ct) : [];
        if (profiles.SingleOrDefault(p => p.UserId == request.UserId) is not { } other || profiles.SingleOrDefault(p => p.UserId == callerId) is not { } me)
        {
            throw ChatErrors.NotFound("user");
        }

        var now = time.GetUtcNow();
        var chatId = Ids.DirectChatId(callerId, request.UserId!);
        var chat = new ChatRecord
        {
            ChatId = chatId,
            Type = ChatTypes.Direct,
            Members =
            [
                new ChatMember { UserId = callerId, Role = Roles.Member, JoinedAt = now },
                new ChatMember { UserId = request.UserId!, Role = Roles.Member, JoinedAt = now },
            ],
            CreatedAt = now,
            LastActivityAt = now,
            BlockedBy = BlockRules.BlockersOf(me, other),
        };

        // The index entries first: a chat is only ever listed once it exists, so a failure here
        // leaves nothing visible, and a retry completes the open.
        string[] both = [callerId, request.UserId!];
        await ListForAsync(both, chatId, now, both, ct);
        if (await chats.TryCreateAsync(chat, ct))
        {
            chat = await CatchUpBlocksAsync(chat, ct);
            await MembershipChangedAsync(chat, chat.Members.Select(m => m.UserId).ToArray(), [], ct);
            return (ChatViews.ToView(chat, callerId, new Dictionary<string, ReceiptState>(), time.GetUtcNow()), true);
        }

        var existing = await chats.ReadAsync(chatId, StatesToRead.Everyone, ct) ?? throw ChatErrors.Unavailable("chat store", TimeSpan.FromSeconds(1));
        await realtime.ApplyAsync(PresenceGroups.Implied(existing.Value), ct); // heals a create whose group changes were lost, and chats older than presence groups
        return (ChatViews.ToView(existing.Value, callerId, existing.StatesByUser, time.GetUtcNow(), await users.GetChatEntryAsync(callerId, chatId, ct)), false);
    }

    /// <summary>A block (or unblock) made while the chat was being created found no chat to mark: the profiles, read again
    /// once the chat exists, bring it in (2 point reads, once per pair of users ever; a change from then on finds the chat).</summary>
    private async Task<ChatRecord> CatchUpBlocksAsync(ChatRecord created, CancellationToken ct)
    {
        var profiles = await users.GetManyAsync(created.Members.Select(m => m.UserId).ToArray(), ct);
        if (profiles.Count != 2 || BlockRules.BlockersOf(profiles[0], profiles[1]).Order(StringComparer.Ordinal).SequenceEqual(created.BlockedBy.Order(StringComparer.Ordinal)))
        {
            return created;
        }

        var blockers = BlockRules.BlockersOf(profiles[0], profiles[1]);
        return await MutateAsync(created.ChatId, c => c with { BlockedBy = blockers }, ct);
    }

    /// <summary>Cost: 1 point read per member (existence), 1 upsert per member (chat list), 1 batch creating the chat.</summary>
    public async Task<ChatView> CreateGroupAsync(string callerId, CreateGroupRequest request, CancellationToken ct)
    {
        var v = new Validator().Length("name", DisplayNames.Normalize(request.Name), 1, 100).Required("memberIds", request.MemberIds);
        v.When(request.MemberIds?.Any(id => !Ids.IsWellFormed(id)) == true, "memberIds", "must be user ids.");
        v.ThrowIfInvalid();

        var memberIds = request.MemberIds!.Select(id => id!).Where(id => id != callerId).Distinct(StringComparer.Ordinal).ToArray();
        if (memberIds.Length + 1 > MaxMembers)
        {
            throw ChatErrors.Policy($"A group has at most {MaxMembers} members.");
        }

        // Groups are made without their members' consent: a cap per creator keeps anyone from burying a victim in them.
        await limiter.AcquireAsync(limits.Value.GroupCreations, callerId, ct);

        BlockRules.EnsureMayInclude(callerId, await EnsureUsersExistAsync(memberIds, ct));
        var now = time.GetUtcNow();
        var chat = new ChatRecord
        {
            ChatId = Ids.NewGroupId(),
            Type = ChatTypes.Group,
            Name = DisplayNames.Normalize(request.Name)!,
            Members = memberIds.Select(id => new ChatMember { UserId = id, Role = Roles.Member, JoinedAt = now })
                .Prepend(new ChatMember { UserId = callerId, Role = Roles.Admin, JoinedAt = now }).ToArray(),
            CreatedAt = now,
            LastActivityAt = now,
        };

        var everyone = MemberIds(chat);
        await ListForAsync(everyone, chat.ChatId, now, everyone, ct);
        await chats.TryCreateAsync(chat, ct);
        await MembershipChangedAsync(chat, chat.Members.Select(m => m.UserId).ToArray(), [], ct);
        return ChatViews.ToView(chat, callerId, new Dictionary<string, ReceiptState>(), time.GetUtcNow());
    }

    /// <summary>Cost: 1 single-partition query (head and receipt states; metadata from the instance's cache) and
    /// 1 point read of the caller's list entry (their settings).</summary>
    public async Task<ChatView> GetAsync(string callerId, string chatId, CancellationToken ct)
    {
        var entry = users.GetChatEntryAsync(callerId, chatId, ct); // the caller's own partition: nothing to probe
        var snapshot = await LoadVisibleAsync(callerId, chatId, StatesToRead.Everyone, ct);
        return ChatViews.ToView(snapshot.Value, callerId, snapshot.StatesByUser, time.GetUtcNow(), await entry);
    }

    /// <summary>The caller's chats, pinned ones first, then by most recent activity. Cost per page, whatever the number
    /// of chats: 1 Redis round trip for the page of the caller's order (sorted and cut by the store, placements
    /// included) and 1 ReadMany of the page's heads and receipt states (a query-plan request and 1 query): 2 Cosmos
    /// requests (metadata from the instance's cache; chats it has not cached cost 1 more ReadMany). An order that is not
    /// loaded is loaded first (<see cref="LoadOrderAsync"/>). The order lags activity by at most ~1 s
    /// (<see cref="ChatListFeed"/>); what each chat shows is read from its head.</summary>
    public async Task<ChatPage> ListAsync(string callerId, int? limit, string? cursor, bool archived, CancellationToken ct)
    {
        new Validator().Range("limit", limit, 1, 200).ThrowIfInvalid();
        var take = limit ?? 100;
        var after = ChatCursor.Parse(cursor);

        var slice = await order.ListAsync(callerId, archived, after, take + 1, ct);
        if (slice is null)
        {
            await LoadOrderAsync(callerId, ct);
            slice = await order.ListAsync(callerId, archived, after, take + 1, ct) ?? throw ChatErrors.Unavailable("chat list store", TimeSpan.FromSeconds(1));
        }

        var page = slice.Entries.Take(take).ToArray();
        var snapshots = (await chats.ReadManyAsync(page.Select(e => e.ChatId).ToArray(), ct)).ToDictionary(s => s.Value.ChatId, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var views = page
            .Select(e => (Entry: e, Snapshot: snapshots.GetValueOrDefault(e.ChatId)))
            .Where(p => p.Snapshot is not null && p.Snapshot.Value.Member(callerId) is not null) // one being made, or a removal a touch outran
            .Select(p => ChatViews.ToView(p.Snapshot!.Value, callerId, p.Snapshot.StatesByUser, now, p.Entry))
            .ToArray();
        return new ChatPage(views, slice.Entries.Count > take ? ChatCursor.Format(new ChatListCursor(page[^1], slice.Snapshot)) : null);
    }

    /// <summary>Loads the user's order again from their list entries (placements) and the chats' heads (activity): after
    /// a loss, and once every <c>IChatListOrder</c> retention. Cost: 1 query of the entries (a page per 1,000), 1 ReadMany
    /// of heads per <see cref="LoadChunk"/> chats, 1 Redis round trip per 500. A chat whose head is not there yet (being
    /// made) keeps its entry's activity. (An entry goes when its user leaves; one a failed removal left behind is a chat
    /// the list skips, as it is no member's.)</summary>
    private async Task LoadOrderAsync(string userId, CancellationToken ct)
    {
        var entries = await users.ListAllChatsAsync(userId, ct);
        var activity = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var chunk in entries.Chunk(LoadChunk))
        {
            foreach (var (chatId, at) in await chats.ReadActivityAsync(chunk.Select(e => e.ChatId).ToArray(), ct))
            {
                activity[chatId] = at;
            }
        }

        await order.LoadAsync(userId, entries.Select(e => activity.TryGetValue(e.ChatId, out var at) ? e with { ActivityAt = at } : e).ToArray(), ct);
    }

    private const int LoadChunk = 50;

    /// <summary>
    /// The caller's own settings of a chat (API v1.1). Pinned and archived live in the caller's list entry
    /// (1 point read, a count query before and after pinning, 1 patch); archiving unpins and pinning unarchives. Muting
    /// lives with the member in the chat's metadata, where the push planner already reads it, so a muted
    /// member costs a send nothing (a chat rewrite when it changes). Cost by design (not in the benchmark): 1 query (head and the caller's
    /// receipt state), 1 point read of the entry, then only the writes a change needs.
    /// </summary>
    public async Task<ChatView> UpdateSettingsAsync(string callerId, string chatId, ChatSettingsRequest request, CancellationToken ct)
    {
        var muting = ChatSettings.MutedUntil(request.MutedUntil);
        var snapshot = await LoadVisibleAsync(callerId, chatId, StatesToRead.Of(callerId), ct);
        var chat = snapshot.Value;
        var entry = await users.GetChatEntryAsync(callerId, chatId, ct) ?? throw ChatErrors.ChatNotFound();
        var placed = ChatSettings.Place(entry, request.Pinned, request.Archived);
        if (placed.Pinned && !entry.Pinned && await users.CountPinnedAsync(callerId, ct) >= ChatSettings.MaxPinned)
        {
            throw ChatErrors.Policy($"At most {ChatSettings.MaxPinned} chats can be pinned.");
        }

        if (placed != entry)
        {
            await users.SetPlacementAsync(callerId, chatId, placed.Pinned, placed.Archived, chat.LastActivityAt, ct);
            if (placed.Pinned && !entry.Pinned && await users.CountPinnedAsync(callerId, ct) > ChatSettings.MaxPinned)
            {
                // Two pins at once both passed the count: this one goes back, so there are never more than 3.
                await users.SetPlacementAsync(callerId, chatId, entry.Pinned, entry.Archived, chat.LastActivityAt, ct);
                throw ChatErrors.Policy($"At most {ChatSettings.MaxPinned} chats can be pinned.");
            }
        }

        // Also when the entry had it already: an earlier change whose order write failed is healed by its retry.
        await order.PlaceAsync(callerId, placed with { ActivityAt = chat.LastActivityAt }, ct);

        if (muting is { } mute && chat.Member(callerId)!.MutedUntil != mute.Until)
        {
            chat = await MutateAsync(chatId, c => c.Member(callerId) is { } m ? c with { Members = c.Members.Select(x => x == m ? m with { MutedUntil = mute.Until } : x).ToArray() } : c, ct);
        }

        return ChatViews.ToView(chat, callerId, snapshot.StatesByUser, time.GetUtcNow(), placed);
    }

    /// <summary>Brings each member's chat list up to the chat's last activity and members (the job <see cref="ChatListFeed"/>
    /// queues after membership changes and failed touches). Cost: 1 point read of the head, 1 guarded patch per member,
    /// 1 Redis round trip for the members' orders.</summary>
    public async Task RefreshListsAsync(string chatId, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(chatId) || await chats.GetAsync(chatId, ct) is not { } chat)
        {
            return;
        }

        var at = chat.Value.LastActivityAt;
        var memberIds = MemberIds(chat.Value);
        await Parallel.ForEachAsync(
            memberIds,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (id, token) => await users.TouchChatAsync(id, chatId, at, memberIds, token));
        await order.TouchAsync(chatId, at, memberIds, ct);
    }

    /// <summary>Cost: 1 read and 1 batch replacing the chat's metadata and head.</summary>
    public async Task<ChatView> UpdateGroupAsync(string callerId, string chatId, UpdateGroupRequest request, CancellationToken ct)
    {
        request = request with { Description = UntrustedText.Clean(request.Description) };
        new Validator()
            .Length("name", DisplayNames.Normalize(request.Name), 1, 100, required: false)
            .Length("description", request.Description, 0, 512, required: false)
            .ThrowIfInvalid();
        var chat = await MutateGroupAsync(callerId, chatId, requireAdmin: true, c => c with
        {
            Name = DisplayNames.Normalize(request.Name) ?? c.Name,
            Description = request.Description ?? c.Description,
        }, ct);
        await MembershipChangedAsync(chat, [], [], ct);
        return await ViewAsync(chat, callerId, ct);
    }

    /// <summary>Cost: 1 point read per new member, 1 read and 1 batch replace of the chat, 1 upsert per new member.</summary>
    public async Task<ChatView> AddMembersAsync(string callerId, string chatId, AddMembersRequest request, CancellationToken ct)
    {
        new Validator().Required("userIds", request.UserIds)
            .When(request.UserIds is { Count: 0 }, "userIds", "must name at least one user.")
            .When(request.UserIds?.Any(id => !Ids.IsWellFormed(id)) == true, "userIds", "must be user ids.")
            .ThrowIfInvalid();
        var adding = request.UserIds!.Select(id => id!).Distinct(StringComparer.Ordinal).ToArray();

        await LoadGroupAsync(callerId, chatId, requireAdmin: true, ct);
        BlockRules.EnsureMayInclude(callerId, await EnsureUsersExistAsync(adding, ct));
        var now = time.GetUtcNow();
        var chat = await MutateGroupAsync(callerId, chatId, requireAdmin: true, c => AddMembers(c, adding, now), ct);
        await ListForAsync(adding, chatId, chat.LastActivityAt, MemberIds(chat), ct);
        await MembershipChangedAsync(chat, adding, [], ct);
        return await ViewAsync(chat, callerId, ct);
    }

    /// <summary>An admin removes a member, or a member removes themself (leaving).</summary>
    public async Task RemoveMemberAsync(string callerId, string chatId, string userId, CancellationToken ct)
    {
        var chat = await LoadGroupAsync(callerId, chatId, requireAdmin: false, ct);
        if (userId != callerId && !chat.IsAdmin(callerId))
        {
            throw ChatErrors.Forbidden("Only a group admin can remove other members.");
        }

        if (chat.Member(userId) is null)
        {
            throw ChatErrors.NotFound("member");
        }

        // The list entry goes first: it names the chat's members (whose presence the user may see), so it
        // must never outlive the membership. Should the change then fail, the entry comes back; once it is
        // made, the entry is deleted again (an add racing this removal may have written it meanwhile).
        await UnlistForAsync(userId, chatId, ct);
        ChatRecord after;
        try
        {
            after = await MutateGroupAsync(callerId, chatId, requireAdmin: userId != callerId, c => RemoveMember(c, userId, time.GetUtcNow()), ct);
        }
        catch (ChatException)
        {
            await RestoreEntryAsync(userId, chatId, ct);
            throw;
        }

        await UnlistForAsync(userId, chatId, ct);
        await MembershipChangedAsync(after, [], [userId], ct);
    }

    public Task LeaveAsync(string callerId, string chatId, CancellationToken ct) => RemoveMemberAsync(callerId, chatId, callerId, ct);

    public async Task<ChatView> PromoteAdminAsync(string callerId, string chatId, string userId, CancellationToken ct)
    {
        var chat = await MutateGroupAsync(callerId, chatId, requireAdmin: true, c =>
        {
            if (c.Member(userId) is null)
            {
                throw ChatErrors.NotFound("member");
            }

            return c with { Members = c.Members.Select(m => m.UserId == userId ? m with { Role = Roles.Admin } : m).ToArray() };
        }, ct);
        await MembershipChangedAsync(chat, [], [], ct);
        return await ViewAsync(chat, callerId, ct);
    }

    /// <summary>A new invite code; the previous one stops working. Cost: 1 read + 1 replace of the chat,
    /// 1 upsert and 1 delete in the directory.</summary>
    public async Task<InviteView> CreateInviteAsync(string callerId, string chatId, CancellationToken ct)
    {
        await LoadGroupAsync(callerId, chatId, requireAdmin: true, ct);
        var code = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');
        string? previous = null;
        await directory.SetInviteAsync(code, chatId, ct);
        await MutateGroupAsync(callerId, chatId, requireAdmin: true, c =>
        {
            previous = c.InviteCode;
            return c with { InviteCode = code };
        }, ct);
        if (previous is not null)
        {
            await directory.DeleteInviteAsync(previous, ct);
        }

        return new InviteView(code);
    }

    /// <summary>Joins by invite code. Cost: 1 directory read, 1 read + 1 batch replace of the chat, 1 upsert.</summary>
    public async Task<ChatView> JoinAsync(string callerId, JoinGroupRequest request, CancellationToken ct)
    {
        new Validator().Length("inviteCode", request.InviteCode, 1, 64).ThrowIfInvalid();
        await limiter.AcquireAsync(limits.Value.GroupJoins, callerId, ct);
        var chatId = await directory.FindInviteAsync(request.InviteCode!, ct) ?? throw ChatErrors.NotFound("invite code");
        var current = await chats.GetAsync(chatId, ct);
        if (current is null || current.Value.InviteCode != request.InviteCode)
        {
            throw ChatErrors.NotFound("invite code");
        }

        if (current.Value.Member(callerId) is not null)
        {
            return await ViewAsync(current.Value, callerId, ct);
        }

        var now = time.GetUtcNow();
        var chat = await MutateAsync(chatId, c =>
        {
            if (c.InviteCode != request.InviteCode)
            {
                throw ChatErrors.NotFound("invite code");
            }

            return c.Member(callerId) is null ? AddMembers(c, [callerId], now) : c;
        }, ct);
        await ListForAsync([callerId], chatId, chat.LastActivityAt, MemberIds(chat), ct);
        await MembershipChangedAsync(chat, [callerId], [], ct);
        return await ViewAsync(chat, callerId, ct);
    }

    /// <summary>Puts the caller's block of <paramref name="userId"/> on their direct chat, or takes it off, when the chat exists,
    /// and takes the user out of the caller's presence group or puts them back, also when the chat already said so (so a retry
    /// completes a group change that was lost). Cost by design (not in the benchmark): 1 point read of its head and 1 REST call;
    /// 1 read and 1 batch replace more when it changes.</summary>
    public async Task SetBlockAsync(string callerId, string userId, bool blocked, CancellationToken ct)
    {
        var chatId = Ids.DirectChatId(callerId, userId);
        if (await chats.GetAsync(chatId, ct) is not { } chat)
        {
            return;
        }

        var current = ReferenceEquals(BlockRules.WithBlock(chat.Value, callerId, blocked), chat.Value)
            ? chat.Value
            : await MutateAsync(chatId, c => BlockRules.WithBlock(c, callerId, blocked), ct);
        var place = PresenceGroups.Implied(current).Where(c => c.UserId == userId).ToArray(); // the user's place in the caller's group
        await realtime.ApplyAsync(place, CancellationToken.None); // committed: a caller who goes away must not cancel it
    }

    /// <summary>
    /// Sets the disappearing-messages timer (API v1.1): any member of a direct chat, an admin of a group (403 otherwise).
    /// Messages sent from now on carry <c>expiresAt</c>; those sent before keep theirs. Members get a <c>chat</c> event.
    /// Cost by design (not in the benchmark): 1 query (head and states), 1 read and 1 batch replace when it changes, 1 point read of the caller's entry.
    /// </summary>
    public async Task<ChatView> SetTimerAsync(string callerId, string chatId, TimerRequest request, CancellationToken ct)
    {
        new Validator().When(request.Seconds is not { } s || !MessageTimers.Allowed.Contains(s), "seconds", "must be 0, 86400, 604800 or 7776000.").ThrowIfInvalid();
        var loaded = await LoadVisibleAsync(callerId, chatId, ct);
        if (loaded.Type == ChatTypes.Group && !loaded.IsAdmin(callerId))
        {
            throw ChatErrors.Forbidden("Only a group admin can set the timer.");
        }

        var seconds = request.Seconds!.Value;
        var chat = await MutateAsync(chatId, c => c.Member(callerId) is null ? throw ChatErrors.ChatNotFound() : c.MessageTimer == seconds ? c : c with { MessageTimer = seconds, TimerFromSeq = MessageTimers.FromSeqAfterChange(c, seconds) }, ct);
        await MembershipChangedAsync(chat, [], [], ct);
        return await ViewAsync(chat, callerId, ct);
    }

    /// <summary>The chat when the caller belongs to it (1 point read of its head), null otherwise.</summary>
    public async Task<ChatRecord?> GetIfMemberAsync(string callerId, string chatId, CancellationToken ct) =>
        (await chats.GetAsync(chatId, ct))?.Value is { } chat && chat.Member(callerId) is not null ? chat : null;

    /// <summary>Loads a chat the caller belongs to (1 point read of its head); 404 otherwise, so chats cannot be probed.</summary>
    public async Task<ChatRecord> LoadVisibleAsync(string callerId, string chatId, CancellationToken ct) =>
        (await LoadVersionedAsync(callerId, chatId, ct)).Value;

    /// <summary>As <see cref="LoadVisibleAsync(string, string, CancellationToken)"/>, with the version a write goes under.</summary>
    public async Task<Versioned<ChatRecord>> LoadVersionedAsync(string callerId, string chatId, CancellationToken ct)
    {
        var chat = Ids.IsWellFormed(chatId) ? await chats.GetAsync(chatId, ct) : null;
        return chat is not null && chat.Value.Member(callerId) is not null ? chat : throw ChatErrors.ChatNotFound();
    }

    /// <summary>As <see cref="LoadVisibleAsync(string, string, CancellationToken)"/>, with receipt states, in 1 query.</summary>
    public async Task<ChatSnapshot> LoadVisibleAsync(string callerId, string chatId, StatesToRead states, CancellationToken ct)
    {
        var snapshot = Ids.IsWellFormed(chatId) ? await chats.ReadAsync(chatId, states, ct) : null;
        return snapshot is not null && snapshot.Value.Member(callerId) is not null ? snapshot : throw ChatErrors.ChatNotFound();
    }

    /// <summary>Applies a change to the chat with optimistic concurrency; a conflict (a send or another
    /// change landed meanwhile) reads it again, under <see cref="Backoff.Contention"/>.</summary>
    public async Task<ChatRecord> MutateAsync(string chatId, Func<ChatRecord, ChatRecord> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await chats.GetAsync(chatId, ct) ?? throw ChatErrors.ChatNotFound();
            var changed = change(stored.Value);
            if (ReferenceEquals(changed, stored.Value) || await chats.TryReplaceAsync(changed, stored.ETag, ct))
            {
                return changed;
            }

            await Backoff.Contention.PauseAsync(attempt, "chat store (contention)", ct);
        }
    }

    private ChatRecord AddMembers(ChatRecord chat, IReadOnlyCollection<string> userIds, DateTimeOffset now)
    {
        var added = userIds.Where(id => chat.Member(id) is null)
            .Select(id => new ChatMember { UserId = id, Role = Roles.Member, JoinedAt = now, JoinedAfterSeq = chat.LastSeq })
            .ToArray();
        if (chat.Members.Count + added.Length > MaxMembers)
        {
            throw ChatErrors.Policy($"A group has at most {MaxMembers} members.");
        }

        return added.Length == 0 ? chat : chat with { Members = [.. chat.Members, .. added], LastActivityAt = Later(chat.LastActivityAt, now) };
    }

    /// <summary>A membership change is activity: the chat moves up in the lists, and the members on the list
    /// entries follow it (a list entry only ever takes a newer activity, with its members).</summary>
    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static ChatRecord RemoveMember(ChatRecord chat, string userId, DateTimeOffset now)
    {
        var leaving = chat.Member(userId);
        if (leaving is null)
        {
            return chat;
        }

        var remaining = chat.Members.Where(m => m.UserId != userId).ToList();
        if (leaving.Role == Roles.Admin && remaining.Count > 0 && remaining.All(m => m.Role != Roles.Admin))
        {
            // The last admin left: the longest-standing member takes over.
            var heir = remaining.OrderBy(m => m.JoinedAt).ThenBy(m => m.JoinedAfterSeq).First();
            remaining[remaining.IndexOf(heir)] = heir with { Role = Roles.Admin };
        }

        // Past memberships stay bounded; a message older than the oldest kept one just counts fewer members.
        var past = chat.PastMembers.Append(new PastMember(userId, leaving.JoinedAfterSeq, chat.LastSeq)).TakeLast(200).ToArray();
        return chat with { Members = remaining, PastMembers = past, LastActivityAt = Later(chat.LastActivityAt, now) };
    }

    private async Task<ChatRecord> LoadGroupAsync(string callerId, string chatId, bool requireAdmin, CancellationToken ct)
    {
        var chat = await LoadVisibleAsync(callerId, chatId, ct);
        CheckGroup(chat, callerId, requireAdmin);
        return chat;
    }

    private Task<ChatRecord> MutateGroupAsync(string callerId, string chatId, bool requireAdmin, Func<ChatRecord, ChatRecord> change, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(chatId))
        {
            throw ChatErrors.ChatNotFound();
        }

        return MutateAsync(chatId, c =>
        {
            if (c.Member(callerId) is null)
            {
                throw ChatErrors.ChatNotFound();
            }

            CheckGroup(c, callerId, requireAdmin);
            return change(c);
        }, ct);
    }

    private static void CheckGroup(ChatRecord chat, string callerId, bool requireAdmin)
    {
        if (chat.Type != ChatTypes.Group)
        {
            throw ChatErrors.NotFound("group");
        }

        if (requireAdmin && !chat.IsAdmin(callerId))
        {
            throw ChatErrors.Forbidden("Only a group admin can do this.");
        }
    }

    /// <summary>The profiles of the users (404 when one does not exist).</summary>
    private async Task<IReadOnlyList<UserAccount>> EnsureUsersExistAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var found = await users.GetManyAsync(userIds, ct);
        var missing = userIds.Except(found.Select(u => u.UserId), StringComparer.Ordinal).ToArray();
        return missing.Length > 0 ? throw ChatErrors.NotFound("user " + missing[0]) : found;
    }

    /// <summary>Keeps the chat's real-time group in step (and, for a new direct chat, its members' presence groups) and tells
    /// the members (and those removed) what the chat now is. Cost: 1 REST call per change (queued when it fails), 1 group send,
    /// 1 user send per removed member.</summary>
    private async Task MembershipChangedAsync(ChatRecord chat, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed, CancellationToken ct)
    {
        var changes = added.Select(id => new GroupChange(chat.ChatId, id, Add: true))
            .Concat(removed.Select(id => new GroupChange(chat.ChatId, id, Add: false)))
            .Concat(added.Count > 0 ? PresenceGroups.Implied(chat) : [])
            .ToArray();
        if (changes.Length > 0)
        {
            await realtime.ApplyAsync(changes, ct);
        }

        if (removed.Count > 0 || added.Count < chat.Members.Count)
        {
            await RefreshListsLaterAsync(chat.ChatId, ct); // the members on everyone else's list entries (contacts)
        }

        var view = ChatViews.ToView(chat, viewerId: null, new Dictionary<string, ReceiptState>(), time.GetUtcNow());
        await realtime.SendToGroupAsync(chat.ChatId, ClientMethods.Chat, view, ct);
        if (removed.Count > 0)
        {
            await realtime.SendToUsersAsync(removed, ClientMethods.Chat, view, ct);
        }
    }

    /// <summary>Puts a still-member's list entry back after a removal that did not happen (best effort).</summary>
    private async Task RestoreEntryAsync(string userId, string chatId, CancellationToken ct)
    {
        try
        {
            if ((await chats.GetAsync(chatId, ct))?.Value is { } chat && chat.Member(userId) is not null)
            {
                await ListForAsync([userId], chatId, chat.LastActivityAt, MemberIds(chat), ct);
            }
        }
        catch (ChatException)
        {
            // the store is down too: the entry comes back with the member's next join or the chat's next change
        }
    }

    /// <summary>Queues the list refresh; the change itself is done, so an unreachable queue only delays who sees
    /// whose presence until the chat's next message.</summary>
    private async Task RefreshListsLaterAsync(string chatId, CancellationToken ct)
    {
        try
        {
            await chatLists.NoteMembersChangedAsync(chatId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // the change is made; the next message of the chat queues the refresh again
        }
    }

    /// <summary>Lists the chat for the users: their list entries (1 create each; one they have stays as it is), then
    /// their orders (1 Redis round trip; a place they have stays too).</summary>
    private async Task ListForAsync(IReadOnlyCollection<string> userIds, string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> memberIds, CancellationToken ct)
    {
        await Task.WhenAll(userIds.Select(id => users.AddChatAsync(id, chatId, activityAt, memberIds, ct)));
        try
        {
            await order.AddAsync(chatId, activityAt, userIds, ct);
        }
        catch (ChatException)
        {
            await RefreshListsLaterAsync(chatId, ct); // the queued refresh adds the chat to every member's order
        }
    }

    /// <summary>Takes the chat off the user's list: the entry (1 delete), then its place in their order (1 Redis round trip;
    /// should that fail, the place left is no member's chat, so the list skips it, and the order's next load drops it).</summary>
    private async Task UnlistForAsync(string userId, string chatId, CancellationToken ct)
    {
        await users.RemoveChatAsync(userId, chatId, ct);
        try
        {
            await order.RemoveAsync(userId, chatId, ct);
        }
        catch (ChatException)
        {
            // skipped by the list (see the summary)
        }
    }

    private static string[] MemberIds(ChatRecord chat) => chat.Members.Select(m => m.UserId).ToArray();

    /// <summary>The caller's view after a change: 1 query for the receipt states, 1 point read of their list entry (settings).</summary>
    private async Task<ChatView> ViewAsync(ChatRecord chat, string callerId, CancellationToken ct)
    {
        var states = receipts.ListAsync(chat.ChatId, ct);
        var entry = users.GetChatEntryAsync(callerId, chat.ChatId, ct);
        return ChatViews.ToView(chat, callerId, MessageViews.ByUser(await states), time.GetUtcNow(), await entry);
    }
}
