namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

/// <summary>The caller's sessions, one per signed-in device (API v1.1).</summary>
public sealed class SessionFunctions(AccountService accounts)
{
    [Function(nameof(ListSessions))]
    public async Task<IActionResult> ListSessions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/me/sessions")] HttpRequest req) =>
        new OkObjectResult(await accounts.ListSessionsAsync(req.CallerId(), req.CallerSessionId(), req.Aborted()));

    [Function(nameof(RevokeSession))]
    public async Task<IActionResult> RevokeSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "users/me/sessions/{sessionId}")] HttpRequest req, string sessionId)
    {
        await accounts.RevokeSessionAsync(req.CallerId(), sessionId, req.Aborted());
        return new NoContentResult();
    }
}
