namespace Chat.LocalHost;

using System.Net;
using System.Text.Json;
using Chat.Functions.Configuration;

/// <summary>
/// The sample keys (local.settings.sample.json, the emulators' well-known keys) are public, so a host
/// that uses them must stay on this machine: it refuses to start when it is bound to, or pointed at,
/// anything but loopback while one of them is in use.
/// </summary>
public static class SampleKeyGuard
{
    /// <summary>Azurite's well-known account key (what <c>UseDevelopmentStorage=true</c> stands for).</summary>
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The settings that hold keys or name the services this host talks to.</summary>
    private static readonly string[] ServiceSections = ["Cosmos", "AzureWebJobsStorage", "MediaStorage", "Sms", "SignalR", "NotificationHubs", "Auth"];

    private static readonly string[] KeyParts = ["AccountKey", "AccessKey", "SharedAccessKey"];

    private static readonly string[] EndpointParts = ["AccountEndpoint", "Endpoint", "BlobEndpoint", "QueueEndpoint", "TableEndpoint", "FileEndpoint"];

    /// <summary>The keys in the sample settings file, and the emulators' well-known keys.</summary>
    public static IReadOnlyCollection<string> SampleKeys(string sampleSettingsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(sampleSettingsPath));
        var keys = new HashSet<string>(StringComparer.Ordinal) { AzuriteKey };
        foreach (var setting in document.RootElement.GetProperty("Values").EnumerateObject())
        {
            keys.UnionWith(KeysIn(setting.Name, setting.Value.ToString()));
        }

        return keys;
    }

    /// <summary>One line naming the setting that points off this machine and the setting that holds a sample key;
    /// null when the host may start.</summary>
    public static string? Refusal(IConfiguration configuration, IReadOnlyCollection<string> sampleKeys)
    {
        var values = ServiceSections
            .SelectMany(section => configuration.GetSection(section).AsEnumerable())
            .Where(v => !string.IsNullOrEmpty(v.Value))
            .DistinctBy(v => v.Key, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        var sample = values.FirstOrDefault(v => sampleKeys.Any(key => key.Length >= 8 && v.Value!.Contains(key, StringComparison.Ordinal)));
        if (sample.Key is null)
        {
            return null;
        }

        var remote = BoundUrls(configuration).Select(u => (Setting: u.Setting, Host: HostOf(u.Url)))
            .Concat(values.SelectMany(v => HostsIn(v.Key, v.Value!).Select(h => (Setting: v.Key, Host: h))))
            .FirstOrDefault(e => !IsLoopback(e.Host));
        return remote.Setting is null
            ? null
            : $"Refusing to start: {remote.Setting} points at '{remote.Host}', off this machine, while {sample.Key} holds a sample key from local.settings.sample.json; put your own keys in local.settings.json or keep to 127.0.0.1.";
    }

    public static bool IsLoopback(string host)
    {
        var name = host.Trim('[', ']');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip));
    }

    private static IEnumerable<(string Setting, string Url)> BoundUrls(IConfiguration configuration) =>
        new[] { "urls", "ASPNETCORE_URLS" }
            .Select(key => (Setting: key == "urls" ? "urls (--urls)" : key, Value: configuration[key]))
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => (Setting: e.Path + ":Url", Value: e["Url"])))
            .Where(u => !string.IsNullOrEmpty(u.Value))
            .SelectMany(u => u.Value!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => (u.Setting, url)));

    private static IEnumerable<string> KeysIn(string setting, string value)
    {
        if (setting.EndsWith("Key", StringComparison.OrdinalIgnoreCase))
        {
            return [value];
        }

        var parts = ConnectionString.Parse(value);
        return KeyParts.Select(parts.GetValueOrDefault).OfType<string>().Where(k => k.Length > 0);
    }

    /// <summary>The hosts a setting names: an endpoint URL (<c>...Endpoint</c>, <c>...Uri</c>), or the endpoints of a
    /// connection string (an account without endpoints is in Azure; development storage is Azurite on loopback).</summary>
    private static IEnumerable<string> HostsIn(string setting, string value)
    {
        var name = setting.Split(':')[^1];
        if (name.EndsWith("Endpoint", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Uri", StringComparison.OrdinalIgnoreCase))
        {
            return [HostOf(value)];
        }

        if (!value.Contains('=', StringComparison.Ordinal) || name.EndsWith("Key", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var parts = ConnectionString.Parse(value);
        if (parts.TryGetValue("UseDevelopmentStorage", out var development) && development.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var endpoints = EndpointParts.Select(parts.GetValueOrDefault).OfType<string>().ToArray();
        if (endpoints.Length == 0 && parts.TryGetValue("AccountName", out var account))
        {
            return [$"{account}.{parts.GetValueOrDefault("EndpointSuffix") ?? "core.windows.net"}"];
        }

        return endpoints.Select(HostOf);
    }

    private static string HostOf(string url) =>
        Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? uri.Host
            : url;
}

/// <summary>The local host will not start as configured; the message says why in one line.</summary>
public sealed class StartRefusedException(string message) : Exception(message);
