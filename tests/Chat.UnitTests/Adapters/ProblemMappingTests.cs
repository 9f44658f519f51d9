namespace Chat.UnitTests.Adapters;

using System.Net;
using System.Text.Json;
using Chat.Core.Errors;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Cosmos;

public sealed class ProblemMappingTests
{
    [Fact]
    public void Classify_ChatException_PassesThrough()
    {
        var error = ChatErrors.Forbidden("no");

        Assert.Same(error, ProblemMapping.Classify(error, CancellationToken.None));
    }

    [Fact]
    public void Classify_CosmosThrottled_Is503WithItsRetryAfter()
    {
        var error = ProblemMapping.Classify(new ThrottledCosmosException(TimeSpan.FromSeconds(3)), CancellationToken.None);

        Assert.Equal(503, error!.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
    }

    [Fact]
    public void Classify_CosmosThrottledWithShortRetryAfter_WaitsAtLeastOneSecond()
    {
        var error = ProblemMapping.Classify(new ThrottledCosmosException(TimeSpan.FromMilliseconds(20)), CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(1), error!.RetryAfter);
    }

    [Fact]
    public void Classify_CosmosThrottledWithoutRetryAfter_UsesTheDefault()
    {
        var error = ProblemMapping.Classify(new ThrottledCosmosException(null), CancellationToken.None);

        Assert.Equal(ProblemMapping.DefaultRetryAfter, error!.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public void Classify_CosmosUnavailable_Is503(HttpStatusCode status)
    {
        var error = ProblemMapping.Classify(new CosmosException("down", status, 0, "a", 0), CancellationToken.None);

        Assert.Equal(503, error!.Status);
        Assert.NotNull(error.RetryAfter);
    }

    [Fact]
    public void Classify_CosmosNotFound_IsAnInternalFault()
    {
        Assert.Null(ProblemMapping.Classify(new CosmosException("missing", HttpStatusCode.NotFound, 0, "a", 0), CancellationToken.None));
    }

    [Fact]
    public void Classify_HttpRequestException_Is503()
    {
        var error = ProblemMapping.Classify(new HttpRequestException("refused"), CancellationToken.None);

        Assert.Equal(503, error!.Status);
        Assert.Equal(ProblemMapping.DefaultRetryAfter, error.RetryAfter);
    }

    [Fact]
    public void Classify_TimeoutException_Is503()
    {
        Assert.Equal(503, ProblemMapping.Classify(new TimeoutException(), CancellationToken.None)!.Status);
    }

    [Fact]
    public void Classify_CancellationNotByTheCaller_Is503_ByTheCaller_IsNotMapped()
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();

        Assert.Equal(503, ProblemMapping.Classify(new TaskCanceledException(), CancellationToken.None)!.Status);
        Assert.Null(ProblemMapping.Classify(new OperationCanceledException(), aborted.Token));
    }

    [Fact]
    public void Classify_OtherException_IsNull()
    {
        Assert.Null(ProblemMapping.Classify(new InvalidOperationException("bug"), CancellationToken.None));
    }

    [Fact]
    public async Task Write_ValidationError_IsProblemJsonWithErrors()
    {
        var context = NewContext();

        await ProblemMapping.WriteAsync(context, ChatErrors.Invalid("name", "is required."));

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        using var body = ReadBody(context);
        var root = body.RootElement;
        Assert.Equal(["detail", "errors", "status", "title", "traceId", "type"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(400, root.GetProperty("status").GetInt32());
        Assert.Equal("is required.", root.GetProperty("errors").GetProperty("name")[0].GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("traceId").GetString()));
        Assert.False(context.Response.Headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task Write_RateLimited_SetsRetryAfterInWholeSeconds()
    {
        var context = NewContext();

        await ProblemMapping.WriteAsync(context, ChatErrors.RateLimited(TimeSpan.FromSeconds(2.2)));

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
        using var body = ReadBody(context);
        Assert.Equal(["detail", "status", "title", "traceId", "type"], body.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Write_InternalFault_Is500WithAllFiveKeys()
    {
        var context = NewContext();

        await ProblemMapping.WriteAsync(context, null);

        Assert.Equal(500, context.Response.StatusCode);
        using var body = ReadBody(context);
        var root = body.RootElement;
        Assert.Equal(["detail", "status", "title", "traceId", "type"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(500, root.GetProperty("status").GetInt32());
        Assert.DoesNotContain("Exception", root.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_ClearsWhatWasWrittenBefore()
    {
        var context = NewContext();
        context.Response.Headers["X-Partial"] = "1";
        await context.Response.Body.WriteAsync("partial"u8.ToArray());

        await ProblemMapping.WriteAsync(context, ChatErrors.ChatNotFound());

        Assert.False(context.Response.Headers.ContainsKey("X-Partial"));
        using var body = ReadBody(context);
        Assert.Equal(404, body.RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(413, 413)]
    [InlineData(408, 408)]
    [InlineData(414, 414)]
    [InlineData(431, 431)]
    [InlineData(400, 400)]
    [InlineData(411, 400)]
    public void Classify_ServerRefusedTheRequest_KeepsItsStatus_OthersAre400(int serverStatus, int expected)
    {
        var error = ProblemMapping.Classify(new BadHttpRequestException("refused", serverStatus), CancellationToken.None);

        Assert.Equal(expected, error!.Status);
        Assert.True(Enum.IsDefined(error.Kind));
    }

    [Fact]
    public async Task Write_MethodNotAllowed_SetsAllowAndAllFiveKeys()
    {
        var context = NewContext();

        await ProblemMapping.WriteAsync(context, ChatErrors.MethodNotAllowed(["GET", "PATCH"]));

        Assert.Equal(405, context.Response.StatusCode);
        Assert.Equal("GET, PATCH", context.Response.Headers.Allow.ToString());
        using var body = ReadBody(context);
        Assert.Equal(["detail", "status", "title", "traceId", "type"], body.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteStatus_AnyStatus_IsProblemJson_AndKeepsHeadersAlreadySet()
    {
        var context = NewContext();
        context.Response.Headers.Allow = "POST";

        await ProblemMapping.WriteStatusAsync(context, 405);

        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("POST", context.Response.Headers.Allow.ToString());
        using var body = ReadBody(context);
        Assert.Equal(405, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Method Not Allowed", body.RootElement.GetProperty("title").GetString());
        Assert.Equal(["detail", "status", "title", "traceId", "type"], body.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ErrorKinds_EachIsOneHttpErrorStatus()
    {
        var kinds = Enum.GetValues<ErrorKind>();

        Assert.All(kinds, k => Assert.InRange((int)k, 400, 599));
        Assert.Equal(kinds.Length, kinds.Select(k => (int)k).Distinct().Count());
    }

    private static DefaultHttpContext NewContext() => new() { Response = { Body = new MemoryStream() }, TraceIdentifier = "trace-1" };

    private static JsonDocument ReadBody(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body);
    }

    private sealed class ThrottledCosmosException(TimeSpan? retryAfter)
        : CosmosException("throttled", HttpStatusCode.TooManyRequests, 3200, "activity", 1)
    {
        public override TimeSpan? RetryAfter => retryAfter;
    }
}
