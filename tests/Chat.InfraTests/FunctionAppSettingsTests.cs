namespace Chat.InfraTests;

using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Chat.Functions;
using Chat.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>
/// The Function App's settings in the compiled Bicep against what the code needs. The list of what is
/// needed comes from the code itself: the options the app validates at start-up (found in
/// <see cref="ChatServiceRegistration.AddChatBackend"/>), the queue triggers' connections, the target framework.
/// </summary>
public sealed partial class FunctionAppSettingsTests
{
    /// <summary>What a Key Vault reference stands for here: base64 of 48 bytes, like the keys the template writes.</summary>
    private static readonly string KeyVaultSecretStandIn = Convert.ToBase64String(Enumerable.Range(1, 48).Select(i => (byte)i).ToArray());

    /// <summary>The Functions host's own storage connection (a platform convention, not a name in our code).</summary>
    private const string HostStorage = "AzureWebJobsStorage";

    [Fact]
    public void Settings_PassTheStartUpValidationOfEveryOptionsClass()
    {
        var (scope, settings) = CompiledInfrastructure.AppSettings;
        var configuration = Configuration(settings.Select(s => (s.Key, StandIn(scope, s.Value))));

        var failures = ValidatedOptionsTypes()
            .Select(type => (type, error: Validate(type, configuration)))
            .Where(r => r.error is not null)
            .Select(r => $"{r.type.Name}: {r.error}")
            .ToList();

        Assert.True(failures.Count == 0, "The Bicep app settings fail the app's start-up validation:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void EmptySettings_FailTheStartUpValidation()
    {
        // Keeps the test above honest: without settings the app must refuse to start.
        var configuration = Configuration([]);

        Assert.Contains(ValidatedOptionsTypes(), type => Validate(type, configuration) is not null);
        Assert.Contains(typeof(Chat.Functions.Auth.AuthOptions), ValidatedOptionsTypes());
    }

    [Fact]
    public void IdentityAlternatives_AreUsedInsteadOfConnectionStrings()
    {
        var settings = CompiledInfrastructure.AppSettings.Settings;

        // An optional ConnectionString means the options class also takes an endpoint for the managed identity.
        var withIdentityAlternative = ValidatedOptionsTypes()
            .Where(t => t.GetProperty("ConnectionString") is { } p && p.GetCustomAttribute<RequiredAttribute>() is null)
            .Select(Section)
            .ToList();

        Assert.NotEmpty(withIdentityAlternative);
        foreach (var section in withIdentityAlternative)
        {
            Assert.False(HasSetting(settings, $"{section}__ConnectionString"), $"{section} must use its identity endpoint in Azure, not a connection string.");
        }
    }

    [Fact]
    public void NoSetting_HoldsOrDerivesFromAKey()
    {
        var (scope, settings) = CompiledInfrastructure.AppSettings;

        foreach (var (name, value) in settings)
        {
            var (texts, reachesSecure) = scope.Trace(value);
            var joined = string.Join('\n', texts);
            Assert.False(reachesSecure, $"{name} is built from a secure parameter; secrets go through Key Vault references.");
            Assert.False(KeyMaterial().IsMatch(joined), $"{name} holds or is built from a key:\n{joined}");
        }
    }

    [Fact]
    public void SecretSettings_AreKeyVaultReferences()
    {
        var (scope, settings) = CompiledInfrastructure.AppSettings;

        var secretNames = settings.Select(s => s.Key).Where(LooksSecret).ToList();
        Assert.NotEmpty(secretNames);
        foreach (var name in secretNames)
        {
            if (name == "APPLICATIONINSIGHTS_CONNECTION_STRING")
            {
                // Not a credential once local auth is off: ingestion then needs an Entra token.
                Assert.True(CompiledInfrastructure.Main.Single("Microsoft.Insights/components").Resource["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
                continue;
            }

            var text = settings[name]!.GetValue<string>();
            var literal = scope.Literal(settings[name])?.ToString() ?? string.Empty;
            Assert.True(
                text.StartsWith("[format('@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal) || literal.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal),
                $"{name} must be a Key Vault reference, but is {text}.");
        }
    }

    [Fact]
    public void KeyVaultReferences_ResolveWithTheAppIdentity()
    {
        var (_, site) = CompiledInfrastructure.Site;
        var identity = site["identity"]!;
        Assert.Equal("UserAssigned", identity["type"]!.GetValue<string>());

        var referenceIdentity = site["properties"]!["keyVaultReferenceIdentity"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(referenceIdentity), "keyVaultReferenceIdentity must name the user-assigned identity.");
        var assigned = identity["userAssignedIdentities"]!.AsObject().Select(p => p.Key);
        Assert.Contains(assigned, key => SameParameters(key, referenceIdentity));
    }

    [Fact]
    public void QueueTriggerConnections_UseTheManagedIdentity()
    {
        var settings = CompiledInfrastructure.AppSettings.Settings;
        var connections = typeof(ChatServiceRegistration).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()?.Connection)
            .OfType<string>()
            .Distinct()
            .ToList();

        Assert.NotEmpty(connections);
        foreach (var connection in connections)
        {
            Assert.False(HasSetting(settings, connection), $"{connection} must not be a connection string.");
            Assert.True(HasSetting(settings, $"{connection}__queueServiceUri"), $"{connection}__queueServiceUri is missing (queue triggers and StorageQueues).");
            AssertIdentityCredential(settings, connection);
        }
    }

    [Fact]
    public void HostStorage_UsesTheManagedIdentity()
    {
        var settings = CompiledInfrastructure.AppSettings.Settings;

        Assert.False(HasSetting(settings, HostStorage), "The host storage must not be a connection string.");
        Assert.True(HasSetting(settings, $"{HostStorage}__blobServiceUri") || HasSetting(settings, $"{HostStorage}__accountName"));
        AssertIdentityCredential(settings, HostStorage);
    }

    [Fact]
    public void AzureClientId_PicksTheUserAssignedIdentityForDefaultAzureCredential()
    {
        var settings = CompiledInfrastructure.AppSettings.Settings;

        Assert.True(HasSetting(settings, "AZURE_CLIENT_ID"));
        Assert.Equal(settings[$"{HostStorage}__clientId"]!.ToJsonString(), settings["AZURE_CLIENT_ID"]!.ToJsonString());
    }

    [Fact]
    public void FlexRuntime_IsTheDotnetIsolatedVersionTheAppTargets()
    {
        var (scope, site) = CompiledInfrastructure.Site;
        var settings = CompiledInfrastructure.AppSettings.Settings;
        var runtime = site["properties"]!["functionAppConfig"]!["runtime"]!;
        var target = new FrameworkName(typeof(ChatServiceRegistration).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName).Version;

        Assert.Equal("dotnet-isolated", scope.Literal(runtime["name"])?.ToString());
        Assert.Equal($"{target.Major}.{target.Minor}", scope.Literal(runtime["version"])?.ToString());
        var (planScope, plan) = CompiledInfrastructure.Main.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", planScope.Literal(plan["sku"]!["name"])?.ToString());

        // Flex Consumption rejects these: the runtime is set above, the package comes from functionAppConfig.
        foreach (var name in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE" })
        {
            Assert.False(HasSetting(settings, name), $"{name} is not allowed on Flex Consumption.");
        }
    }

    [Fact]
    public void Telemetry_GoesToApplicationInsights_WithAnEntraTokenOfTheAppIdentity()
    {
        var (scope, settings) = CompiledInfrastructure.AppSettings;
        var connection = settings[TelemetryOptions.ConnectionStringSetting]!.GetValue<string>();
        var authentication = settings[TelemetryOptions.AuthenticationSetting]?.GetValue<string>() ?? string.Empty;

        // The component's own connection string (a module output), with local auth off on the component.
        Assert.Contains(scope.Trace(settings[TelemetryOptions.ConnectionStringSetting]).Texts, t => t.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.True(CompiledInfrastructure.Main.Single("Microsoft.Insights/components").Resource["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
        Assert.StartsWith("[parameters(", connection, StringComparison.Ordinal);

        // Entra auth, with the identity DefaultAzureCredential also picks (AZURE_CLIENT_ID).
        Assert.StartsWith("[format('ClientId={0};Authorization=AAD'", authentication, StringComparison.Ordinal);
        Assert.True(SameParameters(authentication, settings["AZURE_CLIENT_ID"]!.GetValue<string>()), "The authentication string must name the app's identity.");
        Assert.False(HasSetting(settings, TelemetryOptions.OtlpEndpointSetting), "Azure exports to Application Insights only.");

        // What these settings become in Azure passes the start-up validation, and names that identity.
        var clientId = Guid.NewGuid().ToString();
        var options = Configuration([
            (TelemetryOptions.ConnectionStringSetting, "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"),
            (TelemetryOptions.AuthenticationSetting, $"ClientId={clientId};Authorization=AAD"),
        ]).Get<TelemetryOptions>()!;
        Assert.Empty(ValidationErrors(options));
        Assert.True(options.ExportsToApplicationInsights);
        Assert.Equal(clientId, options.AuthenticationClientId);
        Assert.NotEmpty(ValidationErrors(new TelemetryOptions { ApplicationInsightsConnectionString = options.ApplicationInsightsConnectionString }));
    }

    private static List<ValidationResult> ValidationErrors(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private static void AssertIdentityCredential(JsonObject settings, string connection)
    {
        Assert.Equal("managedidentity", settings[$"{connection}__credential"]?.GetValue<string>());
        Assert.True(HasSetting(settings, $"{connection}__clientId"), $"{connection}__clientId must name the user-assigned identity.");
    }

    /// <summary>The options types the app binds and validates at start-up (ValidateDataAnnotations registers their validators).</summary>
    private static IReadOnlyList<Type> ValidatedOptionsTypes()
    {
        var services = new ServiceCollection();
        services.AddChatBackend();
        return services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Distinct()
            .ToList();
    }

    /// <summary>Binds and validates one options type exactly as the app does; null when it is valid.</summary>
    private static string? Validate(Type optionsType, IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddChatBackend();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(optionsType));
        try
        {
            _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is OptionsValidationException or InvalidOperationException)
        {
            return e.InnerException!.Message;
        }
    }

    /// <summary>App settings reach the worker as environment variables: <c>__</c> nests.</summary>
    private static IConfiguration Configuration(IEnumerable<(string Name, string Value)> settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Name.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build();

    /// <summary>
    /// The value a setting will have in Azure, as far as it can be known here: its literal when it has
    /// one, a stand-in secret for a Key Vault reference, a GUID for an identity's principal id, host:port
    /// for a <c>format('{0}:{1}', ...)</c>, else a URL (each expression its own).
    /// </summary>
    private static string StandIn(ArmTemplate scope, JsonNode? value)
    {
        if (scope.Literal(value) is JsonValue literal)
        {
            return literal.ToString();
        }

        var text = value!.ToJsonString();
        if (text.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal))
        {
            return KeyVaultSecretStandIn;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        var traced = scope.Trace(value).Texts;
        if (traced.Any(t => t.EndsWith(".principalId]", StringComparison.Ordinal)))
        {
            return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..16]).ToString(); // an object id
        }

        if (traced.Any(t => t.StartsWith("[format('{0}:{1}'", StringComparison.Ordinal)))
        {
            return $"x{hash}.resolved-at-deployment.invalid:10000"; // host:port
        }

        return $"https://x{hash}.resolved-at-deployment.invalid/";
    }

    private static string Section(Type optionsType) =>
        (string)(optionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue()
            ?? throw new InvalidOperationException($"{optionsType.Name} has no Section constant."));

    private static bool HasSetting(JsonObject settings, string name) =>
        settings.Any(s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase));

    private static bool LooksSecret(string name)
    {
        var normalized = name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        return new[] { "KEY", "CONNECTIONSTRING", "SECRET", "PASSWORD", "TOKEN" }.Any(normalized.EndsWith);
    }

    private static bool SameParameters(string left, string right)
    {
        var names = ParameterName().Matches(left).Select(m => m.Value).ToHashSet();
        return names.Count > 0 && names.SetEquals(ParameterName().Matches(right).Select(m => m.Value));
    }

    [GeneratedRegex(@"parameters\('[^']+'\)")]
    private static partial Regex ParameterName();

    /// <summary>Account keys, SAS keys and the ARM functions that return them.</summary>
    [GeneratedRegex(@"AccountKey=|SharedAccessKey=|AccessKey=|SharedAccessSignature=|\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex KeyMaterial();
}
