namespace Chat.InfraTests;

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>The web client (web/app) on Azure Static Web Apps: declared, deployed by azd, pointed at the API, allowed by CORS.</summary>
public sealed partial class WebClientInfrastructureTests
{
    private static readonly string AzureYaml = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "azure.yaml"));

    [Fact]
    public void StaticWebApp_IsTheResourceOfAzdsWebService()
    {
        var (scope, site) = CompiledInfrastructure.Main.Single("Microsoft.Web/staticSites");
        var service = WebService();

        Assert.Contains("'azd-service-name', parameters('serviceName')", site["tags"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("web", scope.Literal(JsonValue.Create("[parameters('serviceName')]"))!.GetValue<string>());
        Assert.Equal("None", site["properties"]!["provider"]!.GetValue<string>());
        Assert.Equal("staticwebapp", service["host"]);
        Assert.Equal("js", service["language"]);
        Assert.Equal("dist", service["dist"]);
        Assert.Equal("./web/app", service["project"]);
    }

    [Fact]
    public void WebProject_BuildsIntoTheFolderAzdUploads_WithAnSpaFallback()
    {
        var app = Path.Combine(BicepCli.RepositoryRoot, "web", "app");
        var scripts = JsonNode.Parse(File.ReadAllText(Path.Combine(app, "package.json")))!["scripts"]!;
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(app, "public", "staticwebapp.config.json")))!;

        Assert.Equal("vite build", scripts["build"]!.GetValue<string>());
        Assert.Contains("outDir: \"dist\"", File.ReadAllText(Path.Combine(app, "vite.config.ts")), StringComparison.Ordinal);
        Assert.Equal("/index.html", config["navigationFallback"]!["rewrite"]!.GetValue<string>());
    }

    [Fact]
    public void WebBuild_IsPointedAtTheFunctionApp()
    {
        // azd exposes main.bicep's outputs to hooks as environment variables; the app reads VITE_API_BASE_URL.
        Assert.NotNull(CompiledInfrastructure.Main.Json["outputs"]?["API_URL"]);
        Assert.Contains("VITE_API_BASE_URL=${API_URL%/api}", AzureYaml, StringComparison.Ordinal);
        Assert.Contains("$env:API_URL", AzureYaml, StringComparison.Ordinal);
        // azd up packages before provisioning unless told otherwise: the first build would get an empty API_URL.
        Assert.Matches(@"workflows:\n  up:\n    steps:\n      - azd: provision\n      - azd: deploy --all", AzureYaml.ReplaceLineEndings("\n"));
        var session = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "web", "app", "src", "session.ts"));
        Assert.Contains("baseUrl: import.meta.env.VITE_API_BASE_URL", session, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft.Web/sites")]
    [InlineData("Microsoft.SignalRService/signalR")]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices")]
    public void Cors_OfTheApiSignalRAndBlobStorage_AllowsTheWebClientsOrigin(string type)
    {
        var (scope, resource) = CompiledInfrastructure.Main.Single(type);
        var cors = resource["properties"]!["siteConfig"]?["cors"]?["allowedOrigins"]
            ?? resource["properties"]!["cors"]?["allowedOrigins"]
            ?? resource["properties"]!["cors"]?["corsRules"]?[0]?["allowedOrigins"];

        var texts = scope.Trace(cors).Texts;

        Assert.Contains(texts, t => t.Contains("union(", StringComparison.Ordinal) && t.Contains("outputs.origin", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("defaultHostname", StringComparison.Ordinal));
    }

    /// <summary>The keys of <c>services.web</c> in azure.yaml (flat scalars only).</summary>
    private static Dictionary<string, string> WebService()
    {
        var block = WebServiceBlock().Match(AzureYaml);
        Assert.True(block.Success, "azure.yaml has no services.web");
        return ScalarLine().Matches(block.Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
    }

    [GeneratedRegex(@"^  web:\n((?:    .*\n?)+)", RegexOptions.Multiline)]
    private static partial Regex WebServiceBlock();

    [GeneratedRegex(@"^    (\w+): ([^\s#][^\n]*)$", RegexOptions.Multiline)]
    private static partial Regex ScalarLine();
}
