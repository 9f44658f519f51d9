namespace Chat.Functions.Http;

using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

/// <summary>Runs <see cref="ChatHttpPipeline"/> around HTTP functions in the Functions host.</summary>
public sealed class ChatWorkerMiddleware(ChatHttpPipeline pipeline) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var function = HttpFunctionCatalog.Find(context.FunctionDefinition.Name);
        var http = function is null ? null : context.GetHttpContext();
        if (function is null || http is null)
        {
            await next(context);
            return;
        }

        // Behind the Functions front end the client is the last address it appended.
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        var clientIp = forwarded.Length > 0
            ? forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1]
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        await pipeline.InvokeAsync(http, function, clientIp, () => next(context));
    }
}
