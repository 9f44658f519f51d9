namespace Chat.LocalHost;

using System.Net;
using Chat.Core.Errors;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Diagnostics;

/// <summary>
/// What makes every error answer of the local host problem+json, its own routes' included: unhandled
/// exceptions, the empty-bodied answers of routing and the stand-ins, the URL and header limits; and
/// the local-only routes refused (404) to callers from other machines.
/// </summary>
public static class LocalErrorAnswers
{
    public static void UseProblemAnswers(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            AllowStatusCode404Response = true,
            ExceptionHandler = context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                return ProblemMapping.WriteAsync(context, exception is null ? null : ProblemMapping.Classify(exception, context.RequestAborted));
            },
        });
        app.UseStatusCodePages(pages => ProblemMapping.WriteStatusAsync(pages.HttpContext, pages.HttpContext.Response.StatusCode));

        // Also for the paths no function serves; Kestrel itself takes twice these limits (LocalHostApp).
        app.Use(async (context, next) =>
        {
            try
            {
                RequestLimits.EnsureUrlAndHeadersFit(context.Request);
            }
            catch (ChatException e)
            {
                await ProblemMapping.WriteAsync(context, e);
                return;
            }

            await next(context);
        });
    }

    /// <summary>Requests under <paramref name="pathPrefixes"/> from another machine get 404, as if the route did not exist.</summary>
    public static void UseLoopbackOnly(this WebApplication app, params string[] pathPrefixes) =>
        app.Use(async (context, next) =>
        {
            if (!IsFromThisMachine(context.Connection) && pathPrefixes.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                await ProblemMapping.WriteAsync(context, ChatErrors.RouteNotFound());
                return;
            }

            await next(context);
        });

    /// <summary>A loopback caller, or this host calling its own non-loopback address (the sinks when <c>--urls</c> names one).</summary>
    public static bool IsFromThisMachine(ConnectionInfo connection)
    {
        var remote = connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }

        remote = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        var local = connection.LocalIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.LocalIpAddress;
        return IPAddress.IsLoopback(remote) || remote.Equals(local);
    }

    /// <summary>A stand-in's error answer as problem+json.</summary>
    public static IResult Problem(int status, string detail) => new ProblemResult(status, detail);

    private sealed class ProblemResult(int status, string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => ProblemMapping.WriteStatusAsync(httpContext, status, detail);
    }
}
