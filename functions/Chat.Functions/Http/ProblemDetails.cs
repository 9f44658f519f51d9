namespace Chat.Functions.Http;

/// <summary>The body of every error answer (API.md, Errors), as <c>application/problem+json</c>: all five keys, and
/// <paramref name="Errors"/> (field to messages) on validation failures. The wire shape of the API, not MVC's type of that name.</summary>
public sealed record ProblemDetails(string Type, string Title, int Status, string Detail, string TraceId, IReadOnlyDictionary<string, string[]>? Errors = null);
