namespace Chat.Functions.Triggers;

using Chat.Core.Push;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class DeviceFunctions(DeviceService devices)
{
    [RequestBody(typeof(RegisterDeviceRequest))]
    [Answers(204)]
    [Function(nameof(RegisterDevice))]
    public async Task<IActionResult> RegisterDevice([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "devices/{installationId}")] HttpRequest req, string installationId)
    {
        await devices.RegisterAsync(req.CallerId(), installationId, await req.ReadBodyAsync<RegisterDeviceRequest>(), req.Aborted());
        return new NoContentResult();
    }

    [Answers(204)]
    [Problems(400)]
    [Function(nameof(RemoveDevice))]
    public async Task<IActionResult> RemoveDevice([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "devices/{installationId}")] HttpRequest req, string installationId)
    {
        await devices.RemoveAsync(req.CallerId(), installationId, req.Aborted());
        return new NoContentResult();
    }
}
