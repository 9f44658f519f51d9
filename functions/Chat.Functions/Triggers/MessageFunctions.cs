namespace Chat.Functions.Triggers;

using Chat.Core.Messages;
using Chat.Core.Reactions;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class MessageFunctions(MessageService messages, MessageEditService edits, ReactionService reactions, ForwardService forwards)
{
    [Function(nameof(SendMessage))]
    public async Task<IActionResult> SendMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/messages")] HttpRequest req, string chatId)
    {
        var result = await messages.SendAsync(req.CallerId(), chatId, await req.ReadBodyAsync<SendMessageRequest>(), req.Aborted());
        return new ObjectResult(result.Message) { StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
    }

    [Function(nameof(GetMessages))]
    public async Task<IActionResult> GetMessages([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages")] HttpRequest req, string chatId) =>
        new OkObjectResult(await messages.HistoryAsync(
            req.CallerId(), chatId, new HistoryQuery(req.QueryLong("beforeSeq"), req.QueryLong("afterSeq"), req.QueryInt("limit")), req.Aborted()));

    [Function(nameof(SearchMessages))]
    public async Task<IActionResult> SearchMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages/search")] HttpRequest req, string chatId) =>
        new OkObjectResult(await messages.SearchAsync(
            req.CallerId(), chatId, new SearchQuery(req.Query["q"].FirstOrDefault(), req.QueryInt("limit"), req.QueryLong("beforeSeq")), req.Aborted()));

    [Function(nameof(DeleteMessage))]
    public async Task<IActionResult> DeleteMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "chats/{chatId}/messages/{seq:long}")] HttpRequest req, string chatId, long seq)
    {
        await messages.DeleteAsync(req.CallerId(), chatId, seq, req.Aborted());
        return new NoContentResult();
    }

    [Function(nameof(EditMessage))]
    public async Task<IActionResult> EditMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "chats/{chatId}/messages/{seq:long}")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await edits.EditAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<EditMessageRequest>(), req.Aborted()));

    [Function(nameof(PutReaction))]
    public async Task<IActionResult> PutReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "chats/{chatId}/messages/{seq:long}/reactions/me")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await reactions.ReactAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<ReactionRequest>(), req.Aborted()));

    [Function(nameof(DeleteReaction))]
    public async Task<IActionResult> DeleteReaction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "chats/{chatId}/messages/{seq:long}/reactions/me")] HttpRequest req, string chatId, long seq)
    {
        await reactions.UnreactAsync(req.CallerId(), chatId, seq, req.Aborted());
        return new NoContentResult();
    }

    [Function(nameof(ForwardMessage))]
    public async Task<IActionResult> ForwardMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/messages/{seq:long}/forward")] HttpRequest req, string chatId, long seq)
    {
        var result = await forwards.ForwardAsync(req.CallerId(), chatId, seq, await req.ReadBodyAsync<ForwardRequest>(), req.Aborted());
        return new ObjectResult(new ForwardedMessages(result.Messages)) { StatusCode = result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
    }

    [Function(nameof(PostReceipt))]
    public async Task<IActionResult> PostReceipt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/receipts")] HttpRequest req, string chatId)
    {
        await messages.ReceiptAsync(req.CallerId(), chatId, await req.ReadBodyAsync<ReceiptRequest>(), req.Aborted());
        return new NoContentResult();
    }

    [Function(nameof(GetMessageReceipts))]
    public async Task<IActionResult> GetMessageReceipts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "chats/{chatId}/messages/{seq:long}/receipts")] HttpRequest req, string chatId, long seq) =>
        new OkObjectResult(await messages.ReceiptsOfAsync(req.CallerId(), chatId, seq, req.Aborted()));

    [Function(nameof(Typing))]
    public async Task<IActionResult> Typing([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "chats/{chatId}/typing")] HttpRequest req, string chatId)
    {
        await messages.TypingAsync(req.CallerId(), chatId, req.Aborted());
        return new NoContentResult();
    }
}
