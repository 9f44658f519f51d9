namespace Chat.UnitTests.Adapters;

using System.Text;
using System.Text.Json;
using Chat.Core.Accounts;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Chat.Core.Realtime;
using Chat.Functions.Auth;
using Chat.Functions.Http;
using Chat.Functions.Triggers;
using Chat.UnitTests.TestData;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>Triggers run through <see cref="ChatHttpPipeline"/> as the hosts run them, on an in-memory HttpContext.</summary>
public sealed class TriggerTests
{
    private const string ClientIp = "203.0.113.9";

    [Fact]
    public async Task Register_PublicRoute_RunsWithoutAToken_And202()
    {
        var h = new AccountHarness();
        var context = Request("""{"phoneNumber":"+14155550100","displayName":"Ann","password":"password1"}""");
        var functions = new AuthFunctions(h.Service);

        var result = await RunAsync(context, nameof(AuthFunctions.Register), TestClock.New(), () => functions.Register(context.Request));

        var accepted = Assert.IsType<ObjectResult>(result);
        Assert.Equal(202, accepted.StatusCode);
        var value = Assert.IsType<RegisterAccepted>(accepted.Value);
        Assert.Equal(new RegisterAccepted("+14155550100", 600, value.RegistrationId), value);
        Assert.True(Chat.Core.Common.Ids.IsWellFormed(value.RegistrationId));
        Assert.Single(h.SentSms);
    }

    [Fact]
    public async Task Register_MalformedJson_Is400ProblemNamingTheBody()
    {
        var h = new AccountHarness();
        var context = Request("{not json");
        var functions = new AuthFunctions(h.Service);

        var result = await RunAsync(context, nameof(AuthFunctions.Register), TestClock.New(), () => functions.Register(context.Request));

        Assert.Null(result);
        Assert.Equal(400, context.Response.StatusCode);
        using var problem = Problem(context);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Register_WrongFieldType_Is400NamingTheField()
    {
        var h = new AccountHarness();
        var context = Request("""{"phoneNumber":14155550100,"displayName":"Ann","password":"password1"}""");
        var functions = new AuthFunctions(h.Service);

        await RunAsync(context, nameof(AuthFunctions.Register), TestClock.New(), () => functions.Register(context.Request));

        Assert.Equal(400, context.Response.StatusCode);
        using var problem = Problem(context);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("phoneNumber", out _));
    }

    [Fact]
    public async Task Logout_WithoutAToken_Is401_AndTheTriggerDoesNotRun()
    {
        var h = new AccountHarness();
        var context = Request("""{"refreshToken":"x"}""");
        var functions = new AuthFunctions(h.Service);
        var ran = false;

        await RunAsync(context, nameof(AuthFunctions.Logout), TestClock.New(), () =>
        {
            ran = true;
            return functions.Logout(context.Request);
        });

        Assert.False(ran);
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
    }

    [Fact]
    public async Task SendMessage_WithAValidToken_Is201_ThenTheSameClientMessageIdIs200()
    {
        var h = new ChatHarness();
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var functions = new MessageFunctions(h.MessageService, h.EditService, h.ReactionService, h.ForwardService, h.TypingService);
        var token = "Bearer " + TestAuth.Tokens(h.Time).Issue("alice", "s1", 1, h.Time.GetUtcNow()).AccessToken;
        const string body = """{"clientMessageId":"c-1","type":"text","text":"hi"}""";

        var first = Request(body, token);
        var created = await RunAsync(first, nameof(MessageFunctions.SendMessage), h.Time, () => functions.SendMessage(first.Request, chat.ChatId));
        var sent = Assert.IsType<MessageView>(Assert.IsType<ObjectResult>(created).Value);
        var second = Request(body, token);
        var again = await RunAsync(second, nameof(MessageFunctions.SendMessage), h.Time, () => functions.SendMessage(second.Request, chat.ChatId));

        Assert.Equal(201, ((ObjectResult)created!).StatusCode);
        Assert.Equal("alice", sent.SenderId);
        Assert.Equal(1, sent.Seq);
        Assert.Equal(200, Assert.IsType<ObjectResult>(again).StatusCode);
        Assert.Equal(sent.MessageId, ((MessageView)((ObjectResult)again!).Value!).MessageId);
    }

