namespace Chat.Functions.Queues;

using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using Chat.Core.Common;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

/// <summary>Records the age of the message a queue-triggered function was started for
/// (<see cref="ChatMetrics.QueueAge"/>), from the trigger's <c>InsertionTime</c> binding data.</summary>
public sealed class QueueAgeMiddleware(ChatMetrics metrics, TimeProvider time) : IFunctionsWorkerMiddleware
{
    /// <summary>Function name to the queue name in code, of every queue-triggered function.</summary>
    private static readonly FrozenDictionary<string, string> QueueOfFunction = typeof(QueueAgeMiddleware).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>()?.Name, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).FirstOrDefault(a => a is not null)))
        .Where(x => x.Function is not null && x.Trigger is not null)
        .ToFrozenDictionary(x => x.Function!, x => x.Trigger!.QueueName, StringComparer.Ordinal);

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (QueueOfFunction.TryGetValue(context.FunctionDefinition.Name, out var queue)
            && context.BindingContext.BindingData.TryGetValue("InsertionTime", out var value)
            && InsertionTime(value) is { } inserted)
        {
            metrics.QueueMessageDequeued(queue, time.GetUtcNow() - inserted);
        }

        return next(context);
    }

    /// <summary>The host sends binding data as JSON text: a quoted or bare ISO 8601 time.</summary>
    public static DateTimeOffset? InsertionTime(object? value) => value switch
    {
        DateTimeOffset at => at,
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        string text when DateTimeOffset.TryParse(text.Trim('"'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) => at,
        _ => null,
    };
}
