namespace Chat.Functions.OpenApi;

using Chat.Functions.Http;

/// <summary>The error statuses that the code around a function answers for every function of its kind, so no function
/// declares them itself: <see cref="ChatHttpPipeline"/> (the URL limit, the token and session check), the body reader
/// and the query readers of <see cref="HttpRequestExtensions"/>.</summary>
public static class PipelineProblems
{
    public static IEnumerable<int> Of(HttpFunction function)
    {
        var hasBody = function.Method.IsDefined(typeof(RequestBodyAttribute), false);
        if (hasBody || function.Method.IsDefined(typeof(QueryParameterAttribute), false))
        {
            yield return 400; // malformed JSON or a field of the wrong type; a query value that does not parse
        }

        if (!function.IsPublic)
        {
            yield return 401; // no token, a bad or expired one, a revoked session
        }

        if (hasBody)
        {
            yield return 413; // a JSON body over its limit
        }

        yield return 414; // a path and query over their limit

        if (!function.IsPublic)
        {
            yield return 503; // the session check reads a backing store
        }
    }
}
