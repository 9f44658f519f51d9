namespace Chat.Functions.Triggers;

using Chat.Core.Chats;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class GroupFunctions(ChatService chats)
{
    [Function(nameof(CreateGroup))]
    public async Task<IActionResult> CreateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups")] HttpRequest req) =>
        new ObjectResult(await chats.CreateGroupAsync(req.CallerId(), await req.ReadBodyAsync<CreateGroupRequest>(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    [Function(nameof(UpdateGroup))]
    public async Task<IActionResult> UpdateGroup([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "groups/{chatId}")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.UpdateGroupAsync(req.CallerId(), chatId, await req.ReadBodyAsync<UpdateGroupRequest>(), req.Aborted()));

    [Function(nameof(AddGroupMembers))]
    public async Task<IActionResult> AddGroupMembers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/members")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.AddMembersAsync(req.CallerId(), chatId, await req.ReadBodyAsync<AddMembersRequest>(), req.Aborted()));

    [Function(nameof(RemoveGroupMember))]
    public async Task<IActionResult> RemoveGroupMember(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "groups/{chatId}/members/{userId}")] HttpRequest req, string chatId, string userId)
    {
        await chats.RemoveMemberAsync(req.CallerId(), chatId, userId, req.Aborted());
        return new NoContentResult();
    }

    [Function(nameof(PromoteGroupAdmin))]
    public async Task<IActionResult> PromoteGroupAdmin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/admins/{userId}")] HttpRequest req, string chatId, string userId) =>
        new OkObjectResult(await chats.PromoteAdminAsync(req.CallerId(), chatId, userId, req.Aborted()));

    [Function(nameof(CreateGroupInvite))]
    public async Task<IActionResult> CreateGroupInvite([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/invite")] HttpRequest req, string chatId) =>
        new OkObjectResult(await chats.CreateInviteAsync(req.CallerId(), chatId, req.Aborted()));

    [Function(nameof(JoinGroup))]
    public async Task<IActionResult> JoinGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/join")] HttpRequest req) =>
        new OkObjectResult(await chats.JoinAsync(req.CallerId(), await req.ReadBodyAsync<JoinGroupRequest>(), req.Aborted()));

    [Function(nameof(LeaveGroup))]
    public async Task<IActionResult> LeaveGroup([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{chatId}/leave")] HttpRequest req, string chatId)
    {
        await chats.LeaveAsync(req.CallerId(), chatId, req.Aborted());
        return new NoContentResult();
    }
}
