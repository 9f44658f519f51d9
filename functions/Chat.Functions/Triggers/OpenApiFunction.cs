namespace Chat.Functions.Triggers;

using System.Text.Json.Nodes;
using Chat.Functions.Http;
using Chat.Functions.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

public sealed class OpenApiFunction
{
    /// <summary>The API's OpenAPI 3.1 document (API.md v1.1), built once per process from the function catalog.</summary>
    [Function(nameof(GetOpenApiDocument)), Public]
    [Answers(200, typeof(JsonObject), Description = "This document (OpenAPI 3.1).")]
    public IActionResult GetOpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req)
    {
        req.HttpContext.Response.Headers.CacheControl = "public, max-age=300";
        return new ContentResult { Content = OpenApiDocument.Json, ContentType = "application/json; charset=utf-8", StatusCode = StatusCodes.Status200OK };
    }
}
