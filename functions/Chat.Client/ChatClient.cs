namespace Chat.Client;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>
/// A typed client of the chat API. One instance is one signed-in user (or none): it keeps the
/// tokens it gets from <see cref="LoginAsync"/> and sends the access token on every call.
/// </summary>
public sealed class ChatClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public HttpClient Http { get; } = http;

    public Tokens? Tokens { get; private set; }

    public string UserId => Tokens?.UserId ?? throw new InvalidOperationException("Not signed in.");

    /// <summary>Uses the given tokens for later calls (e.g. from another client instance).</summary>
    public ChatClient WithTokens(Tokens? tokens)
    {
        Tokens = tokens;
        return this;
    }

    // Auth
    public Task<RegisterResult> RegisterAsync(string phoneNumber, string displayName, string password, CancellationToken ct = default) =>
        SendAsync<RegisterResult>(HttpMethod.Post, "api/auth/register", new { phoneNumber, displayName, password }, ct);

    /// <summary>Pass the <see cref="RegisterResult.RegistrationId"/> the code was sent for; without it the
    /// server refuses the code while more than one registration of the number is pending.</summary>
    public Task<User> VerifyAsync(string phoneNumber, string code, string? registrationId = null, CancellationToken ct = default) =>
        SendAsync<User>(HttpMethod.Post, "api/auth/verify", new { phoneNumber, code, registrationId }, ct);

    public async Task<Tokens> LoginAsync(string phoneNumber, string password, CancellationToken ct = default) =>
        Tokens = await SendAsync<Tokens>(HttpMethod.Post, "api/auth/login", new { phoneNumber, password }, ct);

    /// <summary>Signs in as one named device (API v1.1): the name shows in the sessions list.</summary>
    public async Task<Tokens> LoginAsync(string phoneNumber, string password, string deviceName, CancellationToken ct = default) =>
        Tokens = await SendAsync<Tokens>(HttpMethod.Post, "api/auth/login", new { phoneNumber, password, deviceName }, ct);

    public Task<List<Session>> ListSessionsAsync(CancellationToken ct = default) =>
        SendAsync<List<Session>>(HttpMethod.Get, "api/users/me/sessions", null, ct);

    public Task RevokeSessionAsync(string sessionId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/users/me/sessions/{Esc(sessionId)}", null, ct);

    public Task BlockAsync(string userId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/users/me/blocked/{Esc(userId)}", null, ct);

    public Task UnblockAsync(string userId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/users/me/blocked/{Esc(userId)}", null, ct);

    public Task<List<User>> ListBlockedAsync(CancellationToken ct = default) =>
        SendAsync<List<User>>(HttpMethod.Get, "api/users/me/blocked", null, ct);

    public async Task<Tokens> RefreshAsync(string? refreshToken = null, CancellationToken ct = default) =>
        Tokens = await SendAsync<Tokens>(HttpMethod.Post, "api/auth/refresh", new { refreshToken = refreshToken ?? Tokens?.RefreshToken }, ct);

    public Task LogoutAsync(string? installationId = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/auth/logout", new { refreshToken = Tokens?.RefreshToken, installationId }, ct);

    // Users
    public Task<User> GetMeAsync(CancellationToken ct = default) => SendAsync<User>(HttpMethod.Get, "api/users/me", null, ct);

    public Task<User> UpdateMeAsync(ProfileUpdate update, CancellationToken ct = default) => SendAsync<User>(HttpMethod.Patch, "api/users/me", update, ct);

    public Task<User> GetUserAsync(string userId, CancellationToken ct = default) => SendAsync<User>(HttpMethod.Get, $"api/users/{Esc(userId)}", null, ct);

    public Task<List<User>> LookupAsync(IEnumerable<string> phoneNumbers, CancellationToken ct = default) =>
        SendAsync<List<User>>(HttpMethod.Post, "api/users/lookup", new { phoneNumbers }, ct);

    // Chats and groups
    public Task<ChatList> ListChatsAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        SendAsync<ChatList>(HttpMethod.Get, "api/chats" + Query(("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)), null, ct);

    public Task<ChatList> ListArchivedChatsAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        SendAsync<ChatList>(
            HttpMethod.Get, "api/chats" + Query(("archived", "true"), ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)), null, ct);

    /// <summary>PATCH /settings with exactly the fields given: <c>{"mutedUntil": null}</c> unmutes, so nulls are sent as they are.</summary>
    public Task<ChatInfo> UpdateChatSettingsAsync(string chatId, System.Text.Json.Nodes.JsonObject settings, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Patch, $"api/chats/{Esc(chatId)}/settings", settings, ct);

    public Task<ChatInfo> SetTimerAsync(string chatId, int seconds, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Put, $"api/chats/{Esc(chatId)}/timer", new { seconds }, ct);

    public Task<ChatInfo> OpenDirectAsync(string userId, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Post, "api/chats/direct", new { userId }, ct);

    public Task<ChatInfo> GetChatAsync(string chatId, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Get, $"api/chats/{Esc(chatId)}", null, ct);

    public Task<ChatInfo> CreateGroupAsync(string name, IEnumerable<string> memberIds, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Post, "api/groups", new { name, memberIds }, ct);

    public Task<ChatInfo> UpdateGroupAsync(string chatId, string? name = null, string? description = null, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Patch, $"api/groups/{Esc(chatId)}", new { name, description }, ct);

    public Task<ChatInfo> AddMembersAsync(string chatId, IEnumerable<string> userIds, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Post, $"api/groups/{Esc(chatId)}/members", new { userIds }, ct);

    public Task RemoveMemberAsync(string chatId, string userId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/groups/{Esc(chatId)}/members/{Esc(userId)}", null, ct);

    public Task<ChatInfo> PromoteAdminAsync(string chatId, string userId, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Post, $"api/groups/{Esc(chatId)}/admins/{Esc(userId)}", null, ct);

    public Task<Invite> CreateInviteAsync(string chatId, CancellationToken ct = default) =>
        SendAsync<Invite>(HttpMethod.Post, $"api/groups/{Esc(chatId)}/invite", null, ct);

    public Task<ChatInfo> JoinAsync(string inviteCode, CancellationToken ct = default) =>
        SendAsync<ChatInfo>(HttpMethod.Post, "api/groups/join", new { inviteCode }, ct);

    public Task LeaveAsync(string chatId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/groups/{Esc(chatId)}/leave", null, ct);

    // Messages
    public Task<Message> SendAsync(string chatId, SendMessage message, CancellationToken ct = default) =>
        SendAsync<Message>(HttpMethod.Post, $"api/chats/{Esc(chatId)}/messages", message, ct);

    public Task<Message> SendTextAsync(string chatId, string text, string? clientMessageId = null, CancellationToken ct = default) =>
        SendAsync(chatId, new SendMessage(clientMessageId ?? Guid.NewGuid().ToString("N"), "text", text), ct);

    public Task<MessagePage> GetMessagesAsync(string chatId, long? beforeSeq = null, long? afterSeq = null, int? limit = null, CancellationToken ct = default) =>
        SendAsync<MessagePage>(
            HttpMethod.Get,
            $"api/chats/{Esc(chatId)}/messages" + Query(
                ("beforeSeq", beforeSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("afterSeq", afterSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            null,
            ct);

    public Task DeleteMessageAsync(string chatId, long seq, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/chats/{Esc(chatId)}/messages/{seq}", null, ct);

    public Task<MessagePage> SearchMessagesAsync(string chatId, string q, int? limit = null, long? beforeSeq = null, CancellationToken ct = default) =>
        SendAsync<MessagePage>(
            HttpMethod.Get,
            $"api/chats/{Esc(chatId)}/messages/search" + Query(
                ("q", q), ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("beforeSeq", beforeSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            null,
            ct);

    /// <summary>Forwards message <paramref name="seq"/> of <paramref name="chatId"/> into 1..5 chats; the same
    /// <paramref name="clientMessageId"/> again answers the stored forwards (a safe retry).</summary>
    public async Task<ForwardResult> ForwardAsync(string chatId, long seq, IEnumerable<string> chatIds, string? clientMessageId = null, CancellationToken ct = default)
    {
        using var response = await RequestAsync(
            HttpMethod.Post, $"api/chats/{Esc(chatId)}/messages/{seq}/forward", new { chatIds, clientMessageId = clientMessageId ?? Guid.NewGuid().ToString("N") }, ct);
        var result = (await response.Content.ReadFromJsonAsync<ForwardResult>(Json, ct))!;
        return result with { Created = response.StatusCode == System.Net.HttpStatusCode.Created };
    }

    public Task<Message> EditMessageAsync(string chatId, long seq, string text, CancellationToken ct = default) =>
        SendAsync<Message>(HttpMethod.Patch, $"api/chats/{Esc(chatId)}/messages/{seq}", new { text }, ct);

    public Task<MessageReactions> ReactAsync(string chatId, long seq, string emoji, CancellationToken ct = default) =>
        SendAsync<MessageReactions>(HttpMethod.Put, $"api/chats/{Esc(chatId)}/messages/{seq}/reactions/me", new { emoji }, ct);

    public Task RemoveReactionAsync(string chatId, long seq, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/chats/{Esc(chatId)}/messages/{seq}/reactions/me", null, ct);

    public Task PostReceiptAsync(string chatId, string type, long upToSeq, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/chats/{Esc(chatId)}/receipts", new { type, upToSeq }, ct);

    public Task<List<MemberReceipt>> GetReceiptsAsync(string chatId, long seq, CancellationToken ct = default) =>
        SendAsync<List<MemberReceipt>>(HttpMethod.Get, $"api/chats/{Esc(chatId)}/messages/{seq}/receipts", null, ct);

    public Task TypingAsync(string chatId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/chats/{Esc(chatId)}/typing", null, ct);

    // Media
    public Task<UploadTicket> CreateMediaAsync(string fileName, string contentType, long sizeBytes, CancellationToken ct = default) =>
        SendAsync<UploadTicket>(HttpMethod.Post, "api/media", new { fileName, contentType, sizeBytes }, ct);

    /// <summary>PUTs the bytes straight to Blob Storage with the ticket's URL and headers.</summary>
    public async Task<HttpResponseMessage> UploadAsync(UploadTicket ticket, byte[] bytes, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, ticket.UploadUrl) { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in ticket.UploadHeaders)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var plain = new HttpClient();
        return await plain.SendAsync(request, ct);
    }

    /// <summary>The 302 of <c>GET /api/media/{mediaId}</c> (or its thumbnail), without following it.</summary>
    public async Task<Uri> GetMediaUrlAsync(string mediaId, bool thumbnail = false, CancellationToken ct = default)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var noRedirect = new HttpClient(handler) { BaseAddress = Http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/media/{Esc(mediaId)}" + (thumbnail ? "/thumbnail" : string.Empty));
        Authorize(request);
        using var response = await noRedirect.SendAsync(request, ct);
        if ((int)response.StatusCode != 302)
        {
            throw await ToExceptionAsync(response, ct);
        }

        return response.Headers.Location!;
    }

    // Real time and presence
    public Task<NegotiateResult> NegotiateAsync(CancellationToken ct = default) =>
        SendAsync<NegotiateResult>(HttpMethod.Post, "api/negotiate", null, ct);

    public Task HeartbeatAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Post, "api/presence/heartbeat", null, ct);

    public Task<List<Presence>> GetPresenceAsync(IEnumerable<string> userIds, CancellationToken ct = default) =>
        SendAsync<List<Presence>>(HttpMethod.Get, "api/presence" + Query(("userIds", string.Join(',', userIds))), null, ct);

    // Health and local host
    public Task<Health> HealthAsync(CancellationToken ct = default) => SendAsync<Health>(HttpMethod.Get, "api/health", null, ct);

    /// <summary><c>PUT /api/devices/{installationId}</c>: <paramref name="pushChannel"/> is the device
    /// token or channel URI, or for webpush an object <c>{endpoint, p256dh, auth}</c>.</summary>
    public Task RegisterDeviceAsync(string installationId, string platform, object pushChannel, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"api/devices/{Esc(installationId)}", new { platform, pushChannel }, ct);

    public Task RemoveDeviceAsync(string installationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/devices/{Esc(installationId)}", null, ct);

    /// <summary>What the local Notification Hubs sink received for the tag (a user id), newest last.</summary>
    public Task<List<ReceivedNotification>> LocalNotificationsAsync(string tag, CancellationToken ct = default) =>
        SendAsync<List<ReceivedNotification>>(HttpMethod.Get, "_local/notifications" + Query(("tag", tag)), null, ct);

    public Task<List<ReceivedSms>> LocalSmsAsync(string phoneNumber, CancellationToken ct = default) =>
        SendAsync<List<ReceivedSms>>(HttpMethod.Get, "_local/sms" + Query(("phoneNumber", phoneNumber)), null, ct);

    /// <summary>Sends a raw request with this client's token (for malformed bodies and other edge cases).</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        Authorize(request);
        return await Http.SendAsync(request, ct);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await RequestAsync(method, path, body, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await RequestAsync(method, path, body, ct);
    }

    private async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        Authorize(request);
        var response = await Http.SendAsync(request, ct);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(response, ct);
        }
    }

    public static async Task<ChatApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken ct = default)
    {
        var raw = await response.Content.ReadAsStringAsync(ct);
        Problem? problem = null;
        try
        {
            problem = raw.Length > 0 ? JsonSerializer.Deserialize<Problem>(raw, ChatApiException.Json) : null;
        }
        catch (JsonException)
        {
            // not problem details
        }

        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new ChatApiException((int)response.StatusCode, problem, response.Content.Headers.ContentType?.MediaType, retryAfter, raw);
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (Tokens is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.AccessToken);
        }
    }

    private static string Esc(string value) => Uri.EscapeDataString(value);

    private static string Query(params (string Name, string? Value)[] items)
    {
        var present = items.Where(i => i.Value is not null).Select(i => $"{i.Name}={Uri.EscapeDataString(i.Value!)}").ToArray();
        return present.Length == 0 ? string.Empty : "?" + string.Join('&', present);
    }
}
