namespace Chat.Functions.OpenApi;

// What an HTTP function's signature cannot tell about its contract (API.md), declared next to it and read by
// OpenApiDocumentBuilder; a test fails for a function without them.

/// <summary>The JSON body the function reads (with <c>ReadBodyAsync</c>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequestBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}

/// <summary>A success answer: its status and, unless it has none, the type of its JSON body.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AnswersAttribute(int status, Type? type = null) : Attribute
{
    public int Status { get; } = status;

    public Type? Type { get; } = type;

    /// <summary>When the answer comes, if not plain from its status (e.g. 200 for a repeated send).</summary>
    public string? Description { get; init; }
}

/// <summary>The error statuses (problem+json) the function itself may answer, beyond those the pipeline adds to every
/// function of its kind (<see cref="PipelineProblems"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ProblemsAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>A query parameter the function reads (all are optional).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryParameterAttribute(string name, Type type, string description) : Attribute
{
    public string Name { get; } = name;

    public Type Type { get; } = type;

    public string Description { get; } = description;
}

/// <summary>An HTTP function that is no route of the public API (the SignalR service's upstream, the unmatched-route
/// catch-all): left out of the OpenAPI document.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InternalRouteAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
