namespace Chat.IntegrationTests.Infrastructure;

using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.LocalHost;
using Xunit;

/// <summary>A Node project of the repository (web/sdk, web/app): installed with <c>npm ci</c> once, its vitest tests run.
/// A project whose sources it compiles (<paramref name="imports"/>: web/app type-checks web/sdk's) is installed first.</summary>
public sealed class NodeProject(string relativePath, NodeProject? imports = null)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InstallGates = new();

    public string Directory { get; } = Path.Combine(RepositoryLayout.Root, relativePath);

    /// <summary>Runs <c>vitest run [files]</c> with the extra environment; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> VitestAsync(IDictionary<string, string>? environment = null, params string[] files)
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [Path.Combine("node_modules", "vitest", "vitest.mjs"), "run", .. files], environment, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs <c>tsc --noEmit</c> on the project's tsconfig.json.</summary>
    public async Task<(int ExitCode, string Output)> TypeCheckAsync()
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [Path.Combine("node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."], null, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs a script of an installed package (e.g. <c>node_modules/@redocly/cli/bin/cli.js</c>) in the project's folder.</summary>
    public async Task<(int ExitCode, string Output)> NodeAsync(string script, params string[] args)
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [script, .. args], null, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs <c>vite build</c> (web/app: into dist/, which the local host serves).</summary>
    public async Task<(int ExitCode, string Output)> ViteBuildAsync()
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [Path.Combine("node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], null, TimeSpan.FromMinutes(5));
    }

    /// <summary><c>npm ci</c> when the packages are missing or older than the lock file.</summary>
    public async Task EnsureInstalledAsync()
    {
        if (imports is not null)
        {
            await imports.EnsureInstalledAsync(); // its sources resolve their packages from its own node_modules
        }

        var gate = InstallGates.GetOrAdd(Directory, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            var installed = Path.Combine(Directory, "node_modules", ".package-lock.json");
            if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(Path.Combine(Directory, "package-lock.json")))
            {
                return;
            }

            var (exitCode, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], null, TimeSpan.FromMinutes(8));
            Assert.True(exitCode == 0, $"npm ci in {Directory} failed: {output}");
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] args, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["CI"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {fileName}; install Node.js 20.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}: {await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + "\n" + await stderr);
    }
}
