namespace Chat.LocalHost;

using System.Globalization;
using System.Reflection;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

/// <summary>Maps every HTTP function of Chat.Functions on its own route and methods, as its
/// attributes declare them, and runs it inside the same <see cref="ChatHttpPipeline"/> as Azure.</summary>
public static class FunctionEndpoints
{
    public static void MapChatFunctions(this WebApplication app)
    {
        var routePrefix = app.Configuration["RoutePrefix"] ?? "api";
        foreach (var function in HttpFunctionCatalog.All)
        {
            var binders = function.Method.GetParameters().Select(Binder).ToArray();
            app.MapMethods($"/{routePrefix}/{function.Route}", function.HttpMethods, context => InvokeAsync(context, function, binders))
                .WithName(function.Name);
        }
    }

    private static async Task InvokeAsync(HttpContext context, HttpFunction function, Func<HttpContext, object?>[] binders)
    {
        var pipeline = context.RequestServices.GetRequiredService<ChatHttpPipeline>();
        var clientIp = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        await pipeline.InvokeAsync(context, function, clientIp, async () =>
        {
            var target = function.Method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(context.RequestServices, function.Method.DeclaringType!);
            object? returned;
            try
            {
                returned = function.Method.Invoke(target, binders.Select(b => b(context)).ToArray());
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }

            var result = returned switch
            {
                Task<IActionResult> task => await task,
                IActionResult action => action,
                Task task => await Completed(task),
                _ => new EmptyResult(),
            };
            await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
        });
    }

    private static async Task<IActionResult> Completed(Task task)
    {
        await task;
        return new NoContentResult();
    }

    private static Func<HttpContext, object?> Binder(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null || parameter.ParameterType == typeof(HttpRequest))
        {
            return context => context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context => context.RequestAborted;
        }

        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        if (type == typeof(string) || type.IsPrimitive)
        {
            var name = parameter.Name!;
            return context => context.Request.RouteValues.TryGetValue(name, out var raw) && raw is not null
                ? Convert.ChangeType(raw.ToString(), type, CultureInfo.InvariantCulture)
                : null;
        }

        throw new NotSupportedException($"The local host cannot bind parameter '{parameter.Name}' of {parameter.Member.DeclaringType?.Name}.{parameter.Member.Name}.");
    }
}
