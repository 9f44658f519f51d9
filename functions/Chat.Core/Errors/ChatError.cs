namespace Chat.Core.Errors;

/// <summary>The closed set of failures the API reports; each maps to exactly one HTTP status.</summary>
public enum ErrorKind
{
    Validation = 400,
    Unauthorized = 401,
    Forbidden = 403,
    NotFound = 404,
    MethodNotAllowed = 405,
    RequestTimeout = 408,
    Conflict = 409,
    Gone = 410,
    TooLarge = 413,
    UriTooLong = 414,
    PolicyViolation = 422,
    RateLimited = 429,
    HeadersTooLarge = 431,
    Unavailable = 503,
}

/// <summary>A failure that the caller is told about, as problem details.</summary>
public sealed class ChatException : Exception
{
    public ChatException(
        ErrorKind kind,
        string title,
        string detail,
        IReadOnlyDictionary<string, string[]>? errors = null,
        TimeSpan? retryAfter = null,
        Exception? inner = null,
        IReadOnlyList<string>? allowedMethods = null)
        : base(detail, inner)
    {
        Kind = kind;
        Title = title;
        Detail = detail;
        Errors = errors;
        RetryAfter = retryAfter;
        AllowedMethods = allowedMethods;
    }

    public ErrorKind Kind { get; }

    public string Title { get; }

    public string Detail { get; }

    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    public TimeSpan? RetryAfter { get; }

    /// <summary>The methods the resource does accept (the <c>Allow</c> header of a 405).</summary>
    public IReadOnlyList<string>? AllowedMethods { get; }

    public int Status => (int)Kind;
}

/// <summary>The error catalog: every failure the domain raises is built here.</summary>
public static class ChatErrors
{
    public static ChatException Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(ErrorKind.Validation, "Invalid request", "One or more fields are invalid.", errors);

    public static ChatException Invalid(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ChatException MalformedJson(string detail) =>
        new(ErrorKind.Validation, "Malformed request body", detail, new Dictionary<string, string[]> { ["body"] = [detail] });

    public static ChatException Unauthorized(string detail = "A valid access token is required.") =>
        new(ErrorKind.Unauthorized, "Unauthorized", detail);

    public static ChatException Forbidden(string detail) => new(ErrorKind.Forbidden, "Forbidden", detail);

    /// <summary>A request the server could not read (broken framing, a body cut short); no field to name.</summary>
    public static ChatException BadRequest(string detail) => new(ErrorKind.Validation, "Bad request", detail);

    public static ChatException RouteNotFound() => new(ErrorKind.NotFound, "Not found", "No route matches this path.");

    public static ChatException MethodNotAllowed(IReadOnlyList<string> allowed) =>
        new(ErrorKind.MethodNotAllowed, "Method not allowed", $"This route accepts {string.Join(", ", allowed)} only.", allowedMethods: allowed);

    public static ChatException RequestTimeout(string detail) => new(ErrorKind.RequestTimeout, "Request timeout", detail);

    public static ChatException UriTooLong(string detail) => new(ErrorKind.UriTooLong, "URI too long", detail);

    public static ChatException HeadersTooLarge(string detail) => new(ErrorKind.HeadersTooLarge, "Request header fields too large", detail);

    public static ChatException NotFound(string what) => new(ErrorKind.NotFound, "Not found", $"The {what} does not exist.");

    public static ChatException ChatNotFound() => NotFound("chat");

    public static ChatException Conflict(string detail) => new(ErrorKind.Conflict, "Conflict", detail);

    public static ChatException Gone(string detail) => new(ErrorKind.Gone, "Gone", detail);

    public static ChatException TooLarge(string detail) => new(ErrorKind.TooLarge, "Payload too large", detail);

    public static ChatException Policy(string detail) => new(ErrorKind.PolicyViolation, "Policy violation", detail);

    public static ChatException RateLimited(TimeSpan retryAfter) =>
        new(ErrorKind.RateLimited, "Too many requests", "Rate limit exceeded; retry later.", retryAfter: retryAfter);

    public static ChatException Unavailable(string service, TimeSpan retryAfter, Exception? inner = null) =>
        new(ErrorKind.Unavailable, "Service unavailable", $"The {service} is unavailable; retry later.", retryAfter: retryAfter, inner: inner);
}
