namespace Chat.LocalHost;

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chat.Functions.Http;
using Chat.Functions.Sms;
using Microsoft.Extensions.Options;

public sealed record ReceivedSms(string PhoneNumber, string Text, DateTimeOffset At);

/// <summary>
/// Stands in for Azure Communication Services SMS: accepts <c>POST /sms</c> exactly as the service
/// does (HMAC-SHA256 signature checked with the configured access key) and records each message
/// for <c>GET /_local/sms</c>.
/// </summary>
public sealed class LocalSmsSink(IOptions<SmsOptions> options, TimeProvider time)
{
    private readonly ConcurrentQueue<ReceivedSms> received = new();

    public IEnumerable<ReceivedSms> For(string? phoneNumber) =>
        received.Where(s => phoneNumber is null || s.PhoneNumber == phoneNumber);

    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        if (!IsSigned(context.Request, body))
        {
            return LocalErrorAnswers.Problem(401, "Denied by the local SMS sink: bad or missing HMAC signature.");
        }

        var request = JsonSerializer.Deserialize<SendSms>(body, ChatJson.Options);
        if (request?.SmsRecipients is not { Count: > 0 } recipients || request.Message is null)
        {
            return LocalErrorAnswers.Problem(400, "smsRecipients and message are required.");
        }

        var now = time.GetUtcNow();
        foreach (var recipient in recipients)
        {
            received.Enqueue(new ReceivedSms(recipient.To, request.Message, now));
        }

        return Results.Json(new
        {
            value = recipients.Select(r => new { to = r.To, messageId = Guid.NewGuid().ToString(), httpStatusCode = 202, successful = true }),
        }, statusCode: 202);
    }

    private bool IsSigned(HttpRequest request, byte[] body)
    {
        var (_, key) = options.Value.Resolve();
        var date = request.Headers["x-ms-date"].ToString();
        var hash = request.Headers["x-ms-content-sha256"].ToString();
        if (key is null || hash != AcsRequestSigner.ContentHash(body)
            || !DateTimeOffset.TryParse(date, System.Globalization.CultureInfo.InvariantCulture, out var at)
            || (time.GetUtcNow() - at).Duration() > TimeSpan.FromMinutes(15))
        {
            return false;
        }

        var expected = AcsRequestSigner.Authorization(key, request.Method, request.Path + request.QueryString, date, request.Host.Value ?? string.Empty, hash);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString()));
    }

    private sealed record SendSms(string? From, List<Recipient>? SmsRecipients, string? Message);

    private sealed record Recipient(string To);
}
