namespace Chat.IntegrationTests;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Chat.Client;
using Chat.Functions.OpenApi;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Xunit;

/// <summary>The OpenAPI document: served by the local host without a token, the answers of real calls valid against
/// its schemas, lint-clean under Redocly's recommended rules, and the SDK's generated types up to date with it.</summary>
[Collection(BackendCollection.Name)]
public sealed class OpenApiDocumentTests(BackendFixture backend)
{
    private static readonly NodeProject Linter = new(Path.Combine("web", "openapi"));
    private static readonly NodeProject Sdk = new(Path.Combine("web", "sdk"));

    // Written once per run (Redocly's ignore file names it; `npm run generate` in web/sdk reads it); git-ignored.
    private static readonly Lazy<Task<string>> DocumentFile = new(WriteDocumentAsync);

    private static readonly JsonNode Document = JsonNode.Parse(OpenApiDocument.Json)!;

    [Fact]
    public async Task Document_IsServedWithoutAToken_AsOpenApi31Json()
    {
        using var http = new HttpClient { BaseAddress = backend.Host.BaseAddress };

        using var response = await http.GetAsync(new Uri("api/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.Public);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.1.", served["openapi"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Document, served));
    }

    [Fact]
    public async Task RealAnswers_AreValidAgainstTheDocumentsSchemas()
    {
        var alice = await backend.Host.NewUserAsync("Alice");
        var bob = await backend.Host.NewUserAsync("Bob");
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SendAsync(chat.ChatId, new SendMessage("oa-1", "text", "Hello"));

        await AssertValidAsync(alice, HttpMethod.Post, $"chats/{chat.ChatId}/messages", """{"clientMessageId":"oa-2","type":"text","text":"Hi","replyToSeq":1}""");
        await AssertValidAsync(bob, HttpMethod.Put, $"chats/{chat.ChatId}/messages/1/reactions/me", """{"emoji":"👍"}""");
        await AssertValidAsync(bob, HttpMethod.Get, $"chats/{chat.ChatId}/messages?limit=10");
        await AssertValidAsync(bob, HttpMethod.Get, $"chats/{chat.ChatId}");
        await AssertValidAsync(bob, HttpMethod.Get, "chats");
        await AssertValidAsync(alice, HttpMethod.Get, "users/me");
        await AssertValidAsync(alice, HttpMethod.Get, $"chats/{chat.ChatId}/messages/1/receipts");
        await AssertValidAsync(alice, HttpMethod.Get, "users/me/sessions");
        await AssertValidAsync(alice, HttpMethod.Get, $"presence?userIds={bob.UserId}");
        await AssertValidAsync(alice, HttpMethod.Get, "chats/no-such-chat", expected: HttpStatusCode.NotFound);
        await AssertValidAsync(alice, HttpMethod.Post, $"chats/{chat.ChatId}/messages", """{"type":"text"}""", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Document_IsLintClean_UnderRedoclysRecommendedRules()
    {
        var file = await DocumentFile.Value;

        var (exitCode, output) = await Linter.NodeAsync(Path.Combine("node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", Path.GetFileName(file));

        Assert.True(exitCode == 0, output);
        Assert.Contains("Your API description is valid", output);
        Assert.DoesNotContain("You have", output); // "You have N warnings"
    }

    [Fact]
    public async Task SdkTypes_AreGeneratedFromTheCurrentDocument()
    {
        var file = await DocumentFile.Value;
        var output = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.ts");
        try
        {
            var (exitCode, log) = await Sdk.NodeAsync(Path.Combine("node_modules", "openapi-typescript", "bin", "cli.js"), file, "-o", output);

            Assert.True(exitCode == 0, log);
            var committed = await File.ReadAllTextAsync(Path.Combine(Sdk.Directory, "src", "generated", "openapi.ts"));
            Assert.True(
                committed == await File.ReadAllTextAsync(output),
                "web/sdk/src/generated/openapi.ts is not what the current document generates: run `npm run generate` in web/sdk " +
                $"(it reads {file}, which this test has just written) and commit the result.");
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static async Task<string> WriteDocumentAsync()
    {
        var file = Path.Combine(RepositoryLayout.Root, "web", "openapi", "openapi.json");
        var partial = file + "." + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(partial, OpenApiDocument.Json);
        File.Move(partial, file, overwrite: true);
        return file;
    }

    private async Task AssertValidAsync(ChatClient caller, HttpMethod method, string path, string? body = null, HttpStatusCode? expected = null)
    {
        using var request = new HttpRequestMessage(method, "api/" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Tokens!.AccessToken);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var http = new HttpClient { BaseAddress = backend.Host.BaseAddress };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected is null ? response.IsSuccessStatusCode : response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");

        var operation = Operation(method, path);
        var answer = operation["responses"]![((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)];
        Assert.True(answer is not null, $"{method} {path} answered {(int)response.StatusCode}, which the document does not list.");
        answer = answer!["$ref"] is { } reference ? Document["components"]!["responses"]![reference.GetValue<string>().Split('/')[^1]]! : answer;
        var (mediaType, content) = Assert.Single(answer["content"]!.AsObject());
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var problems = new SchemaCheck(Document).Problems(content!["schema"]!, JsonNode.Parse(text));
        Assert.True(problems.Count == 0, $"{method} {path}: {string.Join("; ", problems)}\n{text}");
    }

    /// <summary>The document's operation for a concrete path (its templated segments match anything).</summary>
    private static JsonNode Operation(HttpMethod method, string path)
    {
        var segments = path.Split('?')[0].Split('/');
        var match = Document["paths"]!.AsObject()
            .Where(p => p.Value![method.Method.ToLowerInvariant()] is not null)
            .Select(p => (Template: p.Key.TrimStart('/').Split('/'), Item: p.Value!))
            .Where(p => p.Template.Length == segments.Length && p.Template.Zip(segments).All(s => s.First.StartsWith('{') || s.First == s.Second))
            .OrderBy(p => p.Template.Count(s => s.StartsWith('{'))) // a literal segment wins, as in the router
            .First();
        return match.Item[method.Method.ToLowerInvariant()]!;
    }
}
