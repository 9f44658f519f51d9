namespace Chat.Functions.Triggers;

using Chat.Core.Chats;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Chat.Functions.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class ChatFunctions(ChatService chats)
{
    [QueryParameter("limit", typeof(int), "1..200, default 100.")]
    [QueryParameter("cursor", typeof(string), "The nextCursor of the previous page.")]
    [QueryParameter("archived", typeof(bool), "true: only the archived chats; otherwise they are left out.")]
    [Answers(200, typeof(ChatPage), Description = "Pinned chats first, then the others, each part by most recent activity.")]
    [Function(nameof(ListChats))]
    public async Task<IActionResult> ListChats([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats")] HttpRequest req) =>
        new OkObjectResult(await chats.ListAsync(req.CallerId(), req.QueryInt("limit"), req.Query["cursor"].ToString(), req.QueryBool("archived") ?? false, req.Aborted()));

    [RequestBody(typeof(OpenDirectRequest))]
    [Answers(201, typeof(ChatView))]
    [Answers(200, typeof(ChatView), Description = "The chat already exists.")]
    [Problems(404)]
    [Function(nameof(OpenDirectChat))]
    public async Task<IActionResult> OpenDirectChat([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/direct")] HttpRequest req)
    {
        var (chat, created) = await chats.OpenDirectAsync(req.CallerId(), await req.ReadBodyAsync<OpenDirectRequest>(), req.Aborted());
        return new ObjectResult(chat) { StatusCode = created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
    }

    [Answers(200, typeof(ChatView))]
    [Problems(404)]
    [Function(nameof(GetChat))]
    public async Task<IActionResult> GetChat([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.GetAsync(req.CallerId(), chatId, req.Aborted()));

    [RequestBody(typeof(ChatSettingsRequest))]
    [Answers(200, typeof(ChatView))]
    [Problems(404, 422)]
    [Function(nameof(UpdateChatSettings))]
    public async Task<IActionResult> UpdateChatSettings([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "chats/{chatId}/settings")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.UpdateSettingsAsync(req.CallerId(), chatId, await req.ReadBodyAsync<ChatSettingsRequest>(), req.Aborted()));

    [RequestBody(typeof(TimerRequest))]
    [Answers(200, typeof(ChatView))]
    [Problems(403, 404)]
    [Function(nameof(SetChatTimer))]
    public async Task<IActionResult> SetChatTimer([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "chats/{chatId}/timer")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.SetTimerAsync(req.CallerId(), chatId, await req.ReadBodyAsync<TimerRequest>(), req.Aborted()));

    /// <summary>Refreshes the members' chat lists after a membership change or a failed touch (queued by <see cref="ChatListFeed"/>).</summary>
    [Function(nameof(RefreshChatLists))]
    public Task RefreshChatLists([QueueTrigger(QueueNames.ChatLists, Connection = QueueNames.Connection)] ChatListJob job, CancellationToken ct) =>
        chats.RefreshListsAsync(job.ChatId, ct);
}
