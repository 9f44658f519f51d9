namespace Chat.UnitTests.Telemetry;

using System.Net;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Functions.Cosmos;
using Chat.Functions.Queues;
using Chat.Testing;
using Chat.UnitTests.TestData;
using Microsoft.Azure.Cosmos;
using Microsoft.Azure.Functions.Worker;
using Moq;

/// <summary>The "Chat" meter at its hot paths: sends, Cosmos DB requests, queue age.</summary>
public sealed class ChatMetricsTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();
    private readonly MetricRecorder recorder;

    public ChatMetricsTests() => recorder = new MetricRecorder(h.Meters);

    public void Dispose()
    {
        recorder.Dispose();
        h.Meters.Dispose();
    }

    [Fact]
    public async Task Send_RecordsOneMessageSent_TheFanOutAndTheLatency_TaggedByChatType()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMembersUpTo(5).Build());
        h.Realtime.Setup(r => r.SendToGroupAsync(chat.ChatId, It.IsAny<string>(), It.IsAny<object>(), It.IsAny<CancellationToken>()))
            .Callback(() => h.Time.Advance(TimeSpan.FromMilliseconds(40)))
            .Returns(Task.CompletedTask);

        await h.MessageService.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("hi"), None);

        var sent = Assert.Single(recorder.Of(ChatMetrics.MessagesSent));
        Assert.Equal(1, sent.Value);
        Assert.Equal(ChatTypes.Group, sent.Tag(ChatMetrics.ChatTypeTag));
        Assert.Equal(4, Assert.Single(recorder.Of(ChatMetrics.FanOut, (ChatMetrics.ChatTypeTag, ChatTypes.Group))).Value);
        Assert.Equal(40, Assert.Single(recorder.Of(ChatMetrics.SendDuration)).Value);
        Assert.All(recorder.Of(ChatMetrics.MessagesSent), m => Assert.Equal([ChatMetrics.ChatTypeTag], m.Tags.Keys));
    }

    [Fact]
    public async Task Resend_OfAStoredMessage_IsNotCountedAgain()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var request = MessageBuilder.TextRequest("hi", clientMessageId: "same");
        await h.MessageService.SendAsync("alice", chat.ChatId, request, None);

        var second = await h.MessageService.SendAsync("alice", chat.ChatId, request, None);

        Assert.False(second.Created);
        Assert.Equal(ChatTypes.Direct, Assert.Single(recorder.Of(ChatMetrics.MessagesSent)).Tag(ChatMetrics.ChatTypeTag));
        Assert.Equal(1, Assert.Single(recorder.Of(ChatMetrics.FanOut)).Value);
    }

    [Theory]
    [InlineData("GET", "dbs/chat/colls/chats/docs/m%3A1", null, "Read", "chats")]
    [InlineData("PUT", "dbs/chat/colls/chats/docs/c%3Ag1", null, "Replace", "chats")]
    [InlineData("DELETE", "/dbs/chat/colls/users/docs/s%3A1", null, "Delete", "users")]
    [InlineData("POST", "dbs/chat/colls/chats", null, "Create", "chats")]
    [InlineData("POST", "dbs/chat/colls/directory", "x-ms-documentdb-is-upsert", "Upsert", "directory")]
    [InlineData("POST", "dbs/chat/colls/chats", "x-ms-documentdb-isquery", "Query", "chats")]
    [InlineData("POST", "dbs/chat/colls/chats/docs", "x-ms-documentdb-isquery", "Query", "chats")]
    [InlineData("POST", "dbs/chat/colls/chats", "x-ms-cosmos-is-query-plan-request", "QueryPlan", "chats")]
    [InlineData("POST", "dbs/chat/colls/chats", "x-ms-cosmos-is-batch-request", "Batch", "chats")]
    [InlineData("GET", "dbs/chat/colls/chats", null, CosmosMetricsHandler.Metadata, "chats")]
    [InlineData("POST", "dbs/chat/colls", null, CosmosMetricsHandler.Metadata, CosmosMetricsHandler.NoContainer)]
    [InlineData("GET", "dbs/chat/colls/chats/pkranges", null, CosmosMetricsHandler.Metadata, "chats")]
    [InlineData("GET", "dbs/chat", null, CosmosMetricsHandler.Metadata, CosmosMetricsHandler.NoContainer)]
    [InlineData("GET", "dbs/chat/colls/elsewhere/docs/x", null, "Read", CosmosMetricsHandler.OtherContainer)]
    public async Task CosmosHandler_RecordsOneRequestAndItsCharge_PerCall_ByOperationAndContainer(string method, string uri, string? header, string operation, string container)
    {
        var handler = Handler(charge: 2.86);
        var request = new RequestMessage(new HttpMethod(method), new Uri(uri, UriKind.Relative));
        if (header is not null)
        {
            request.Headers.Add(header, bool.TrueString);
        }

        await handler.SendAsync(request, None);
        await handler.SendAsync(request, None);

        var requests = recorder.Of(ChatMetrics.CosmosRequests);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r =>
        {
            Assert.Equal(1, r.Value);
            Assert.Equal(operation, r.Tag(ChatMetrics.OperationTag));
            Assert.Equal(container, r.Tag(ChatMetrics.ContainerTag));
            Assert.Equal("200", r.Tag(ChatMetrics.StatusTag));
        });
        var charges = recorder.Of(ChatMetrics.CosmosRequestCharge, (ChatMetrics.OperationTag, operation), (ChatMetrics.ContainerTag, container));
        Assert.Equal([2.86, 2.86], charges.Select(c => c.Value));
    }

    [Fact]
    public async Task CosmosHandler_CountsARequestThatThrows_WithNoCharge()
    {
        var handler = new CosmosMetricsHandler(h.Metrics, ["chats"]) { InnerHandler = new FakeCosmos(_ => throw new HttpRequestException("unreachable")) };

        await Assert.ThrowsAsync<HttpRequestException>(() => handler.SendAsync(new RequestMessage(HttpMethod.Get, new Uri("dbs/chat/colls/chats/docs/a", UriKind.Relative)), None));

        var request = Assert.Single(recorder.Of(ChatMetrics.CosmosRequests));
        Assert.Equal("none", request.Tag(ChatMetrics.StatusTag));
        Assert.Equal(0, Assert.Single(recorder.Of(ChatMetrics.CosmosRequestCharge)).Value);
    }

    [Fact]
    public async Task QueueAgeMiddleware_RecordsTheAgeFromTheInsertionTime_UnderTheQueueNameInCode()
    {
        var inserted = h.Time.GetUtcNow();
        h.Time.Advance(TimeSpan.FromMilliseconds(1_250));
        var context = FunctionContextOf("DispatchPush", new Dictionary<string, object?> { ["InsertionTime"] = "\"" + inserted.ToString("O") + "\"" });
        var ran = false;

        await new QueueAgeMiddleware(h.Metrics, h.Time).Invoke(context, _ => { ran = true; return Task.CompletedTask; });

        Assert.True(ran);
        var age = Assert.Single(recorder.Of(ChatMetrics.QueueAge));
        Assert.Equal(1_250, age.Value);
        Assert.Equal(QueueNames.PushNotifications, age.Tag(ChatMetrics.QueueTag));
    }

    [Fact]
    public async Task QueueAgeMiddleware_RecordsNothing_ForAFunctionThatIsNotQueueTriggered()
    {
        var context = FunctionContextOf("SendMessage", new Dictionary<string, object?> { ["InsertionTime"] = h.Time.GetUtcNow().ToString("O") });

        await new QueueAgeMiddleware(h.Metrics, h.Time).Invoke(context, _ => Task.CompletedTask);

        Assert.Empty(recorder.Of(ChatMetrics.QueueAge));
    }

    private CosmosMetricsHandler Handler(double charge) =>
        new(h.Metrics, ["chats", "users", "directory"])
        {
            InnerHandler = new FakeCosmos(request =>
            {
                var response = new ResponseMessage(HttpStatusCode.OK, request);
                response.Headers.Add("x-ms-request-charge", charge.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return response;
            }),
        };

    private static FunctionContext FunctionContextOf(string functionName, IReadOnlyDictionary<string, object?> bindingData)
    {
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(functionName);
        var binding = new Mock<BindingContext>();
        binding.SetupGet(b => b.BindingData).Returns(bindingData);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.BindingContext).Returns(binding.Object);
        return context.Object;
    }

    /// <summary>The rest of the Cosmos pipeline: answers every request with the given response.</summary>
    private sealed class FakeCosmos(Func<RequestMessage, ResponseMessage> respond) : RequestHandler
    {
        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken) => Task.FromResult(respond(request));
    }
}
