namespace Chat.Functions.Configuration;

/// <summary>Reads <c>key=value;key=value</c> connection strings (SignalR, ACS, Storage, Cosmos); keys are case-insensitive.</summary>
public static class ConnectionString
{
    public static IReadOnlyDictionary<string, string> Parse(string connectionString) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair[0].Trim().Length > 0)
            .GroupBy(pair => pair[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Length > 1 ? g.Last()[1].Trim() : string.Empty, StringComparer.OrdinalIgnoreCase);
}
