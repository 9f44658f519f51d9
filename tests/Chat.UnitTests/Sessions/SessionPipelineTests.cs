namespace Chat.UnitTests.Sessions;

using System.Text;
using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.Functions.Triggers;
using Chat.UnitTests.TestData;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>The authentication step of <see cref="ChatHttpPipeline"/> and the negotiate route, with the real session cache.</summary>
public sealed class SessionPipelineTests
{
    private readonly FakeTimeProvider time = TestClock.New();
    private readonly Mock<IUserStore> users = new();
    private readonly Mock<IRealtime> realtime = new();
    private readonly FakeSessionRevocations revocations = new();
    private SessionRecord session = new() { UserId = "alice", SessionId = "s1", Generation = 1, RotatedAt = TestClock.Start, CreatedAt = TestClock.Start };
    private Exception? storeFailure;

    public SessionPipelineTests()
    {
        users.Setup(u => u.GetSessionAsync("alice", "s1", It.IsAny<CancellationToken>()))
            .Returns(() => storeFailure is null
                ? Task.FromResult<Versioned<SessionRecord>?>(new Versioned<SessionRecord>(session, "e"))
                : Task.FromException<Versioned<SessionRecord>?>(storeFailure));
        realtime.Setup(r => r.NegotiateAsync("alice", "s1", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new NegotiateResult("https://signalr.example/client/?hub=chat", "client-token"));
        Sessions = new SessionStateCache(users.Object, revocations, Options.Create(new SessionCacheOptions()), time, NullLogger<SessionStateCache>.Instance);
    }

    private SessionStateCache Sessions { get; }

    [Fact]
    public async Task ActiveSession_ReachesTheFunction_WithItsSessionId()
    {
        var (status, ran, context) = await RunAsync(nameof(UserFunctions.GetMe));

        Assert.True(ran);
        Assert.Equal(200, status);
        Assert.Equal("s1", context.Request.CallerSessionId());
    }

    [Fact]
    public async Task RevokedSession_Is401_AndTheFunctionDoesNotRun()
    {
        revocations.RevokeElsewhere("s1");

        var (status, ran, _) = await RunAsync(nameof(UserFunctions.GetMe));

        Assert.False(ran);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task RevokedOnThisInstance_Is401AtOnce()
    {
        await RunAsync(nameof(UserFunctions.GetMe));

        await Sessions.RevokedAsync("alice", "s1", CancellationToken.None);
        var (status, ran, _) = await RunAsync(nameof(UserFunctions.GetMe));

        Assert.False(ran);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task RevocationsDown_NothingKnown_Is503WithRetryAfter_Not401()
    {
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));

        var (status, ran, context) = await RunAsync(nameof(UserFunctions.GetMe));

        Assert.False(ran);
        Assert.Equal(503, status);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task RevocationsDown_KnownActiveSession_StillServed()
    {
        await RunAsync(nameof(UserFunctions.GetMe));
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromMinutes(5));

        var (status, ran, _) = await RunAsync(nameof(UserFunctions.GetMe));

        Assert.True(ran);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Negotiate_RevokedInTheStore_Is401_EvenWhileTheCacheSaysActive()
    {
        var (first, _, _) = await RunAsync(nameof(RealtimeFunctions.Negotiate), Negotiate);
        Assert.Equal(200, first);
        session = session with { Revoked = true }; // revoked by another instance; this one's state is still fresh

        var (ordinary, _, _) = await RunAsync(nameof(UserFunctions.GetMe));
        var (status, _, _) = await RunAsync(nameof(RealtimeFunctions.Negotiate), Negotiate);

        Assert.Equal(200, ordinary);
        Assert.Equal(401, status);
        realtime.Verify(r => r.NegotiateAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Negotiate_StoreDown_Is503_EvenWithAKnownState()
    {
        await RunAsync(nameof(UserFunctions.GetMe));
        storeFailure = ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5));

        var (status, _, _) = await RunAsync(nameof(RealtimeFunctions.Negotiate), Negotiate);

        Assert.Equal(503, status);
        realtime.VerifyNoOtherCalls();
    }

    private Task<IActionResult> Negotiate(HttpRequest request) =>
        new RealtimeFunctions(new NegotiateService(Sessions, realtime.Object), new RealtimeGroupSync(new Mock<IChatStore>().Object, realtime.Object), realtime.Object).Negotiate(request);

    /// <summary>Runs the pipeline around <paramref name="trigger"/> (by default one answering 200) with alice's token of session s1.</summary>
    private async Task<(int Status, bool Ran, HttpContext Context)> RunAsync(string functionName, Func<HttpRequest, Task<IActionResult>>? trigger = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(string.Empty));
        context.Response.Body = new MemoryStream();
        context.Request.Headers.Authorization = "Bearer " + TestAuth.Tokens(time).Issue("alice", "s1", 1, time.GetUtcNow()).AccessToken;
        var presence = new PresenceHarness(time);
        var pipeline = new ChatHttpPipeline(TestAuth.Validator(time), Sessions, presence.Service, NullLogger<ChatHttpPipeline>.Instance);
        var function = HttpFunctionCatalog.Find(functionName) ?? throw new InvalidOperationException("unknown function " + functionName);
        var ran = false;
        await pipeline.InvokeAsync(context, function, "203.0.113.9", async () =>
        {
            ran = true;
            var result = await (trigger ?? (_ => Task.FromResult<IActionResult>(new OkResult())))(context.Request);
            context.Response.StatusCode = (result as Microsoft.AspNetCore.Mvc.Infrastructure.IStatusCodeActionResult)?.StatusCode ?? 200;
        });
        return (context.Response.StatusCode, ran, context);
    }
}
