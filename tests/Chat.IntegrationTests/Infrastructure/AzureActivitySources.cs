namespace Chat.IntegrationTests.Infrastructure;

using System.Runtime.CompilerServices;

/// <summary>The Azure SDKs read their ActivitySource switch once per process; an exporting host sets it at start-up,
/// but in this process the first (non-exporting) hosts load the SDKs earlier, so the run sets it first, as a host would.</summary>
internal static class AzureActivitySources
{
    [ModuleInitializer]
    internal static void Enable() => AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
}
