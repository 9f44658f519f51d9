namespace Chat.UnitTests.TestData;

using System.Net;
using System.Text;

/// <summary>Answers every request with a fixed response, or the next scripted one, and keeps what
/// was sent; no network.</summary>
public sealed class RecordingHandler(HttpStatusCode status, string body) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, byte[] Body)> Requests { get; } = [];

    /// <summary>Answers for the next requests, in order, before the fixed one; a null status throws
    /// <see cref="HttpRequestException"/> (the connection failed).</summary>
    public Queue<(HttpStatusCode? Status, string Body)> Script { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var content = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        Requests.Add((request, content));
        var (answerStatus, answerBody) = Script.TryDequeue(out var next) ? next : (status, body);
        return answerStatus is { } s
            ? new HttpResponseMessage(s) { Content = new StringContent(answerBody, Encoding.UTF8, "application/json") }
            : throw new HttpRequestException("connection refused (scripted)");
    }
}
