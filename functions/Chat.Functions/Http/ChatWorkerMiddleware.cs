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

        await pipeline.InvokeAsync(http, function, ClientIp(http), () => next(context));
    }

    /// <summary>Behind the Functions front end the client is the last address it appended. Only a
    /// parsed address is used: the value keys rate limits, so a caller must not choose its size.</summary>
    public static string ClientIp(Microsoft.AspNetCore.Http.HttpContext http)
    {
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        var last = forwarded.Length is > 0 and <= 4096 ? forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim() : string.Empty;
        if (System.Net.IPAddress.TryParse(last, out var address))
        {
            return address.ToString();
        }

        return System.Net.IPEndPoint.TryParse(last, out var endpoint)
            ? endpoint.Address.ToString()
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
