using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// The product's front door, as a newcomer meets it: a clean clone of the committed tree, the README's first command
/// run as written with nothing of ours in the environment (so the app starts in Production), and a published build
/// started from another folder, as a service manager does. Slow (each builds the app from nothing), so one class.
/// </summary>
public sealed partial class QuickStartTests(QuickStartTests.CleanClone clone) : IClassFixture<QuickStartTests.CleanClone>
{
    [Fact]
    public async Task ReadmeFirstCommand_FromCleanClone_ServesAWorkingDemo()
    {
        var command = ReadmeFirstCommand(File.ReadAllText(Path.Combine(clone.Folder, "README.md")));
        Assert.StartsWith("dotnet run --project src/Rapport", command, StringComparison.Ordinal);
        var url = $"http://127.0.0.1:{FreePort()}";
        // The README's command, word for word; only the address it listens on is added, so tests never fight over 5080.
        using var app = NewcomerProcess.Start(clone.Folder, "bash", "-c", $"{command} --urls {url}");
        var output = await app.WaitForLineAsync("Rapport is running at", TimeSpan.FromMinutes(8));
        Assert.Contains(url, output, StringComparison.Ordinal);
        // The environment a newcomer's `dotnet run` gets (the console logger may print it after our own line).
        await app.WaitForLineAsync("Hosting environment: Production", TimeSpan.FromSeconds(30));
        var signIn = DemoSignIn().Match(app.Output);
        Assert.True(signIn.Success, "The demo sign-in was not printed:\n" + app.Output);

        await using var browser = await clone.LaunchAsync();
        var page = await browser.NewPageAsync(new() { BaseURL = url, Locale = "en-US" });
        page.SetDefaultTimeout(RapportApp.Wait);
        SetDefaultExpectTimeout(RapportApp.Wait);
        // Each script and stylesheet's body is read as it arrives (a later navigation would discard it).
        var assets = new List<Task<(string Url, int Status, int Bytes)>>();
        page.Response += (_, response) =>
        {
            if (response.Request.ResourceType is "script" or "stylesheet")
            {
                lock (assets)
                {
                    assets.Add(Read(response));
                }
            }
        };
        await page.GotoAsync("/account/signin");
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(signIn.Groups["email"].Value);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(signIn.Groups["password"].Value);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // Interactive: the circuit connected and the demo's conversations are listed and open on a click.
        await Flows.WaitForCircuitAsync(page);
        var first = page.Locator("a[href*='conversations/']").First;
        await Expect(first).ToBeVisibleAsync();
        await first.ClickAsync();
        await Expect(page).ToHaveURLAsync(ConversationUrl());

        Task<(string Url, int Status, int Bytes)>[] reads;
        lock (assets)
        {
            reads = [.. assets];
        }
        var loaded = await Task.WhenAll(reads);
        Assert.Contains(loaded, a => a.Url.EndsWith("_framework/blazor.web.js", StringComparison.Ordinal));
        Assert.Contains(loaded, a => a.Url.EndsWith("MudBlazor.min.css", StringComparison.Ordinal));
        Assert.Contains(loaded, a => a.Url.EndsWith("MudBlazor.min.js", StringComparison.Ordinal));
        // A second page revalidates what the first loaded (304, no body); every file must have come whole at least once.
        Assert.All(loaded, a => Assert.True(a.Status is 200 or 304, $"{a.Url} answered {a.Status}"));
        Assert.All(loaded.GroupBy(a => a.Url), g => Assert.True(g.Any(a => a.Status == 200 && a.Bytes > 0), $"{g.Key} never came with its bytes"));
    }

    private static async Task<(string Url, int Status, int Bytes)> Read(IResponse response) =>
        (response.Url, response.Status, response.Status == 200 ? (await response.BodyAsync()).Length : 0);

