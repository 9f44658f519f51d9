namespace Chat.InfraTests;

using System.Text.Json.Nodes;

/// <summary>infra/main.bicep compiled once per test run, and the Function App's pieces of it.</summary>
public static class CompiledInfrastructure
{
    private static readonly Lazy<ArmTemplate> Compiled = new(() => ArmTemplate.Parse(BicepCli.Build(BicepCli.MainTemplate)));

    public static ArmTemplate Main => Compiled.Value;

    /// <summary>The Function App (<c>Microsoft.Web/sites</c>) and the template it is declared in.</summary>
    public static (ArmTemplate Scope, JsonObject Resource) Site => Main.Single("Microsoft.Web/sites");

    /// <summary>The app settings as declared (values are literals or ARM expressions), with their template.</summary>
    public static (ArmTemplate Scope, JsonObject Settings) AppSettings
    {
        get
        {
            var configs = Main.AllResources("Microsoft.Web/sites/config")
                .Where(c => c.Resource["name"]!.GetValue<string>().Contains("'appsettings'", StringComparison.Ordinal))
                .ToList();
            Assert.True(configs.Count == 1, $"Expected one appsettings resource, found {configs.Count}.");
            var settings = configs[0].Resource["properties"] as JsonObject;
            Assert.True(settings is not null, "The appsettings properties must be an object literal (not one expression), so that each setting can be checked.");
            return (configs[0].Scope, settings);
        }
    }
}
