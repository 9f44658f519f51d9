namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class UserFunctions(UserService users)
{
    [Answers(200, typeof(UserView))]
    [Function(nameof(GetMe))]
    public async Task<IActionResult> GetMe([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/me")] HttpRequest req) =>
        new OkObjectResult(await users.GetMeAsync(req.CallerId(), req.Aborted()));

    [RequestBody(typeof(UpdateProfileRequest))]
    [Answers(200, typeof(UserView))]
    [Function(nameof(UpdateMe))]
    public async Task<IActionResult> UpdateMe([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "users/me")] HttpRequest req) =>
        new OkObjectResult(await users.UpdateMeAsync(req.CallerId(), await req.ReadBodyAsync<UpdateProfileRequest>(), req.Aborted()));

    [Answers(200, typeof(UserView), Description = "Without the phone number.")]
    [Problems(404)]
    [Function(nameof(GetUser))]
    public async Task<IActionResult> GetUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}")] HttpRequest req, string userId) =>
        new OkObjectResult(await users.GetAsync(req.CallerId(), userId, req.Aborted()));

    [RequestBody(typeof(LookupRequest))]
    [Answers(200, typeof(IReadOnlyList<UserView>), Description = "The registered ones, with their phone numbers.")]
    [Problems(429)]
    [Function(nameof(LookupUsers))]
    public async Task<IActionResult> LookupUsers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "users/lookup")] HttpRequest req) =>
        new OkObjectResult(await users.LookupAsync(req.CallerId(), await req.ReadBodyAsync<LookupRequest>(), req.Aborted()));
}
