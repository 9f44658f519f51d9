using Chat.Functions;
using Chat.Functions.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ChatWorkerMiddleware>();
builder.Services.AddChatBackend();
builder.Build().Run();
