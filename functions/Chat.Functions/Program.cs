using Chat.Functions;
using Chat.Functions.Http;
using Chat.Functions.Queues;
using Chat.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ChatWorkerMiddleware>();
builder.UseMiddleware<QueueAgeMiddleware>();
builder.Services.AddChatBackend();
builder.Services.AddChatTelemetry(builder.Configuration, telemetry => telemetry.UseFunctionsWorkerDefaults());
builder.Build().Run();
