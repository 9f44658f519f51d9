namespace Chat.Functions.Http;

using System.Reflection;
using Microsoft.Azure.Functions.Worker;

/// <summary>One HTTP-triggered function as its attributes declare it.</summary>
public sealed record HttpFunction(string Name, MethodInfo Method, IReadOnlyList<string> HttpMethods, string Route, bool IsPublic);

/// <summary>
/// The HTTP functions of this assembly, read from their <see cref="FunctionAttribute"/> and
/// <see cref="HttpTriggerAttribute"/>: the single source of routes and auth rules for both hosts.
/// </summary>
public static class HttpFunctionCatalog
{
    public static readonly IReadOnlyList<HttpFunction> All = Discover(typeof(HttpFunctionCatalog).Assembly);

    private static readonly Dictionary<string, HttpFunction> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static HttpFunction? Find(string functionName) => ByName.GetValueOrDefault(functionName);

    public static IReadOnlyList<HttpFunction> Discover(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x => (x.Method, x.Function, Trigger: x.Method.GetParameters()
                .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Trigger is not null)
            .Select(x => new HttpFunction(
                x.Function!.Name,
                x.Method,
                (x.Trigger!.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant()).ToArray(),
                x.Trigger.Route ?? x.Function.Name,
                x.Method.GetCustomAttribute<PublicAttribute>() is not null))
            .ToArray();
}
