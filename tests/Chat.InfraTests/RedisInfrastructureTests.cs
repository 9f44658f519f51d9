namespace Chat.InfraTests;

using System.Text.Json.Nodes;

/// <summary>Azure Managed Redis: Entra ID only, TLS, persistence, and the data-access policy of the app identity.</summary>
public sealed class RedisInfrastructureTests
{
    private const string Database = "Microsoft.Cache/redisEnterprise/databases";
    private const string AccessPolicy = "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments";

    [Fact]
    public void Database_TakesEntraTokensOnly_OverTls()
    {
        var (scope, database) = CompiledInfrastructure.Main.Single(Database);
        var (clusterScope, cluster) = CompiledInfrastructure.Main.Single("Microsoft.Cache/redisEnterprise");

        Assert.Equal("Disabled", Literal(scope, database, "accessKeysAuthentication"));
        Assert.Equal("Encrypted", Literal(scope, database, "clientProtocol"));
        Assert.Equal("1.2", Literal(clusterScope, cluster, "minimumTlsVersion"));
    }

    [Fact]
    public void Database_PersistsLastSeen_AndServesMultiKeyReadsAcrossSlots()
    {
        var (scope, database) = CompiledInfrastructure.Main.Single(Database);
        var persistence = database["properties"]!["persistence"]!;

        Assert.True(scope.Literal(persistence["rdbEnabled"])?.GetValue<bool>() == true || scope.Literal(persistence["aofEnabled"])?.GetValue<bool>() == true);
        Assert.Equal("EnterpriseCluster", Literal(scope, database, "clusteringPolicy")); // one MGET of 100 users
    }

    [Fact]
    public void AccessPolicy_IsGrantedToTheAppIdentity_TheUserTheAppAuthenticatesAs()
    {
        var assignment = Assert.Single(CompiledInfrastructure.Main.AllResources(AccessPolicy));
        var properties = assignment.Resource["properties"]!;
        var granted = assignment.Scope.Trace(properties["user"]!["objectId"]).Texts;
        var (settingsScope, settings) = CompiledInfrastructure.AppSettings;
        var userName = settingsScope.Trace(settings["Redis__PrincipalId"]).Texts;

        Assert.Equal("default", assignment.Scope.Literal(properties["accessPolicyName"])?.GetValue<string>());
        foreach (var texts in new[] { granted, userName })
        {
            Assert.Contains(texts, t => t.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal) && t.EndsWith(".principalId]", StringComparison.Ordinal));
            Assert.Contains(texts, t => t.Contains("variables('identityName')", StringComparison.Ordinal));
        }

        Assert.DoesNotContain("reference(", assignment.Resource["name"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_NameTheDatabaseEndpoint_AndNoKey()
    {
        var (scope, settings) = CompiledInfrastructure.AppSettings;
        var endpoint = scope.Trace(settings["Redis__Endpoint"]).Texts;

        Assert.Contains(endpoint, t => t.StartsWith("[format('{0}:{1}'", StringComparison.Ordinal) && t.Contains("hostName", StringComparison.Ordinal) && t.Contains("port", StringComparison.Ordinal));
        Assert.DoesNotContain(settings, s => s.Key.StartsWith("Redis__", StringComparison.Ordinal) && (s.Key.EndsWith("ConnectionString", StringComparison.Ordinal) || s.Key.EndsWith("Password", StringComparison.Ordinal)));
        Assert.DoesNotContain(endpoint, t => t.Contains("listKeys", StringComparison.OrdinalIgnoreCase));
    }

    private static string? Literal(ArmTemplate scope, JsonObject resource, string property) =>
        scope.Literal(resource["properties"]?[property])?.GetValue<string>();
}
