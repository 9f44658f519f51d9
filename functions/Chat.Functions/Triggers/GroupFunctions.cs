namespace Chat.Functions.Triggers;

using Chat.Core.Chats;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class GroupFunctions(ChatService chats)
{
    [RequestBody(typeof(CreateGroupRequest))]
    [Answers(201, typeof(ChatView), Description = "The creator is admin.")]
    [Problems(403, 404, 422, 429)]
    [Function(nameof(CreateGroup))]
    public async Task<IActionResult> CreateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups")] HttpRequest req) =>
        new ObjectResult(await chats.CreateGroupAsync(req.CallerId(), await req.ReadBodyAsync<CreateGroupRequest>(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    [RequestBody(typeof(UpdateGroupRequest))]
    [Answers(200, typeof(ChatView))]
    [Problems(403, 404)]
    [Function(nameof(UpdateGroup))]
    public async Task<IActionResult> UpdateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "groups/{chatId}")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.UpdateGroupAsync(req.CallerId(), chatId, await req.ReadBodyAsync<UpdateGroupRequest>(), req.Aborted()));

    [RequestBody(typeof(AddMembersRequest))]
    [Answers(200, typeof(ChatView))]
    [Problems(403, 404, 422)]
    [Function(nameof(AddGroupMembers))]
    public async Task<IActionResult> AddGroupMembers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/members")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.AddMembersAsync(req.CallerId(), chatId, await req.ReadBodyAsync<AddMembersRequest>(), req.Aborted()));

    [Answers(204)]
    [Problems(403, 404)]
    [Function(nameof(RemoveGroupMember))]
    public async Task<IActionResult> RemoveGroupMember(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "groups/{chatId}/members/{userId}")] HttpRequest req, string chatId, string userId)
    {
        await chats.RemoveMemberAsync(req.CallerId(), chatId, userId, req.Aborted());
        return new NoContentResult();
    }

    [Answers(200, typeof(ChatView))]
    [Problems(403, 404)]
    [Function(nameof(PromoteGroupAdmin))]
    public async Task<IActionResult> PromoteGroupAdmin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/admins/{userId}")] HttpRequest req, string chatId, string userId) =>
        new OkObjectResult(await chats.PromoteAdminAsync(req.CallerId(), chatId, userId, req.Aborted()));

    [Answers(200, typeof(InviteView), Description = "A new code; the old one is revoked.")]
    [Problems(403, 404)]
    [Function(nameof(CreateGroupInvite))]
    public async Task<IActionResult> CreateGroupInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/invite")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.CreateInviteAsync(req.CallerId(), chatId, req.Aborted()));

    [RequestBody(typeof(JoinGroupRequest))]
    [Answers(200, typeof(ChatView))]
    [Problems(404, 422, 429)]
    [Function(nameof(JoinGroup))]
    public async Task<IActionResult> JoinGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/join")] HttpRequest req) =>
        new OkObjectResult(await chats.JoinAsync(req.CallerId(), await req.ReadBodyAsync<JoinGroupRequest>(), req.Aborted()));

    [Answers(204)]
    [Problems(404)]
    [Function(nameof(LeaveGroup))]
    public async Task<IActionResult> LeaveGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/leave")] HttpRequest req, string chatId)
    {
        await chats.LeaveAsync(req.CallerId(), chatId, req.Aborted());
        return new NoContentResult();
    }
}
