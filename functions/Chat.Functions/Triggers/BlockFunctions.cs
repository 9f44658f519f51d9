namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

/// <summary>The caller's block list (API v1.1).</summary>
public sealed class BlockFunctions(BlockService blocks)
{
    [Answers(200, typeof(IReadOnlyList<UserView>))]
    [Function(nameof(ListBlocked))]
    public async Task<IActionResult> ListBlocked([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/me/blocked")] HttpRequest req) =>
        new OkObjectResult(await blocks.ListAsync(req.CallerId(), req.Aborted()));

    [Answers(204)]
    [Problems(400, 404, 422)]
    [Function(nameof(BlockUser))]
    public async Task<IActionResult> BlockUser([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "users/me/blocked/{userId}")] HttpRequest req, string userId)
    {
        await blocks.BlockAsync(req.CallerId(), userId, req.Aborted());
        return new NoContentResult();
    }

    [Answers(204)]
    [Problems(400, 404)]
    [Function(nameof(UnblockUser))]
    public async Task<IActionResult> UnblockUser([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "users/me/blocked/{userId}")] HttpRequest req, string userId)
    {
        await blocks.UnblockAsync(req.CallerId(), userId, req.Aborted());
        return new NoContentResult();
    }
}
