namespace Chat.LocalHost;

using System.Diagnostics;
using Chat.Core.Errors;
using Chat.Functions.Http;
using Microsoft.Extensions.FileProviders;

public sealed class WebAppOptions
{
    /// <summary>Build web/app and serve it at <c>/</c>: on for <c>dotnet run</c> (launchSettings.json), off by default so test hosts never build it.</summary>
    public bool WebApp { get; set; }
}

/// <summary>
/// Builds the web client (web/app: <c>npm ci</c> when its lock changed, <c>vite build</c> when its sources changed)
/// in the background, so the API answers from the first second, and serves its <c>dist</c> with an SPA fallback
/// that never answers for the API's, the stand-ins' or the local routes.
/// </summary>
public sealed partial class LocalWebApp(ILogger<LocalWebApp> logger) : BackgroundService
{
    private static readonly string[] ReservedPrefixes = ["/api", "/_local", "/client", "/sms"];

    public static string AppDirectory => Path.Combine(RepositoryLayout.Root, "web", "app");

    public static string DistDirectory => Path.Combine(AppDirectory, "dist");

    /// <summary>The app's own files and the SDK's sources: a change in any of them asks for a new build.</summary>
    private static IEnumerable<string> Sources()
    {
        string[] files = ["index.html", "vite.config.ts", "package.json", "package-lock.json", "tsconfig.json"];
        var sdk = Path.Combine(RepositoryLayout.Root, "web", "sdk", "src");
        return files.Select(f => Path.Combine(AppDirectory, f)).Where(File.Exists)
            .Concat(Directory.EnumerateFiles(Path.Combine(AppDirectory, "src"), "*", SearchOption.AllDirectories))
            .Concat(Directory.Exists(sdk) ? Directory.EnumerateFiles(sdk, "*", SearchOption.AllDirectories) : []);
    }

    public static bool NeedsInstall() =>
        IsOlder(Path.Combine(AppDirectory, "node_modules", ".package-lock.json"), [Path.Combine(AppDirectory, "package-lock.json")]);

    public static bool NeedsBuild() => IsOlder(Path.Combine(DistDirectory, "index.html"), Sources());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // off the start-up path: the host (and /api/health) does not wait for the page
        try
        {
            var install = NeedsInstall();
            var build = install || NeedsBuild();
            if (build)
            {
                LogBuilding(logger, AppDirectory);
            }

            if (install)
            {
                await StepAsync("npm ci", "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], stoppingToken);
            }

            if (build)
            {
                await StepAsync("vite build", "node", [Path.Combine("node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], stoppingToken);
            }
            else
            {
                LogUpToDate(logger, DistDirectory);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            LogFailed(logger, e.Message);
        }
    }

    private async Task StepAsync(string step, string fileName, string[] args, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (exitCode, output) = await RunAsync(fileName, args, ct);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{step} in web/app exited with {exitCode}: {output}");
        }

        LogStepDone(logger, step, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = AppDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {fileName}; install Node.js 20.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = (await stderr).Trim() is { Length: > 0 } error ? error : await stdout;
        return (process.ExitCode, output.Length > 2000 ? output[^2000..] : output);
    }

    private static bool IsOlder(string target, IEnumerable<string> sources)
    {
        if (!File.Exists(target))
        {
            return true;
        }

        var built = File.GetLastWriteTimeUtc(target);
        return sources.Any(s => File.GetLastWriteTimeUtc(s) > built);
    }

    /// <summary>Serves dist for GET/HEAD requests no endpoint took, outside the reserved prefixes; a path without
    /// a file extension gets index.html (client-side routes), and while the first build runs, a page that says so.</summary>
    public static void UseLocalWebApp(WebApplication app)
    {
        Directory.CreateDirectory(DistDirectory);
        var files = new PhysicalFileProvider(DistDirectory);
        app.UseWhen(IsPageRequest, page =>
        {
            page.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            page.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            page.Run(context => ServeIndexAsync(context, files));
        });
    }

    public static bool IsPageRequest(HttpContext context) =>
        context.GetEndpoint() is null
        && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !ReservedPrefixes.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static Task ServeIndexAsync(HttpContext context, IFileProvider files)
    {
        if (Path.HasExtension(context.Request.Path.Value))
        {
            return ProblemMapping.WriteAsync(context, ChatErrors.RouteNotFound());
        }

        var index = files.GetFileInfo("index.html");
        context.Response.Headers.CacheControl = "no-cache";
        if (!index.Exists)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(BuildingPage, context.RequestAborted);
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.SendFileAsync(index, context.RequestAborted);
    }

    private const string BuildingPage =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\"><title>Chat</title></head>"
        + "<body><main><h1>Chat</h1><p role=\"status\">The web app is being built (npm ci, vite build); this page reloads by itself.</p></main></body></html>";

    [LoggerMessage(Level = LogLevel.Information, Message = "Web app: building {Directory} in the background; / shows a wait page until it is done")]
    private static partial void LogBuilding(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web app: {Step} took {Seconds:0.0} s")]
    private static partial void LogStepDone(ILogger logger, string step, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web app: {Directory} is up to date")]
    private static partial void LogUpToDate(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Web app: the build failed, / will not show the app: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

public static class LocalWebAppRegistration
{
    public static bool WebAppEnabled(this IConfiguration configuration) =>
        configuration.GetSection(EmulatorOptions.Section).Get<WebAppOptions>()?.WebApp == true;
}
