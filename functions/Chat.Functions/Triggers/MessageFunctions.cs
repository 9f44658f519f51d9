namespace Chat.Functions.Triggers;

using Chat.Core.Messages;
using Chat.Core.Reactions;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class MessageFunctions(MessageService messages, MessageEditService edits, ReactionService reactions, ForwardService forwards, TypingService typing)
{
    [RequestBody(typeof(SendMessageRequest))]
    [Answers(201, typeof(MessageView))]
    [Answers(200, typeof(MessageView), Description = "The same clientMessageId again: the stored message, nothing duplicated.")]
    [Problems(403, 404, 422, 429)]
    [Function(nameof(SendMessage))]
    public async Task<IActionResult> SendMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/messages")] HttpRequest req, string chatId)
    {
        var result = await messages.SendAsync(req.CallerId(), chatId, await req.ReadBodyAsync<SendMessageRequest>(), req.Aborted());
        return new ObjectResult(result.Message) { StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
    }

    [QueryParameter("beforeSeq", typeof(long), "The messages just below this seq.")]
    [QueryParameter("afterSeq", typeof(long), "The messages just above this seq.")]
    [QueryParameter("limit", typeof(int), "1..100, default 50.")]
    [Answers(200, typeof(MessagePage), Description = "Ascending by seq; hasMore: more exist beyond the page in the direction asked.")]
    [Problems(404)]
    [Function(nameof(GetMessages))]
    public async Task<IActionResult> GetMessages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages")] HttpRequest req, string chatId) =>
        new OkObjectResult(await messages.HistoryAsync(
            req.CallerId(), chatId, new HistoryQuery(req.QueryLong("beforeSeq"), req.QueryLong("afterSeq"), req.QueryInt("limit")), req.Aborted()));

    [QueryParameter("q", typeof(string), "2..100 characters, matched ignoring case.")]
    [QueryParameter("limit", typeof(int), "1..50, default 20.")]
    [QueryParameter("beforeSeq", typeof(long), "Only matches below this seq (the last seq of the previous page).")]
    [Answers(200, typeof(MessagePage), Description = "Newest first; hasMore: older matches may exist.")]
    [Problems(404)]
    [Function(nameof(SearchMessages))]
    public async Task<IActionResult> SearchMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages/search")] HttpRequest req, string chatId) =>
        new OkObjectResult(await messages.SearchAsync(
            req.CallerId(), chatId, new SearchQuery(req.Query["q"].FirstOrDefault(), req.QueryInt("limit"), req.QueryLong("beforeSeq")), req.Aborted()));

    [Answers(204)]
    [Problems(403, 404)]
    [Function(nameof(DeleteMessage))]
    public async Task<IActionResult> DeleteMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "chats/{chatId}/messages/{seq:long}")] HttpRequest req, string chatId, long seq)
    {
        await messages.DeleteAsync(req.CallerId(), chatId, seq, req.Aborted());
        return new NoContentResult();
    }

    [RequestBody(typeof(EditMessageRequest))]
    [Answers(200, typeof(MessageView))]
    [Problems(403, 404, 422)]
    [Function(nameof(EditMessage))]
    public async Task<IActionResult> EditMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "chats/{chatId}/messages/{seq:long}")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await edits.EditAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<EditMessageRequest>(), req.Aborted()));

    [RequestBody(typeof(ReactionRequest))]
    [Answers(200, typeof(ReactionsView))]
    [Problems(403, 404)]
    [Function(nameof(PutReaction))]
    public async Task<IActionResult> PutReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "chats/{chatId}/messages/{seq:long}/reactions/me")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await reactions.ReactAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<ReactionRequest>(), req.Aborted()));

    [Answers(204)]
    [Problems(404)]
    [Function(nameof(DeleteReaction))]
    public async Task<IActionResult> DeleteReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "chats/{chatId}/messages/{seq:long}/reactions/me")] HttpRequest req, string chatId, long seq)
    {
        await reactions.UnreactAsync(req.CallerId(), chatId, seq, req.Aborted());
        return new NoContentResult();
    }

    [RequestBody(typeof(ForwardRequest))]
    [Answers(201, typeof(ForwardedMessages))]
    [Answers(200, typeof(ForwardedMessages), Description = "The same clientMessageId again: the stored forwards, nothing duplicated.")]
    [Problems(403, 404, 422, 429)]
    [Function(nameof(ForwardMessage))]
    public async Task<IActionResult> ForwardMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/messages/{seq:long}/forward")] HttpRequest req, string chatId, long seq)
    {
        var result = await forwards.ForwardAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<ForwardRequest>(), req.Aborted());
        return new ObjectResult(new ForwardedMessages(result.Messages)) { StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
    }

    [RequestBody(typeof(ReceiptRequest))]
    [Answers(204)]
    [Problems(404)]
    [Function(nameof(PostReceipt))]
    public async Task<IActionResult> PostReceipt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/receipts")] HttpRequest req, string chatId)
    {
        await messages.ReceiptAsync(req.CallerId(), chatId, await req.ReadBodyAsync<ReceiptRequest>(), req.Aborted());
        return new NoContentResult();
    }

    [Answers(200, typeof(IReadOnlyList<MemberReceiptView>), Description = "One per member counted for the message.")]
    [Problems(403, 404)]
    [Function(nameof(GetMessageReceipts))]
    public async Task<IActionResult> GetMessageReceipts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages/{seq:long}/receipts")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await messages.ReceiptsOfAsync(req.CallerId(), chatId, seq, req.Aborted()));

    [Answers(204)]
    [Problems(404)]
    [Function(nameof(Typing))]
    public async Task<IActionResult> Typing([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/typing")] HttpRequest req, string chatId)
    {
        await typing.TypingAsync(req.CallerId(), chatId, req.Aborted());
        return new NoContentResult();
    }
}
