namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class AuthFunctions(AccountService accounts)
{
    [Function(nameof(Register)), Public]
    public async Task<IActionResult> Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/register")] HttpRequest req) =>
        new ObjectResult(await accounts.RegisterAsync(await req.ReadBodyAsync<RegisterRequest>(), req.ClientIp(), req.Aborted())) { StatusCode = StatusCodes.Status202Accepted };

    [Function(nameof(Verify)), Public]
    public async Task<IActionResult> Verify([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/verify")] HttpRequest req) =>
        new ObjectResult(await accounts.VerifyAsync(await req.ReadBodyAsync<VerifyRequest>(), req.ClientIp(), req.Aborted())) { StatusCode = StatusCodes.Status201Created };

    [Function(nameof(Login)), Public]
    public async Task<IActionResult> Login([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/login")] HttpRequest req) =>
        new OkObjectResult(await accounts.LoginAsync(await req.ReadBodyAsync<LoginRequest>(), req.ClientIp(), req.Aborted()));

    [Function(nameof(Refresh)), Public]
    public async Task<IActionResult> Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/refresh")] HttpRequest req) =>
        new OkObjectResult(await accounts.RefreshAsync(await req.ReadBodyAsync<RefreshRequest>(), req.ClientIp(), req.Aborted()));

    [Function(nameof(Logout))]
    public async Task<IActionResult> Logout([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/logout")] HttpRequest req)
    {
        await accounts.LogoutAsync(req.CallerId(), await req.ReadBodyAsync<LogoutRequest>(), req.Aborted());
        return new NoContentResult();
    }
}
