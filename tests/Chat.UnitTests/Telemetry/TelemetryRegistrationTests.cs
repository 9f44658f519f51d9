namespace Chat.UnitTests.Telemetry;

using System.ComponentModel.DataAnnotations;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Chat.Functions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

/// <summary>Which exporters <see cref="TelemetryRegistration.AddChatTelemetry"/> sets up, from the settings alone.</summary>
public sealed class TelemetryRegistrationTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

    [Fact]
    public void NoExporterSetting_RegistersNoOpenTelemetryProvider()
    {
        var services = Services([]);

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider) || d.ServiceType == typeof(MeterProvider));
        Assert.Contains(services, d => d.ServiceType == typeof(Chat.Core.Common.ChatMetrics));
    }

    [Fact]
    public void ApplicationInsights_WithAClientId_ExportsWithThatManagedIdentity()
    {
        var services = Services([
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", ConnectionString),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD"),
        ]);
        using var provider = services.BuildServiceProvider();

        var exporter = provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue;

        Assert.Equal(ConnectionString, exporter.ConnectionString);
        Assert.IsType<ManagedIdentityCredential>(exporter.Credential);
        Assert.Contains(services, d => d.ServiceType == typeof(TracerProvider));
        Assert.Contains(services, d => d.ServiceType == typeof(MeterProvider));
    }

    [Fact]
    public void ApplicationInsights_WithoutAClientId_ExportsWithTheAppCredential()
    {
        var credential = new Mock<TokenCredential>().Object;
        using var provider = Services([
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", ConnectionString),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD"),
        ], credential).BuildServiceProvider();

        Assert.Same(credential, provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue.Credential);
    }

    [Theory]
    [InlineData(ConnectionString, null, null)]
    [InlineData(ConnectionString, "Authorization=Key", null)]
    [InlineData("https://not-a-connection-string/", "Authorization=AAD", null)]
    [InlineData(null, null, "localhost:4317")]
    [InlineData(null, null, "ftp://collector:4317")]
    public void Validation_RefusesSettingsThatCannotExport(string? connectionString, string? authentication, string? otlpEndpoint)
    {
        var options = new TelemetryOptions { ApplicationInsightsConnectionString = connectionString, ApplicationInsightsAuthentication = authentication, OtlpEndpoint = otlpEndpoint };

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(ConnectionString, "ClientId=abc;Authorization=AAD", null)]
    [InlineData(null, null, "http://localhost:4317")]
    public void Validation_AcceptsWorkingSettings(string? connectionString, string? authentication, string? otlpEndpoint)
    {
        var options = new TelemetryOptions { ApplicationInsightsConnectionString = connectionString, ApplicationInsightsAuthentication = authentication, OtlpEndpoint = otlpEndpoint };

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    private static ServiceCollection Services(IEnumerable<(string Key, string Value)> settings, TokenCredential? credential = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection();
        services.AddSingleton(credential ?? new Mock<TokenCredential>().Object);
        services.AddChatTelemetry(configuration);
        return services;
    }
}
