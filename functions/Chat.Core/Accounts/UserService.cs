namespace Chat.Core.Accounts;

using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Microsoft.Extensions.Options;

/// <summary>Profiles: read, update, contact lookup by phone number.</summary>
public sealed class UserService(IUserStore users, IDirectoryStore directory, PresenceService presence, MediaService media, IRateLimiter limiter, IOptions<LimitsOptions> limits)
{
    /// <summary>Cost: 1 point read (profile) and 1 Redis round trip (presence).</summary>
    public async Task<UserView> GetMeAsync(string callerId, CancellationToken ct) =>
        await presence.DescribeAsync(callerId, await LoadAsync(callerId, ct), withPhone: true, ct);

    /// <summary>Cost: 1 point read, 1 replace (retried on a concurrent change).</summary>
    public async Task<UserView> UpdateMeAsync(string callerId, UpdateProfileRequest request, CancellationToken ct)
    {
        request = request with { About = UntrustedText.Clean(request.About) };
        new Validator()
            .Length("displayName", DisplayNames.Normalize(request.DisplayName), 1, 64, required: false)
            .Length("about", request.About, 0, 140, required: false)
            .When(request.AvatarMediaId is not null && !Ids.IsWellFormed(request.AvatarMediaId), "avatarMediaId", "is not a media id.")
            .When(
                request.LastSeenVisibility is not null and not (LastSeenVisibility.Everyone or LastSeenVisibility.Nobody),
                "lastSeenVisibility",
                "must be \"everyone\" or \"nobody\".")
            .ThrowIfInvalid();
        if (request.AvatarMediaId is not null)
        {
            await media.ClaimAvatarAsync(callerId, request.AvatarMediaId, ct);
        }

        // Presence reads cache the choice beside it, with its version (one more per change, so the newest wins there
        // whatever order writers arrive in). Hiding is written there before the profile (503 without the cache: it must
        // never be lost); showing again after the profile, best effort: until it lands (or the next comeback rewrites
        // the cache from the profile) the cache errs on the hidden side.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await users.GetAsync(callerId, ct) ?? throw ChatErrors.Unauthorized("The account no longer exists.");
            var updated = stored.Value with
            {
                DisplayName = DisplayNames.Normalize(request.DisplayName) ?? stored.Value.DisplayName,
                About = request.About ?? stored.Value.About,
                AvatarMediaId = request.AvatarMediaId ?? stored.Value.AvatarMediaId,
                LastSeenVisibility = request.LastSeenVisibility ?? stored.Value.LastSeenVisibility,
                LastSeenVisibilityVersion = stored.Value.LastSeenVisibilityVersion + (request.LastSeenVisibility is null ? 0 : 1),
            };
            if (request.LastSeenVisibility == LastSeenVisibility.Nobody)
            {
                await presence.SetVisibilityAsync(callerId, updated.LastSeenChoice(), ct);
            }

            if (await users.TryReplaceAsync(updated, stored.ETag, ct))
            {
                await CacheShownAsync(updated, request.LastSeenVisibility, ct);
                return await presence.DescribeAsync(callerId, updated, withPhone: true, ct);
            }
        }

        throw ChatErrors.Unavailable("user store", TimeSpan.FromSeconds(1));
    }

    /// <summary>Showing last seen again is written to the cache after the profile, best effort: the profile is
    /// saved, so the call succeeds; a write that fails leaves the user hidden (the safe side) until their next
    /// comeback rewrites the cache from the profile (<see cref="PresenceService"/>). Hiding was cached before.</summary>
    private async Task CacheShownAsync(UserAccount updated, string? changedTo, CancellationToken ct)
    {
        if (changedTo is null || changedTo == LastSeenVisibility.Nobody)
        {
            return;
        }

        try
        {
            await presence.SetVisibilityAsync(updated.UserId, updated.LastSeenChoice(), ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            // healed on the next comeback
        }
    }

    /// <summary>Another user's profile, without the phone number; presence only for chat partners.
    /// Cost: 1 point read, and 1 single-partition query (the caller's contacts) + 1 Redis round trip for presence.</summary>
    public async Task<UserView> GetAsync(string callerId, string userId, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(userId))
        {
            throw ChatErrors.NotFound("user");
        }

        var user = await users.GetAsync(userId, ct) ?? throw ChatErrors.NotFound("user");
        return await presence.DescribeAsync(callerId, user.Value, withPhone: userId == callerId, ct);
    }

    /// <summary>Finds the registered numbers among up to 1,000. Cost: one point read per number
    /// (parallel) plus one per match; ~1 RU each.</summary>
    public async Task<IReadOnlyList<UserView>> LookupAsync(string callerId, LookupRequest request, CancellationToken ct)
    {
        var max = limits.Value.LookupMaxNumbers;
        var numbers = request.PhoneNumbers ?? throw ChatErrors.Invalid("phoneNumbers", "is required.");

        // The cap first, then each number: an over-long list is refused before any of it is looked at.
        if (numbers.Count > max)
        {
            throw ChatErrors.Invalid("phoneNumbers", $"must hold at most {max} numbers.");
        }

        if (!numbers.All(PhoneNumbers.IsE164))
        {
            throw ChatErrors.Invalid("phoneNumbers", "must all be E.164 numbers.");
        }

        await limiter.AcquireAsync(limits.Value.Lookups, callerId, ct);

        var found = await directory.FindUserIdsByPhoneAsync(numbers.Select(n => n!).Distinct(StringComparer.Ordinal).ToArray(), ct);
        var accounts = await users.GetManyAsync(found.Values.ToArray(), ct);
        var shown = await presence.ResolveAsync(callerId, accounts, ct);
        return accounts.Select(a => UserViews.Public(a, shown[a.UserId].Online, shown[a.UserId].LastSeen, withPhone: true)).ToArray();
    }

    private async Task<UserAccount> LoadAsync(string userId, CancellationToken ct) =>
        (await users.GetAsync(userId, ct))?.Value ?? throw ChatErrors.Unauthorized("The account no longer exists.");
}
