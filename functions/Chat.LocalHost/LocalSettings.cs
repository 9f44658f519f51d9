namespace Chat.LocalHost;

using System.Text.Json;
using Microsoft.Extensions.Configuration;

/// <summary>Reads the <c>Values</c> of local.settings.json (or, on a fresh clone, the sample) the way
/// Core Tools does, so both hosts share one settings file.</summary>
public static class LocalSettings
{
    public static string SamplePath => Path.Combine(RepositoryLayout.Root, "local.settings.sample.json");

    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder configuration)
    {
        var own = Path.Combine(RepositoryLayout.Root, "local.settings.json");
        return configuration.AddLocalSettingsFrom(File.Exists(own) ? own : SamplePath);
    }

    public static IConfigurationBuilder AddLocalSettingsFrom(this IConfigurationBuilder configuration, string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var values = document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString());
        return configuration.AddInMemoryCollection(values);
    }
}
