namespace Chat.IntegrationTests;

using System.Diagnostics;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Xunit;

/// <summary>
/// The web client's TypeScript SDK (web/sdk): its vitest unit tests, and its live tests against this run's
/// local host (sign-up with the SMS code, real time through the npm SignalR client, receipts, media to Azurite).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class WebSdkTests(BackendFixture backend)
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private static string SdkDirectory => Path.Combine(RepositoryLayout.Root, "web", "sdk");

    [Fact]
    public async Task UnitTests_Pass()
    {
        var (exitCode, output) = await VitestAsync(environment: null);

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Tests\s+\d+ passed", output);
        Assert.DoesNotContain("failed", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LiveTests_AgainstTheLocalHost_Pass()
    {
        var baseUrl = backend.Host.BaseAddress.ToString().TrimEnd('/');

        var (exitCode, output) = await VitestAsync(new Dictionary<string, string> { ["CHAT_BASE_URL"] = baseUrl }, "test/live.test.ts");

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Tests\s+3 passed", output); // run, not skipped
    }

    private static async Task<(int ExitCode, string Output)> VitestAsync(IDictionary<string, string>? environment, params string[] files)
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [Path.Combine("node_modules", "vitest", "vitest.mjs"), "run", .. files], environment, TimeSpan.FromMinutes(3));
    }

    /// <summary><c>npm ci</c> in web/sdk when its packages are missing or older than its lock file.</summary>
    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            var installed = Path.Combine(SdkDirectory, "node_modules", ".package-lock.json");
            var lockFile = Path.Combine(SdkDirectory, "package-lock.json");
            if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(lockFile))
            {
                return;
            }

            var (exitCode, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], null, TimeSpan.FromMinutes(8));
            Assert.True(exitCode == 0, "npm ci in web/sdk failed: " + output);
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] args, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = SdkDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
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
