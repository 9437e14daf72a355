using System.Net;
using System.Net.Sockets;

namespace Rapport.Bench;

/// <summary>What every benchmark says about the machine it ran on, and a free loopback port for the servers it starts.</summary>
internal static class Machine
{
    /// <summary>The 1-, 5- and 15-minute load averages, printed beside every figure measured on a shared machine.</summary>
    public static string LoadAverages() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
