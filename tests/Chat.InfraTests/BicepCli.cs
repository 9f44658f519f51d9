namespace Chat.InfraTests;

using System.Diagnostics;
using System.Reflection;

/// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64), run offline.</summary>
public static class BicepCli
{
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string MainTemplate { get; } = Path.Combine(RepositoryRoot, "infra", "main.bicep");

    private static string Executable { get; } = Metadata("BicepPath");

    /// <summary>Compiles a .bicep file to ARM JSON and returns the JSON text.</summary>
    public static string Build(string bicepFile)
    {
        var output = Path.Combine(Path.GetTempPath(), $"bicep-{Guid.NewGuid():N}.json");
        try
        {
            var result = Run("build", bicepFile, "--outfile", output);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"bicep build failed ({result.ExitCode}):\n{result.Output}");
            }

            return File.ReadAllText(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Runs the linter; the repository's bicepconfig.json makes every rule an error.</summary>
    public static (int ExitCode, string Output) Lint(string bicepFile) => Run("lint", bicepFile);

    private static (int ExitCode, string Output) Run(params string[] arguments)
    {
        EnsureExecutable();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    /// <summary>NuGet does not always keep the executable bit of a package's files.</summary>
    private static void EnsureExecutable()
    {
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException("The Bicep CLI is not restored; run dotnet restore.", Executable);
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(Executable);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(Executable, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
