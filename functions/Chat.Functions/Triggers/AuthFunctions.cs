namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class AuthFunctions(AccountService accounts)
{
    [RequestBody(typeof(RegisterRequest))]
    [Answers(202, typeof(RegisterAccepted), Description = "A verification code goes out by SMS.")]
    [Problems(409, 429, 503)]
    [Function(nameof(Register)), Public]
    public async Task<IActionResult> Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/register")] HttpRequest req) =>
        new ObjectResult(await accounts.RegisterAsync(await req.ReadBodyAsync<RegisterRequest>(), req.ClientIp(), req.Aborted())) { StatusCode = StatusCodes.Status202Accepted };

    [RequestBody(typeof(VerifyRequest))]
    [Answers(201, typeof(UserView), Description = "The account exists from now on.")]
    [Problems(409, 429, 503)]
    [Function(nameof(Verify)), Public]
    public async Task<IActionResult> Verify([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/verify")] HttpRequest req) =>
        new ObjectResult(await accounts.VerifyAsync(await req.ReadBodyAsync<VerifyRequest>(), req.ClientIp(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    [RequestBody(typeof(LoginRequest))]
    [Answers(200, typeof(IssuedTokens))]
    [Problems(401, 429, 503)]
    [Function(nameof(Login)), Public]
    public async Task<IActionResult> Login([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/login")] HttpRequest req) =>
        new OkObjectResult(await accounts.LoginAsync(await req.ReadBodyAsync<LoginRequest>(), req.ClientIp(), req.Aborted()));

    [RequestBody(typeof(RefreshRequest))]
    [Answers(200, typeof(IssuedTokens), Description = "A rotated pair (the same new pair for a retry within 10 s).")]
    [Problems(401, 429, 503)]
    [Function(nameof(Refresh)), Public]
    public async Task<IActionResult> Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/refresh")] HttpRequest req) =>
        new OkObjectResult(await accounts.RefreshAsync(await req.ReadBodyAsync<RefreshRequest>(), req.ClientIp(), req.Aborted()));

    [RequestBody(typeof(LogoutRequest))]
    [Answers(204)]
    [Function(nameof(Logout))]
    public async Task<IActionResult> Logout([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/logout")] HttpRequest req)
    {
        await accounts.LogoutAsync(req.CallerId(), await req.ReadBodyAsync<LogoutRequest>(), req.Aborted());
        return new NoContentResult();
    }
}
