using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rapport.Tests.Infrastructure;

/// <summary>
/// The built `rapport` executable run as a real process (from this test's output folder) on the same data folder and
/// database as a <see cref="RapportFactory"/>, so a test can kill it the hard way and start it again.
/// </summary>
internal sealed class RapportProcess : IDisposable
{
    private readonly Process process;

    private RapportProcess(Process process, Uri url)
    {
        this.process = process;
        Url = url;
    }

    /// <summary>Where the process listens (real Kestrel, not the in-memory test server).</summary>
    public Uri Url { get; }

    public static RapportProcess Start(RapportFactory factory, params string[] settings)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rapport.dll"));
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        start.ArgumentList.Add(url.ToString().TrimEnd('/'));
        start.ArgumentList.Add("--environment");
        start.ArgumentList.Add("Testing");
        // The same data folder (so the same Data Protection keys for channel secrets) and the same database.
        foreach (var (key, value) in factory.Settings)
        {
            if (value is not null)
            {
                start.ArgumentList.Add($"--{key}={value}");
            }
        }
        foreach (var setting in settings)
        {
            start.ArgumentList.Add("--" + setting);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("rapport could not be started.");
        // Drained so a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RapportProcess(process, url);
    }

    /// <summary>Waits until the process answers its health check (it has started and reached the database).</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; ; attempt++)
        {
            Assert.False(process.HasExited, "rapport exited before it was ready.");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }
            // A guard against a hang on a loaded machine, not a timing assertion.
            Assert.True(attempt < 900, "rapport did not answer its health check within 3 minutes.");
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, exactly what a crash or an OOM kill does.</summary>
    public void Kill() => process.Kill(entireProcessTree: true);

    public bool HasExited => process.HasExited;

    /// <summary>
    /// Whether this process holds the local end of a TCP connection from <paramref name="clientPort"/> on loopback (as
    /// <c>ss</c> lists each socket's owner): which node sent a request a local server received.
    /// </summary>
    public bool Owns(int clientPort) => Sockets(clientPort).Contains($"pid={process.Id},", StringComparison.Ordinal);

    /// <summary>The TCP sockets whose local port is <paramref name="port"/>, with their owners, as <c>ss</c> lists them.</summary>
    public static string Sockets(int port)
    {
        using var ss = Process.Start(new ProcessStartInfo("ss", ["-tnpH", "sport", "=", $":{port}"]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("ss could not be started.");
        var sockets = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        return sockets;
    }

    public Task WaitForExitAsync(CancellationToken ct = default) => process.WaitForExitAsync(ct);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