    [Fact]
    public async Task SendMessage_ToAChatOfOthers_Is404Problem()
    {
        var h = new ChatHarness();
        var chat = h.Store(ChatBuilder.Direct("bob", "carol").Build());
        var functions = new MessageFunctions(h.MessageService, h.EditService, h.ReactionService, h.ForwardService, h.TypingService);
        var context = Request("""{"clientMessageId":"c-1","type":"text","text":"hi"}""", "Bearer " + TestAuth.Tokens(h.Time).Issue("alice", "s1", 1, h.Time.GetUtcNow()).AccessToken);

        await RunAsync(context, nameof(MessageFunctions.SendMessage), h.Time, () => functions.SendMessage(context.Request, chat.ChatId));

        Assert.Equal(404, context.Response.StatusCode);
        using var problem = Problem(context);
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OpenDirectChat_NewIs201_ExistingIs200()
    {
        var h = new ChatHarness();
        var functions = new ChatFunctions(h.ChatService);
        var token = "Bearer " + TestAuth.Tokens(h.Time).Issue("alice", "s1", 1, h.Time.GetUtcNow()).AccessToken;

        var first = Request("""{"userId":"bob"}""", token);
        var created = await RunAsync(first, nameof(ChatFunctions.OpenDirectChat), h.Time, () => functions.OpenDirectChat(first.Request));
        var second = Request("""{"userId":"bob"}""", token);
        var existing = await RunAsync(second, nameof(ChatFunctions.OpenDirectChat), h.Time, () => functions.OpenDirectChat(second.Request));

        Assert.Equal(201, Assert.IsType<ObjectResult>(created).StatusCode);
        Assert.Equal(200, Assert.IsType<ObjectResult>(existing).StatusCode);
    }

    [Fact]
    public async Task LeaveGroup_Is204()
    {
        var h = new ChatHarness();
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());
        var functions = new GroupFunctions(h.ChatService);
        var context = Request(string.Empty, "Bearer " + TestAuth.Tokens(h.Time).Issue("bob", "s1", 1, h.Time.GetUtcNow()).AccessToken);

        var result = await RunAsync(context, nameof(GroupFunctions.LeaveGroup), h.Time, () => functions.LeaveGroup(context.Request, chat.ChatId));

        Assert.IsType<NoContentResult>(result);
        Assert.Null(h.Stored(chat.ChatId).Member("bob"));
    }

    [Fact]
    public async Task AuthenticatedCall_RecordsTheCallersActivity()
    {
        var h = new ChatHarness();
        var presence = new PresenceHarness(h.Time);
        var functions = new ChatFunctions(h.ChatService);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var context = Request("""{"userId":"bob"}""", Bearer("alice", h.Time));

        await RunAsync(context, nameof(ChatFunctions.OpenDirectChat), h.Time, () => functions.OpenDirectChat(context.Request), presence);

        Assert.Equal(h.Time.GetUtcNow(), presence.LastActive["alice"]);
    }

