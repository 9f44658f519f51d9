namespace Chat.Functions.Sms;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Functions.Http;
using Microsoft.Extensions.Options;

/// <summary>Sends SMS through the Azure Communication Services REST API (<c>POST /sms</c>,
/// api-version 2021-03-07): HMAC-signed with the access key, or a bearer token of the managed identity.</summary>
public sealed class AcsSmsSender(HttpClient http, IOptions<SmsOptions> options, TimeProvider time, TokenCredential? credential = null) : ISmsSender
{
    public const string ApiVersion = "2021-03-07";

    public async Task SendAsync(string phoneNumber, string text, CancellationToken ct)
    {
        var settings = options.Value;
        var (endpoint, key) = settings.Resolve();
        var uri = new Uri(endpoint, "sms?api-version=" + ApiVersion);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new { from = settings.From, smsRecipients = new[] { new { to = phoneNumber } }, message = text, smsSendOptions = new { enableDeliveryReport = false } },
            ChatJson.Options);

        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key is not null)
        {
            var date = AcsRequestSigner.Date(time.GetUtcNow());
            var hash = AcsRequestSigner.ContentHash(body);
            request.Headers.Add("x-ms-date", date);
            request.Headers.Add("x-ms-content-sha256", hash);
            request.Headers.TryAddWithoutValidation("Authorization", AcsRequestSigner.Authorization(key, "POST", uri.PathAndQuery, date, uri.Authority, hash));
        }
        else
        {
            var token = await (credential ?? throw new InvalidOperationException("A managed identity is required for Sms:Endpoint."))
                .GetTokenAsync(new TokenRequestContext(["https://communication.azure.com//.default"]), ct);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        using var response = await http.SendAsync(request, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw ChatErrors.Unavailable("SMS service", TimeSpan.FromSeconds(30));
        }

        var result = await response.Content.ReadFromJsonAsync<SendSmsResponse>(ChatJson.Options, timeout.Token);
        if (result?.Value is not { Count: > 0 } items || !items[0].Successful)
        {
            throw ChatErrors.Unavailable("SMS service", TimeSpan.FromSeconds(30));
        }
    }

    private sealed record SendSmsResponse(List<SendSmsItem>? Value);

    private sealed record SendSmsItem(string? To, string? MessageId, int HttpStatusCode, bool Successful, string? ErrorMessage);
}