    [Fact]
    public async Task PublishedBuild_StartedFromAnotherFolder_ServesItsScriptsAndStyles()
    {
        var published = Path.Combine(clone.Folder, "published");
        using (var publish = NewcomerProcess.Start(clone.Folder, "dotnet", "publish", "src/Rapport", "-c", "Release", "-o", published))
        {
            await publish.WaitForExitAsync(TimeSpan.FromMinutes(8));
        }
        var elsewhere = Directory.CreateTempSubdirectory("rapport-service-").FullName;
        var url = $"http://127.0.0.1:{FreePort()}";
        try
        {
            // As systemd starts it: the executable by its full path, from a working directory that is not the install folder.
            using var app = NewcomerProcess.Start(elsewhere, Path.Combine(published, "rapport"), "serve", "--urls", url);
            await app.WaitForLineAsync("Rapport is running at", TimeSpan.FromMinutes(2));

            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var html = await http.GetStringAsync(new Uri("/setup", UriKind.Relative));
            var files = AssetReference().Matches(html).Select(m => m.Groups["path"].Value).Where(p => p.EndsWith(".js", StringComparison.Ordinal) || p.EndsWith(".css", StringComparison.Ordinal)).ToList();
            Assert.Contains(files, f => f.EndsWith("blazor.web.js", StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith("MudBlazor.min.css", StringComparison.Ordinal));
            foreach (var file in files)
            {
                using var response = await http.GetAsync(new Uri("/" + file.TrimStart('/'), UriKind.Relative));
                var bytes = await response.Content.ReadAsByteArrayAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK && bytes.Length > 0, $"{file} answered {(int)response.StatusCode} with {bytes.Length} bytes");
            }
            // The data folder is relative to the working directory, as documented.
            Assert.True(File.Exists(Path.Combine(elsewhere, "data", "rapport.db")));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    /// <summary>The first line of the README's quick-start block, without its comment.</summary>
    internal static string ReadmeFirstCommand(string readme)
    {
        var start = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        var block = readme.IndexOf("```sh", start, StringComparison.Ordinal);
        var line = readme[(block + 5)..].TrimStart('\r', '\n').Split('\n')[0];
        return line.Split('#')[0].Trim();
    }

    [GeneratedRegex(@"sign in as (?<email>\S+@\S+) with password (?<password>\S+)")]
    private static partial Regex DemoSignIn();

    [GeneratedRegex(@"(?:src|href)=""(?<path>[^""]+)""")]
    private static partial Regex AssetReference();

    [GeneratedRegex("/conversations/")]
    private static partial Regex ConversationUrl();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A clean clone of the repository's committed tree (HEAD), made once for the class, and Chromium.</summary>
    public sealed class CleanClone : IAsyncLifetime
    {
        private IPlaywright? playwright;

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "rapport-clone-" + Guid.NewGuid().ToString("N")[..8]);

        public async Task InitializeAsync()
        {
            var repository = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(repository, "Rapport.slnx")))
            {
                repository = Path.GetDirectoryName(repository) ?? throw new InvalidOperationException("The repository was not found above the test's folder.");
            }
            using var git = NewcomerProcess.Start(repository, "git", "clone", "--quiet", "--no-hardlinks", repository, Folder);
            await git.WaitForExitAsync(TimeSpan.FromMinutes(2));
            playwright = await Playwright.CreateAsync();
        }

        public async Task<IBrowser> LaunchAsync() => await playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = RapportApp.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        public Task DisposeAsync()
        {
            playwright?.Dispose();
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>A command run as a newcomer runs it: none of the test run's ASP.NET, .NET or Rapport settings in its environment.</summary>
    private sealed class NewcomerProcess : IDisposable
    {
        private readonly Process process;
        private readonly StringBuilder output = new();
        private readonly List<(string Text, TaskCompletionSource<string> Seen)> waits = [];

        private NewcomerProcess(Process process) => this.process = process;

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public static NewcomerProcess Start(string folder, string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var name in start.Environment.Keys.ToList())
            {
                if (name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name.StartsWith("RAPPORT", StringComparison.Ordinal)
                    || name is "DOTNET_ENVIRONMENT" or "DOTNET_HOST_PATH" || name.StartsWith("MSBUILD", StringComparison.Ordinal)
                    || name.StartsWith("VSTEST", StringComparison.Ordinal))
                {
                    start.Environment.Remove(name);
                }
            }
            var started = new NewcomerProcess(Process.Start(start) ?? throw new InvalidOperationException(program + " could not be started."));
            started.process.OutputDataReceived += (_, e) => started.Add(e.Data);
            started.process.ErrorDataReceived += (_, e) => started.Add(e.Data);
            started.process.BeginOutputReadLine();
            started.process.BeginErrorReadLine();
            return started;
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
                foreach (var (text, seen) in waits.Where(w => line.Contains(w.Text, StringComparison.Ordinal)))
                {
                    seen.TrySetResult(line);
                }
            }
        }

        public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
        {
            var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (output)
            {
                var already = output.ToString().Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (already is not null)
                {
                    return already;
                }
                waits.Add((text, seen));
            }
            var exited = process.WaitForExitAsync();
            var done = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
            return done == seen.Task
                ? await seen.Task
                : throw new InvalidOperationException($"\"{text}\" was not printed ({(done == exited ? "the process exited" : "timed out")}):\n{Output}");
        }

        public async Task WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cancel.Token);
            Assert.True(process.ExitCode == 0, $"{process.StartInfo.FileName} exited with {process.ExitCode}:\n{Output}");
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
    }
}