    [Fact]
    public async Task PublicCall_RecordsNoActivity()
    {
        var h = new AccountHarness();
        var presence = new PresenceHarness(h.Time);
        var context = Request("""{"phoneNumber":"+14155550100","displayName":"Ann","password":"password1"}""");
        var functions = new AuthFunctions(h.Service);

        await RunAsync(context, nameof(AuthFunctions.Register), h.Time, () => functions.Register(context.Request), presence);

        presence.Store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Heartbeat_Is204_AndRecordsActivity()
    {
        var presence = new PresenceHarness();
        var functions = new PresenceFunctions(presence.Service);
        var context = Request(string.Empty, Bearer("alice", presence.Time));

        var result = await RunAsync(context, nameof(PresenceFunctions.Heartbeat), presence.Time, () => Task.FromResult(functions.Heartbeat(context.Request)), presence);

        Assert.IsType<NoContentResult>(result);
        Assert.Equal(TestClock.Start, presence.LastActive["alice"]);
    }

    [Fact]
    public async Task GetPresence_ReadsTheCommaSeparatedIds()
    {
        var presence = new PresenceHarness();
        presence.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        presence.LastActive["bob"] = TestClock.Start;
        var functions = new PresenceFunctions(presence.Service);
        var context = Request(string.Empty, Bearer("alice", presence.Time));
        context.Request.Method = "GET";
        context.Request.QueryString = new QueryString("?userIds=bob,%20carol");

        var result = await RunAsync(context, nameof(PresenceFunctions.GetPresence), presence.Time, () => functions.GetPresence(context.Request), presence);

        var views = Assert.IsAssignableFrom<IReadOnlyList<PresenceView>>(Assert.IsType<OkObjectResult>(result).Value);
        Assert.Equal([new PresenceView("bob", true, TestClock.Start), new PresenceView("carol", false, null)], views);
    }

    [Fact]
    public async Task Negotiate_AsksForTheCallerUntilItsAccessTokenExpires()
    {
        var time = TestClock.New();
        var realtime = new Mock<IRealtime>();
        var answer = new NegotiateResult("https://example.service.signalr.net/client/?hub=chat", "client-token");
        realtime.Setup(r => r.NegotiateAsync("alice", "s1", TestClock.Start.AddMinutes(15), It.IsAny<CancellationToken>())).ReturnsAsync(answer);
        var functions = new RealtimeFunctions(new NegotiateService(ActiveSessions(), realtime.Object), new RealtimeGroupSync(new Mock<IChatStore>().Object, realtime.Object), realtime.Object);
        var context = Request(string.Empty, Bearer("alice", time));

        var result = await RunAsync(context, nameof(RealtimeFunctions.Negotiate), time, () => functions.Negotiate(context.Request));

        Assert.Same(answer, Assert.IsType<OkObjectResult>(result).Value);
    }

    [Fact]
    public async Task Negotiate_WithoutAToken_Is401()
    {
        var realtime = new Mock<IRealtime>();
        var functions = new RealtimeFunctions(new NegotiateService(ActiveSessions(), realtime.Object), new RealtimeGroupSync(new Mock<IChatStore>().Object, realtime.Object), realtime.Object);
        var context = Request(string.Empty);

        await RunAsync(context, nameof(RealtimeFunctions.Negotiate), TestClock.New(), () => functions.Negotiate(context.Request));

        Assert.Equal(401, context.Response.StatusCode);
        realtime.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(true, 204)]
    [InlineData(false, 401)]
    public async Task RealtimeUpstream_NeedsNoUserToken_ButTheServicesSignature(bool signed, int status)
    {
        const string accessKey = SignalRHarness.AccessKey;
        var realtime = new Mock<IRealtime>();
        realtime.Setup(r => r.AddConnectionToGroupAsync("conn1", "session-s1", It.IsAny<CancellationToken>())).ReturnsAsync(true);
        var signalR = Microsoft.Extensions.Options.Options.Create(new Chat.Functions.Realtime.SignalROptions { ConnectionString = $"Endpoint={SignalRHarness.Host};AccessKey={accessKey};Version=1.0;" });
        var reader = new Chat.Functions.Realtime.SignalRUpstreamReader(
            signalR,
            new Chat.Functions.Realtime.SignalRUpstreamBearer(Microsoft.Extensions.Options.Options.Create(new Chat.Functions.Realtime.SignalRUpstreamOptions()), new HttpClient(), TestClock.New()),
            new Chat.Functions.Realtime.SignalRSessionBinding(TestAuth.Wrap(TestAuth.Options())));
        var functions = new RealtimeUpstreamFunctions(reader, new SessionConnections(ActiveSessions(), realtime.Object, new Mock<IUserConnections>().Object, NullLogger<SessionConnections>.Instance));
        var context = Request("{}");
        context.Request.Headers["X-ASRS-Connection-Id"] = "conn1";
        context.Request.Headers["X-ASRS-Hub"] = "chat";
        context.Request.Headers["X-ASRS-Category"] = "connections";
        context.Request.Headers["X-ASRS-Event"] = "connected";
        context.Request.Headers["X-ASRS-User-Id"] = "alice";
        context.Request.Headers["X-ASRS-User-Claims"] = "nameid: alice, sid: s1";
        context.Request.Headers["X-ASRS-Signature"] = Chat.Functions.Realtime.SignalRUpstreamSignature.Sign(signed ? accessKey : "not-the-key", "conn1");

        var result = await RunAsync(context, nameof(RealtimeUpstreamFunctions.RealtimeUpstream), TestClock.New(), () => functions.RealtimeUpstream(context.Request));

        Assert.Equal(status, result is NoContentResult ? 204 : context.Response.StatusCode);
        realtime.Verify(r => r.AddConnectionToGroupAsync("conn1", "session-s1", It.IsAny<CancellationToken>()), signed ? Times.Once() : Times.Never());
    }

    /// <summary>A session check that finds every session active.</summary>
    private static ISessionCheck ActiveSessions() => new Mock<ISessionCheck>().Object;

    private static string Bearer(string userId, TimeProvider time) =>
        "Bearer " + TestAuth.Tokens(time).Issue(userId, "s1", 1, time.GetUtcNow()).AccessToken;

    private static DefaultHttpContext Request(string body, string? authorization = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }

    /// <summary>Runs the trigger as the hosts do; the result is null when the pipeline answered with a problem.</summary>
    private static async Task<IActionResult?> RunAsync(HttpContext context, string functionName, FakeTimeProvider time, Func<Task<IActionResult>> trigger, PresenceHarness? presence = null, ISessionCheck? sessions = null)
    {
        presence ??= new PresenceHarness(time);
        var pipeline = new ChatHttpPipeline(TestAuth.Validator(time), sessions ?? ActiveSessions(), presence.Service, NullLogger<ChatHttpPipeline>.Instance);
        var function = HttpFunctionCatalog.Find(functionName) ?? throw new InvalidOperationException("unknown function " + functionName);
        IActionResult? result = null;
        await pipeline.InvokeAsync(context, function, ClientIp, async () => result = await trigger());
        return result;
    }

    private static JsonDocument Problem(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body);
    }
}
