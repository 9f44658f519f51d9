namespace Chat.Functions.OpenApi;

using System.Text.Encodings.Web;
using System.Text.Json;
using Chat.Functions.Http;

/// <summary>The API's OpenAPI document, built once from <see cref="HttpFunctionCatalog.All"/> on first use.</summary>
public static class OpenApiDocument
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly Lazy<string> Text = new(() => OpenApiDocumentBuilder.Build(HttpFunctionCatalog.All).ToJsonString(Indented) + "\n");

    public static string Json => Text.Value;
}
