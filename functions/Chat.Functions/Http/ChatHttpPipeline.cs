namespace Chat.Functions.Http;

using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Chat.Functions.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// What runs around every HTTP function in both hosts: the URL and header limits, caller authentication
/// from the function's own attributes (a valid token of a session not revoked), and the mapping of failures to problem+json.
/// </summary>
public sealed partial class ChatHttpPipeline(AccessTokenValidator tokens, ISessionCheck sessions, PresenceService presence, ILogger<ChatHttpPipeline> logger)
{
    public async Task InvokeAsync(HttpContext context, HttpFunction function, string clientIp, Func<Task> next)
    {
        try
        {
            HttpRequestExtensions.SetClientIp(context, clientIp);
            RequestLimits.EnsureUrlAndHeadersFit(context.Request);
            if (!function.IsPublic)
            {
                var (userId, sessionId, expires) = await tokens.ValidateAsync(context.Request.Headers.Authorization.ToString());

                // A revoked session is refused within 60 s (API.md v1.1); usually one dictionary lookup, see SessionStateCache.
                await sessions.EnsureActiveAsync(userId, sessionId, context.RequestAborted);
                HttpRequestExtensions.SetCaller(context, userId, sessionId, expires);

                // Any authenticated call is activity (API.md, Presence); usually free, see PresenceService.
                // Presence is best effort: a throttled presence write must not fail the call itself.
                try
                {
                    await presence.RecordActivityAsync(userId, context.RequestAborted);
                }
                catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
                {
                    LogPresenceFailed(logger, e, userId);
                }
            }

            await next();
        }
        catch (Exception e) when (!context.Response.HasStarted && !(e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            var error = ProblemMapping.Classify(e, context.RequestAborted);
            if (error is null)
            {
                LogUnhandled(logger, e, function.Name);
            }
            else if (error.Kind == ErrorKind.Unavailable)
            {
                LogUnavailable(logger, e, function.Name);
            }

            await ProblemMapping.WriteAsync(context, error);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Recording the activity of user {UserId} failed")]
    private static partial void LogPresenceFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Function {FunctionName} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Function {FunctionName} answered 503: a backing service is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string functionName);
}
