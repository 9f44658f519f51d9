namespace Chat.LocalHost.Queues;

using System.Reflection;
using Chat.Functions.Http;
using Cronos;
using Microsoft.Azure.Functions.Worker;

/// <summary>Runs Chat.Functions' timer-triggered functions on their own CRON schedules (six fields,
/// seconds first, as Functions reads them), in UTC.</summary>
public sealed partial class TimerTriggerHost(IServiceProvider services, TimeProvider time, ILogger<TimerTriggerHost> logger) : BackgroundService
{
    public static IReadOnlyList<(string Schedule, MethodInfo Method)> Discover() =>
        typeof(HttpFunctionCatalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(m => (Method: m, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Trigger is not null)
            .Select(x => (x.Trigger!.Schedule, x.Method))
            .ToArray();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Discover().Select(f => RunAsync(CronExpression.Parse(f.Schedule, CronFormat.IncludeSeconds), f.Method, stoppingToken)));

    private async Task RunAsync(CronExpression schedule, MethodInfo method, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.GetNextOccurrence(now.UtcDateTime, inclusive: false);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(next.Value - now.UtcDateTime, time, ct);
                await using var scope = services.CreateAsyncScope();
                var target = ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, method.DeclaringType!);
                var args = method.GetParameters()
                    .Select(p => p.ParameterType == typeof(CancellationToken) ? ct : (object?)new TimerInfo())
                    .ToArray();
                if (method.Invoke(target, args) is Task task)
                {
                    await task;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e is TargetInvocationException { InnerException: { } inner } ? inner : e, method.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {Function} failed; it runs again at its next occurrence")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);
}
