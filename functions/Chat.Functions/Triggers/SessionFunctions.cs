namespace Chat.Functions.Triggers;

using Chat.Core.Accounts;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

/// <summary>The caller's sessions, one per signed-in device (API v1.1).</summary>
public sealed class SessionFunctions(AccountService accounts)
{
    [Answers(200, typeof(IReadOnlyList<SessionView>))]
    [Function(nameof(ListSessions))]
    public async Task<IActionResult> ListSessions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/me/sessions")] HttpRequest req) =>
        new OkObjectResult(await accounts.ListSessionsAsync(req.CallerId(), req.CallerSessionId(), req.Aborted()));

    [Answers(204)]
    [Problems(404)]
    [Function(nameof(RevokeSession))]
    public async Task<IActionResult> RevokeSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "users/me/sessions/{sessionId}")] HttpRequest req, string sessionId)
    {
        await accounts.RevokeSessionAsync(req.CallerId(), sessionId, req.Aborted());
        return new NoContentResult();
    }
}
