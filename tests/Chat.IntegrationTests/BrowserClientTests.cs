namespace Chat.IntegrationTests;

using System.Diagnostics;
using System.Text.Json;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Xunit;

/// <summary>
/// The stock npm client <c>@microsoft/signalr</c>, as a web app uses it, against the local host run
/// as its own process (as <c>dotnet run --project functions/Chat.LocalHost</c> runs it).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class BrowserClientTests(BackendFixture backend)
{
    [Fact]
    public async Task NpmSignalRClient_NegotiatesThroughTheApi_AndReceivesMessages()
    {
        var port = Ports.Free();
        var baseUrl = $"http://127.0.0.1:{port}";
        using var server = StartLocalHost(baseUrl);
        try
        {
            var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
            await Expect.Eventually(async () => await IsHealthyAsync(http), TimeSpan.FromSeconds(60), "the local host starts");
            var host = new UserFactory(http);
            var alice = await host.NewUserAsync();
            var bob = await host.NewUserAsync();
            var chat = await alice.OpenDirectAsync(bob.UserId);

            using var node = StartNode("signalr-listen.mjs", "--base", baseUrl, "--token", bob.Tokens!.AccessToken, "--count", "2", "--timeout-ms", "60000");
            var stderr = node.StandardError.ReadToEndAsync();
            var first = await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(first?.StartsWith("connected", StringComparison.Ordinal) == true, $"node said: {first} {(node.HasExited ? await stderr : string.Empty)}");

            var one = await alice.SendTextAsync(chat.ChatId, "from .NET to the npm client");
            var two = await alice.SendTextAsync(chat.ChatId, "second");
            var lines = new[] { await node.StandardOutput.ReadLineAsync(), await node.StandardOutput.ReadLineAsync() };
            Assert.True(lines.All(l => l is not null), "node said: " + await stderr);
            var events = lines.Select(l => JsonDocument.Parse(l!).RootElement).ToArray();
            Assert.All(events, e => Assert.Equal("message", e.GetProperty("method").GetString()));
            Assert.Equal([one.Seq, two.Seq], events.Select(e => e.GetProperty("argument").GetProperty("seq").GetInt64()));
            Assert.Equal("from .NET to the npm client", events[0].GetProperty("argument").GetProperty("text").GetString());
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, node.ExitCode);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\nhost said:\n{string.Join('\n', hostLog.TakeLast(80))}");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private Process StartLocalHost(string baseUrl)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryLayout.Root };
        info.ArgumentList.Add(typeof(LocalHostApp).Assembly.Location);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseUrl);
        info.Environment["LocalHost__StartEmulators"] = "false";
        info.Environment["Cosmos__ConnectionString"] = backend.Cosmos.ConnectionString;
        info.Environment["Cosmos__DatabaseName"] = "npm-" + Guid.NewGuid().ToString("N")[..12];
        info.Environment["AzureWebJobsStorage"] = backend.Storage.ConnectionString;
        info.Environment["MediaStorage__ConnectionString"] = backend.Storage.ConnectionString;
        info.Environment["Redis__ConnectionString"] = backend.Redis.ConnectionString; // no emulators of its own: Garnet neither
        // The run's other hosts count their sign-ups into the same per-IP counter in that Garnet (127.0.0.1), and
        // lift the limit as this one must: with the default 600 a minute, a run that had just signed up 100
        // users answered this host's registration 429.
        info.Environment["Limits__AuthRequestsPerMinutePerIp"] = "1000000";
        info.Environment["Sms__ConnectionString"] = $"endpoint={baseUrl}/;accesskey={Convert.ToBase64String("npm-client-test-sms-sink-key-000000000"u8.ToArray())}";
        info.Environment["SignalR__ConnectionString"] = $"Endpoint={baseUrl};AccessKey=npm-client-test-signalr-access-key-0000;Version=1.0;";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The separate host's output, shown when the test fails (its own log is not the test's).</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> hostLog = new();

    private void Log(string? line)
    {
        if (line is not null && hostLog.Count < 2000)
        {
            hostLog.Enqueue(line);
        }
    }

    private static Process StartNode(params string[] args)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = RepositoryLayout.Tools, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<bool> IsHealthyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("api/health");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Registers users against any base address (the same steps as <see cref="TestHost.NewUserAsync"/>).</summary>
    private sealed class UserFactory(HttpClient http)
    {
        public async Task<ChatClient> NewUserAsync()
        {
            var client = new ChatClient(new HttpClient { BaseAddress = http.BaseAddress });
            var phone = TestHost.NewPhoneNumber();
            var registration = await client.RegisterAsync(phone, "Npm " + phone[^4..], "correct-horse-1");
            await client.VerifyAsync(phone, await TestHost.LastCodeAsync(client, phone), registration.RegistrationId);
            await client.LoginAsync(phone, "correct-horse-1");
            return client;
        }
    }
}
