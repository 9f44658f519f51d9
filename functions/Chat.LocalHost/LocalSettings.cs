namespace Chat.LocalHost;

using System.Text.Json;
using Microsoft.Extensions.Configuration;

/// <summary>Reads the <c>Values</c> of local.settings.json (or, on a fresh clone, the sample) the way
/// Core Tools does, so both hosts share one settings file.</summary>
public static class LocalSettings
{
    public static IConfigurationBuilder AddLocalSettings(this IConfigurationBuilder configuration)
    {
        var own = Path.Combine(RepositoryLayout.Root, "local.settings.json");
        var path = File.Exists(own) ? own : Path.Combine(RepositoryLayout.Root, "local.settings.sample.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var values = document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString());
        return configuration.AddInMemoryCollection(values);
    }
}
