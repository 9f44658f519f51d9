namespace Chat.Core.Accounts;

public static class UserViews
{
    public static string? AvatarUrl(string? mediaId) => mediaId is null ? null : "/api/media/" + mediaId;

    /// <summary>The account as its owner sees it (with the phone number).</summary>
    public static UserView Self(UserAccount user, bool online = false, DateTimeOffset? lastSeen = null) =>
        new(user.UserId, user.PhoneNumber, user.DisplayName, user.About, AvatarUrl(user.AvatarMediaId), online, lastSeen);

    /// <summary>The account as another user sees it; presence only when it may be shown.</summary>
    public static UserView Public(UserAccount user, bool online, DateTimeOffset? lastSeen, bool withPhone = false) =>
        user.LastSeenVisibility == LastSeenVisibility.Nobody
            ? new(user.UserId, withPhone ? user.PhoneNumber : null, user.DisplayName, user.About, AvatarUrl(user.AvatarMediaId), false, null)
            : new(user.UserId, withPhone ? user.PhoneNumber : null, user.DisplayName, user.About, AvatarUrl(user.AvatarMediaId), online, lastSeen);
}
