namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class UserFunctions(UserService users)
{
    [Function(nameof(GetMe))]
    public async Task<IActionResult> GetMe([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/me")] HttpRequest req) =>
        new OkObjectResult(await users.GetMeAsync(req.CallerId(), req.Aborted()));

    [Function(nameof(UpdateMe))]
    public async Task<IActionResult> UpdateMe([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "users/me")] HttpRequest req) =>
        new OkObjectResult(await users.UpdateMeAsync(req.CallerId(), await req.ReadBodyAsync<UpdateProfileRequest>(), req.Aborted()));

    [Function(nameof(GetUser))]
    public async Task<IActionResult> GetUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}")] HttpRequest req, string userId) =>
        new OkObjectResult(await users.GetAsync(req.CallerId(), userId, req.Aborted()));

    [Function(nameof(LookupUsers))]
    public async Task<IActionResult> LookupUsers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "users/lookup")] HttpRequest req) =>
        new OkObjectResult(await users.LookupAsync(req.CallerId(), await req.ReadBodyAsync<LookupRequest>(), req.Aborted()));
}
