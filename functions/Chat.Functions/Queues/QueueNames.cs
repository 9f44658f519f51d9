namespace Chat.Functions.Queues;

/// <summary>Storage queues of the app (their <c>-poison</c> twins hold what failed five times).</summary>
public static class QueueNames
{
    /// <summary>Real-time group membership changes that could not be applied at once.</summary>
    public const string RealtimeGroups = "realtime-groups";

    /// <summary>Closings of revoked sessions' real-time connections that could not be made at once.</summary>
    public const string SessionCloses = "realtime-session-closes";

    /// <summary>Images waiting for their thumbnail.</summary>
    public const string MediaThumbnails = "media-thumbnails";

    /// <summary>Push jobs: one per message with offline recipients.</summary>
    public const string PushNotifications = "push-notifications";

    /// <summary>Chat-list refreshes: after membership changes (the members on the users' list entries), and for a touch of the chat-list orders that failed.</summary>
    public const string ChatLists = "chat-lists";

    /// <summary>The app setting (or settings prefix) of the queues' storage account, as Functions names it.</summary>
    public const string Connection = "AzureWebJobsStorage";
}
