namespace Chat.Core.Push;

using System.Globalization;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Push notifications for members who are not online (API.md: no activity for 60 s).
/// <para>On send (<see cref="PlanAsync"/>): one queue message per message, never one call per
/// recipient. Chats with few recipients have presence read first (1 Redis MGET)
/// and queue nothing when everyone is online; larger groups queue every other member and leave the
/// presence check to the dispatcher, so the request path stays O(1) in group size. A failure here is
/// logged and never fails the send.</para>
/// <para>Dispatch (<see cref="DispatchAsync"/>, queue-triggered, at least once): 3 point reads (chat,
/// message, sender), 1 for the push log, 1 Redis MGET for presence, then 1 hub send per 20
/// offline recipients (one template send reaches every platform) and 1 push-log upsert per send.
/// Idempotent per (chat, seq, recipient); transient failures are retried with exponential back-off,
/// permanent ones and exhausted retries go to the poison queue.</para>
/// </summary>
public sealed partial class PushService(
    IChatStore chats,
    IMessageStore messages,
    IUserStore users,
    IPresenceStore presence,
    IPushHub hub,
    IPushJobs jobs,
    IPushLog log,
    IOptions<PushOptions> options,
    TimeProvider time,
    ILogger<PushService> logger,
    ChatMetrics metrics)
{
    /// <summary>A Notification Hubs tag expression holds at most 20 tags.</summary>
    public const int TagsPerSend = 20;

    /// <summary>A stream of messages notifies at least once per this many collapse windows.</summary>
    public const int CollapseSpans = 10;

    private PushOptions Options => options.Value;

    /// <summary>Queues the push job of a message just stored in <paramref name="chat"/>.</summary>
    public async Task PlanAsync(ChatRecord chat, MessageRecord message, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var recipients = chat.Members.Where(m => m.UserId != message.SenderId && !m.IsMutedAt(now)).Select(m => m.UserId).ToArray(); // muted: no push
        if (recipients.Length == 0)
        {
            return;
        }

        IReadOnlyList<string> offline = recipients;
        if (recipients.Length <= Options.InlinePresenceLimit)
        {
            offline = await OfflineAsync(chat.ChatId, message.Seq, recipients, ct);
            if (offline.Count == 0)
            {
                return;
            }
        }

        try
        {
            await jobs.EnqueueAsync(new PushJob(chat.ChatId, message.Seq, offline), Options.CollapseWindow, ct);
        }
        catch (PushDeliveryException e)
        {
            LogEnqueueFailed(logger, e, chat.ChatId, message.Seq);
        }
    }

    /// <summary>Sends the job's notifications (see the class summary for its cost and guarantees).</summary>
    public async Task DispatchAsync(PushJob job, CancellationToken ct)
    {
        var chat = (await chats.GetAsync(job.ChatId, ct))?.Value;
        var message = chat is null ? null : await messages.GetAsync(job.ChatId, job.Seq, ct);
        if (chat is null || message is null || message.Deleted)
        {
            return;
        }

        if (await IsSupersededAsync(chat, message, ct))
        {
            LogCollapsed(logger, job.ChatId, job.Seq);
            return;
        }

        var notified = await log.GetNotifiedAsync(job.ChatId, job.Seq, ct);

        // Only current members who could see the message, and nobody twice.
        var candidates = job.RecipientIds
            .Where(id => id != message.SenderId && !notified.Contains(id) && chat.Member(id) is { } m && m.Sees(message.Seq) && !m.IsMutedAt(time.GetUtcNow()))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var offline = candidates.Length == 0 ? [] : await OfflineAsync(job.ChatId, job.Seq, candidates, ct);
        if (offline.Count == 0)
        {
            return;
        }

        var sender = (await users.GetAsync(message.SenderId, ct))?.Value.DisplayName;
        var notification = Compose(chat, message, sender, Options.PreviewLength);
        var done = new HashSet<string>(notified, StringComparer.Ordinal);
        foreach (var batch in offline.Order(StringComparer.Ordinal).Chunk(TagsPerSend))
        {
            try
            {
                await hub.SendAsync(notification, batch, ct);
            }
            catch (PushDeliveryException e)
            {
                await RetryOrPoisonAsync(job with { RecipientIds = offline.Where(id => !done.Contains(id)).ToArray() }, e, ct);
                return;
            }

            metrics.PushHandedToHub(chat.Type, time.GetUtcNow() - message.SentAt);
            done.UnionWith(batch);
            await log.SetNotifiedAsync(job.ChatId, job.Seq, done, ct);
        }

        LogSent(logger, job.ChatId, job.Seq, offline.Count);
    }

    /// <summary>
    /// The notification of a message: the sender (direct chat) or the group as title, a text preview
    /// or a media label as body (a group's body names the sender), and the chat and seq to open.
    /// </summary>
    public static PushNotification Compose(ChatRecord chat, MessageRecord message, string? senderName, int previewLength)
    {
        var sender = Clean(senderName) is { Length: > 0 } name ? name : "Someone";
        var preview = Preview(message, previewLength);
        return chat.Type == ChatTypes.Group
            ? new PushNotification(Clean(chat.Name) is { Length: > 0 } group ? group : "Group", $"{sender}: {preview}", chat.ChatId, message.Seq)
            : new PushNotification(sender, preview, chat.ChatId, message.Seq);
    }

    /// <summary>The body text: the message's text cut to <paramref name="previewLength"/>, or for media
    /// an icon with the caption or a label ("📷 Photo", "📄 report.pdf").</summary>
    public static string Preview(MessageRecord message, int previewLength)
    {
        var caption = Truncate(Clean(message.Text), previewLength);
        var (icon, label) = message.Type switch
        {
            MessageTypes.Image => ("📷", "Photo"),
            MessageTypes.Video => ("🎥", "Video"),
            MessageTypes.Audio => ("🎤", "Audio"),
            MessageTypes.File => ("📄", Truncate(Clean(message.Media?.FileName), previewLength) is { Length: > 0 } name ? name : "Document"),
            _ => ((string?)null, (string?)null),
        };
        if (icon is null)
        {
            return caption.Length > 0 ? caption : "New message";
        }

        return caption.Length > 0 && message.Type != MessageTypes.File ? $"{icon} {caption}" : $"{icon} {label}";
    }

    private static string Clean(string? text) =>
        text is null ? string.Empty : new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();

    /// <summary>Cuts at a text-element boundary (never inside an emoji or a surrogate pair).</summary>
    private static string Truncate(string text, int length)
    {
        var info = new StringInfo(text);
        return info.LengthInTextElements <= length ? text : info.SubstringByTextElements(0, length - 1) + "…";
    }

    /// <summary>
    /// Trailing-edge collapse: when the next message of the chat followed this one within the collapse
    /// window, its own job covers this one's recipients (but its sender, who is active), so a burst, or a
    /// steady stream, becomes one notification. So that an endless stream still notifies, time is cut into
    /// spans of <see cref="CollapseSpans"/> windows and a message never collapses into one of the next span.
    /// Cost: nothing when this is the newest message, else the next one is the chat's last (no read) or
    /// 1 point read.
    /// </summary>
    private async Task<bool> IsSupersededAsync(ChatRecord chat, MessageRecord message, CancellationToken ct)
    {
        var window = Options.CollapseWindow;
        if (window <= TimeSpan.Zero || chat.LastSeq <= message.Seq)
        {
            return false;
        }

        var next = chat.LastMessage?.Seq == message.Seq + 1 ? chat.LastMessage : await messages.GetAsync(chat.ChatId, message.Seq + 1, ct);
        var span = window.Ticks * CollapseSpans;
        return next is { Deleted: false }
            && next.SentAt - message.SentAt <= window
            && next.SentAt.UtcTicks / span == message.SentAt.UtcTicks / span;
    }

    /// <summary>The users not online (1 MGET); all of them when presence cannot be read, as a push too
    /// many beats a message nobody hears of.</summary>
    private async Task<IReadOnlyList<string>> OfflineAsync(string chatId, long seq, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        IReadOnlyDictionary<string, DateTimeOffset> active;
        try
        {
            active = await presence.GetLastActiveAsync(userIds, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogPresenceUnavailable(logger, e, chatId, seq);
            return userIds.ToArray();
        }

        var now = time.GetUtcNow();
        return userIds.Where(id => !active.TryGetValue(id, out var at) || now - at >= PresenceService.OnlineWindow).ToArray();
    }

    private async Task RetryOrPoisonAsync(PushJob remaining, PushDeliveryException error, CancellationToken ct)
    {
        var next = remaining with { Attempt = remaining.Attempt + 1 };
        if (!error.Transient || Options.Retry.Exhausted(next.Attempt))
        {
            await jobs.PoisonAsync(remaining, ct);
            LogPoisoned(logger, error, remaining.ChatId, remaining.Seq, next.Attempt);
            return;
        }

        var delay = Options.Retry.DelayBefore(next.Attempt);
        await jobs.EnqueueAsync(next, delay, ct);
        LogRetrying(logger, error, remaining.ChatId, remaining.Seq, next.Attempt, delay);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of chat {ChatId} seq {Seq} could not be read; every recipient counts as offline")]
    private static partial void LogPresenceUnavailable(ILogger logger, Exception exception, string chatId, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "The push job of chat {ChatId} seq {Seq} could not be queued")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string chatId, long seq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Push of chat {ChatId} seq {Seq} collapsed into a later message")]
    private static partial void LogCollapsed(ILogger logger, string chatId, long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed chat {ChatId} seq {Seq} to {Count} offline members")]
    private static partial void LogSent(ILogger logger, string chatId, long seq, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push of chat {ChatId} seq {Seq} failed; attempt {Attempt} in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string chatId, long seq, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Push of chat {ChatId} seq {Seq} failed for good after {Attempts} attempts; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, Exception exception, string chatId, long seq, int attempts);
}
