using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Rapport.Tests.Infrastructure;

/// <summary>
/// Debian's nginx in front of real nodes, configured from the site the deployment guide ships
/// (deploy/nginx-rapport.conf): its upstream (with the nodes' addresses in place of the example's), its WebSocket map
/// and its location block as written; only TLS is left out, and it listens on a free loopback port.
/// </summary>
internal sealed partial class NginxProxy : IDisposable
{
    private readonly Process process;
    private readonly string folder;

    private NginxProxy(Process process, string folder, Uri url)
    {
        this.process = process;
        this.folder = folder;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<NginxProxy> StartAsync(params Uri[] nodes)
    {
        var site = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Deploy", "nginx-rapport.conf"));
        var upstream = Block(site, "upstream rapport");
        var servers = string.Concat(nodes.Select(n => $"    server {n.Host}:{n.Port} max_fails=3 fail_timeout=10s;\n"));
        upstream = ServerLine().Replace(upstream, "").Replace("{\n", "{\n" + servers, StringComparison.Ordinal);
        var map = Block(site, "map $http_upgrade $connection_upgrade");
        var location = Block(site, "location /");
        var bodySize = BodySize().Match(site).Value;

        var folder = Directory.CreateTempSubdirectory("rapport-nginx-").FullName;
        // The workers may run as another user than the test: they write their temporary files here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
        }
        var port = FreePort();
        var config = $$"""
            daemon off;
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;
            {{upstream}}
            {{map}}
                server {
                    listen 127.0.0.1:{{port}};
                    {{bodySize}}
            {{location}}
                }
            }
            """;
        var file = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(file, config);
        var start = new ProcessStartInfo("/usr/sbin/nginx", ["-p", folder, "-c", file]) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx could not be started.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var proxy = new NginxProxy(process, folder, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
        try
        {
            using var client = new HttpClient();
            for (var attempt = 0; ; attempt++)
            {
                Assert.False(process.HasExited, "nginx exited: " + proxy.Errors());
                try
                {
                    var health = await client.GetAsync(new Uri(proxy.Url, "/healthz"));
                    Assert.True(health.IsSuccessStatusCode, $"/healthz through nginx: {(int)health.StatusCode} {proxy.Errors()}");
                    return proxy;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                Assert.True(attempt < 100, "nginx did not listen within 20 seconds: " + proxy.Errors());
                await Task.Delay(200);
            }
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    /// <summary>What nginx wrote in its error log.</summary>
    public string Errors()
    {
        var log = Path.Combine(folder, "error.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The block that starts with <paramref name="head"/>, braces balanced, as the site file writes it.</summary>
    private static string Block(string site, string head)
    {
        var start = site.IndexOf(head + " {", StringComparison.Ordinal);
        Assert.True(start >= 0, $"deploy/nginx-rapport.conf has no \"{head}\" block.");
        var depth = 0;
        for (var i = site.IndexOf('{', start); i < site.Length; i++)
        {
            depth += site[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return site[start..(i + 1)];
            }
        }
        throw new InvalidOperationException($"The \"{head}\" block of deploy/nginx-rapport.conf is not closed.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\s*#?\s*server\s+[^;]+;[^\n]*\n", RegexOptions.Multiline)]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"client_max_body_size\s+[^;]+;")]
    private static partial Regex BodySize();
}
