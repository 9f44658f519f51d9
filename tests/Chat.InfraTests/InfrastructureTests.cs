namespace Chat.InfraTests;

using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Chat.Functions.Cosmos;
using Chat.Functions.Queues;

/// <summary>The rest of the Bicep: lint-clean, the data model and queues of the code, no keys, azd wiring.</summary>
public sealed partial class InfrastructureTests
{
    [Fact]
    public void Lint_ReportsNothing()
    {
        var (exitCode, output) = BicepCli.Lint(BicepCli.MainTemplate);

        Assert.True(exitCode == 0 && output.Length == 0, $"bicep lint (exit {exitCode}):\n{output}");
    }

    [Fact]
    public void CosmosContainers_MirrorTheOnesTheCodeCreatesLocally()
    {
        // CosmosDatabase.EnsureCreatedAsync is the one definition of the containers (emulator, tests).
        var source = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "functions", "Chat.Functions", "Cosmos", "CosmosDatabase.cs"));
        var inCode = ContainerDefinition().Matches(source)
            .Select(m => (
                Id: (string)typeof(CosmosModel).GetField(m.Groups["model"].Value)!.GetRawConstantValue()!,
                PartitionKey: m.Groups["path"].Value,
                DefaultTtl: m.Groups["ttl"].Success ? m.Groups["ttl"].Value : null))
            .OrderBy(c => c.Id)
            .ToList();
        Assert.True(inCode.Count >= 3, "CosmosDatabase.EnsureCreatedAsync changed shape: update this test's pattern.");
        Assert.DoesNotContain("IndexingPolicy", source, StringComparison.Ordinal);

        var inBicep = CompiledInfrastructure.Main.AllResources("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .Select(c => (c.Scope, Resource: c.Resource["properties"]!["resource"]!))
            .Select(c => (
                Id: c.Resource["id"]!.GetValue<string>(),
                PartitionKey: c.Resource["partitionKey"]!["paths"]!.AsArray().Single()!.GetValue<string>(),
                DefaultTtl: c.Resource["defaultTtl"]?.ToJsonString(),
                Indexing: c.Scope.Literal(c.Resource["indexingPolicy"])))
            .OrderBy(c => c.Id)
            .ToList();

        Assert.Equal(inCode, inBicep.Select(c => (c.Id, c.PartitionKey, c.DefaultTtl)).ToList());
        foreach (var container in inBicep)
        {
            // No indexing policy in the code means the default one: consistent, everything included.
            Assert.Equal("consistent", container.Indexing?["indexingMode"]?.GetValue<string>());
            Assert.Equal("/*", container.Indexing?["includedPaths"]?.AsArray().Single()?["path"]?.GetValue<string>());
        }
    }

    [Fact]
    public void Queues_IncludeEveryQueueTheCodeNames()
    {
        var inCode = typeof(QueueNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(QueueNames.Connection))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        var (scope, _) = CompiledInfrastructure.Main.Single("Microsoft.Storage/storageAccounts/queueServices/queues");
        var inBicep = scope.Literal(JsonValue.Create("[parameters('queueNames')]"))?.AsArray().Select(q => q!.GetValue<string>()).ToList() ?? [];

        Assert.NotEmpty(inCode);
        Assert.All(inCode, queue => Assert.Contains(queue, inBicep));
    }

    [Fact]
    public void EveryService_HasLocalAuthOff()
    {
        var main = CompiledInfrastructure.Main;

        Assert.False(Property(main, "Microsoft.Storage/storageAccounts", "allowSharedKeyAccess"));
        Assert.False(Property(main, "Microsoft.Storage/storageAccounts", "allowBlobPublicAccess"));
        Assert.True(Property(main, "Microsoft.DocumentDB/databaseAccounts", "disableLocalAuth"));
        Assert.True(Property(main, "Microsoft.SignalRService/signalR", "disableLocalAuth"));
        Assert.True(Property(main, "Microsoft.Communication/communicationServices", "disableLocalAuth"));
        Assert.True(Property(main, "Microsoft.Insights/components", "DisableLocalAuth"));
        Assert.True(Property(main, "Microsoft.KeyVault/vaults", "enableRbacAuthorization"));

        var signalR = main.Single("Microsoft.SignalRService/signalR").Resource;
        Assert.Contains(signalR["properties"]!["features"]!.AsArray(), f => f!["flag"]!.GetValue<string>() == "ServiceMode" && f["value"]!.GetValue<string>() == "Serverless");
    }

    [Fact]
    public void SignalR_ReportsNewAndClosedConnectionsToTheAppsUpstreamRoute_WithItsOwnManagedIdentity()
    {
        var (scope, signalR) = CompiledInfrastructure.Main.Single("Microsoft.SignalRService/signalR");
        var route = Chat.Functions.Http.HttpFunctionCatalog.Find(nameof(Chat.Functions.Triggers.RealtimeUpstreamFunctions.RealtimeUpstream))!.Route;

        Assert.Equal("SystemAssigned", signalR["identity"]!["type"]!.GetValue<string>());
        var template = Assert.Single(signalR["properties"]!["upstream"]!["templates"]!.AsArray())!;
        Assert.Equal("connections", template["categoryPattern"]!.GetValue<string>());
        Assert.Equal("connected,disconnected", template["eventPattern"]!.GetValue<string>());
        Assert.Equal("chat", scope.Literal(template["hubPattern"])!.GetValue<string>());
        Assert.Equal("ManagedIdentity", template["auth"]!["type"]!.GetValue<string>());
        Assert.NotNull(template["auth"]!["managedIdentity"]!["resource"]);

        // The template's placeholders are the route's parameters, under the app's default host name and /api.
        var url = scope.Trace(template["urlTemplate"]).Texts.Single(t => t.Contains("azurewebsites.net", StringComparison.Ordinal))
            .Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal);
        Assert.Contains(".azurewebsites.net/api/" + route + "'", url, StringComparison.Ordinal);
        Assert.Equal("realtime/upstream/{hub}/{category}/{event}", route);

        // The app checks the service's token: audience, tenant and the service identity's object id.
        var settings = CompiledInfrastructure.AppSettings.Settings;
        Assert.All(["SignalR__Upstream__Audience", "SignalR__Upstream__TenantId", "SignalR__Upstream__PrincipalId"], name => Assert.NotNull(settings[name]));
        Assert.Contains(CompiledInfrastructure.AppSettings.Scope.Trace(settings["SignalR__Upstream__PrincipalId"]).Texts, t => t.Contains("identity.principalId", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleAssignments_HaveDeterministicNames()
    {
        var assignments = CompiledInfrastructure.Main.AllResources("Microsoft.Authorization/roleAssignments")
            .Concat(CompiledInfrastructure.Main.AllResources("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"))
            .Select(a => a.Resource["name"]!.GetValue<string>())
            .ToList();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, name =>
        {
            Assert.Contains("guid(", name, StringComparison.Ordinal);
            Assert.DoesNotContain("reference(", name, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void CosmosDataRole_IsGivenToTheAppIdentity()
    {
        var assignments = CompiledInfrastructure.Main.AllResources("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .Select(a => a.Scope.Trace(a.Resource["properties"]!["roleDefinitionId"]).Texts)
            .ToList();

        Assert.Contains(assignments, texts => texts.Any(t => t.Contains("00000000-0000-0000-0000-000000000002", StringComparison.Ordinal)));
    }

    [Fact]
    public void JwtKeys_AreReadBackFromTheVaultOnEveryProvision()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "infra", "main.parameters.json")))!["parameters"]!;
        var vaultSecrets = CompiledInfrastructure.Main.AllResources("Microsoft.KeyVault/vaults/secrets")
            .Select(s => SecretName().Match(s.Resource["name"]!.GetValue<string>()).Groups[1].Value)
            .ToHashSet();

        foreach (var parameter in new[] { "authSigningKey", "authRefreshTokenKey" })
        {
            var value = parameters[parameter]?["value"]?.GetValue<string>() ?? string.Empty;
            var call = ReadBack().Match(value);
            Assert.True(call.Success, $"{parameter} must be $(secretOrRandomPassword ${{AZURE_KEY_VAULT_NAME}} NAME), else every provision rotates it.");
            Assert.Contains(call.Groups[1].Value, vaultSecrets);
            Assert.True(CompiledInfrastructure.Main.IsSecureParameter(parameter));
        }

        Assert.NotNull(CompiledInfrastructure.Main.Json["outputs"]?["AZURE_KEY_VAULT_NAME"]);
    }

    [Fact]
    public void ParameterFile_MatchesTheTemplate()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "infra", "main.parameters.json")))!["parameters"]!.AsObject();
        var declared = CompiledInfrastructure.Main.Json["parameters"]!.AsObject();

        Assert.All(parameters, p => Assert.True(declared.ContainsKey(p.Key), $"main.parameters.json sets {p.Key}, which main.bicep does not declare."));
        Assert.All(
            declared.Where(p => p.Value?["defaultValue"] is null),
            p => Assert.True(parameters.ContainsKey(p.Key), $"main.bicep requires {p.Key}, which main.parameters.json does not set."));
    }

    [Fact]
    public void Outputs_AreUpperSnakeForAzd()
    {
        var outputs = CompiledInfrastructure.Main.Json["outputs"]!.AsObject().Select(o => o.Key).ToList();

        Assert.Contains("AZURE_FUNCTION_APP_NAME", outputs);
        Assert.Contains("API_URL", outputs);
        Assert.All(outputs, name => Assert.Matches("^[A-Z][A-Z0-9_]*$", name));
    }

    private static bool Property(ArmTemplate main, string type, string property)
    {
        var (scope, resource) = main.Single(type);
        return scope.Literal(resource["properties"]?[property]) is JsonValue v && v.GetValue<bool>();
    }

    [GeneratedRegex(@"new ContainerProperties\(CosmosModel\.(?<model>\w+), ""(?<path>[^""]+)""\)(\s*\{\s*DefaultTimeToLive = (?<ttl>-?\d+)\s*\})?")]
    private static partial Regex ContainerDefinition();

    [GeneratedRegex(@"^\$\(secretOrRandomPassword \$\{AZURE_KEY_VAULT_NAME\} ([a-z0-9-]+)\)$")]
    private static partial Regex ReadBack();

    [GeneratedRegex(@"'([a-z0-9-]+)'\)\]$")]
    private static partial Regex SecretName();
}
