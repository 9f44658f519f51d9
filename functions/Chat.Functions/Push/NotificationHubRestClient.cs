namespace Chat.Functions.Push;

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Functions.Http;
using Microsoft.Extensions.Options;

/// <summary>
/// A typed client of the Azure Notification Hubs REST API (installations and template sends), signed
/// with SAS tokens from the hub's connection string; the local Notification Hubs sink speaks the same
/// API. No retries here: device calls answer 503 at once, and push jobs are retried by the queue.
/// </summary>
public sealed class NotificationHubRestClient(HttpClient http, IOptions<NotificationHubOptions> options, TimeProvider time) : IPushHub
{
    private NotificationHubOptions Settings => options.Value;

    public Task UpsertDeviceAsync(PushDevice device, CancellationToken ct) =>
        CallAsync(HttpMethod.Put, $"installations/{Uri.EscapeDataString(device.HubInstallationId)}", PushTemplates.Installation(device), null, ct);

    public Task DeleteDeviceAsync(string hubInstallationId, CancellationToken ct) =>
        CallAsync(HttpMethod.Delete, $"installations/{Uri.EscapeDataString(hubInstallationId)}", null, null, ct);

    public Task SendAsync(PushNotification notification, IReadOnlyCollection<string> userIds, CancellationToken ct) =>
        CallAsync(
            HttpMethod.Post,
            "messages/",
            JsonSerializer.SerializeToUtf8Bytes(PushTemplates.Properties(notification), ChatJson.Options),
            new Dictionary<string, string>
            {
                ["ServiceBusNotification-Format"] = "template",
                ["ServiceBusNotification-Tags"] = PushTemplates.TagExpression(userIds),
            },
            ct);

    /// <summary>Builds the request of one REST operation (exposed for tests of its shape).</summary>
    public HttpRequestMessage BuildRequest(HttpMethod method, string relative, byte[]? body, IReadOnlyDictionary<string, string>? headers)
    {
        var (hubUrl, keyName, key) = Settings.Resolve();
        var request = new HttpRequestMessage(method, new Uri($"{hubUrl.ToString().TrimEnd('/')}/{relative}?api-version={Settings.ApiVersion}"));
        request.Headers.TryAddWithoutValidation("Authorization", NotificationHubSas.Create(hubUrl, keyName, key, time.GetUtcNow() + Settings.TokenLifetime));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        return request;
    }

    private async Task CallAsync(HttpMethod method, string relative, byte[]? body, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = BuildRequest(method, relative, body, headers);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode || (method == HttpMethod.Delete && response.StatusCode == HttpStatusCode.NotFound))
            {
                return;
            }

            var status = (int)response.StatusCode;
            var transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError;
            throw new PushDeliveryException($"Notification Hubs answered {status} to {method} {relative}.", transient, status);
        }
        catch (HttpRequestException e)
        {
            throw new PushDeliveryException($"Notification Hubs could not be reached ({method} {relative}).", transient: true, inner: e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PushDeliveryException($"Notification Hubs did not answer {method} {relative} in time.", transient: true, inner: e);
        }
    }
}
