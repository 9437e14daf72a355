using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Rapport.Channels;

/// <summary>Where Rapport may connect on an admin's word (section <c>Rapport:Network</c>).</summary>
public sealed class NetworkOptions
{
    public const string Section = "Rapport:Network";

    /// <summary>
    /// Let feed URLs and webhook callback URLs reach loopback, private, link-local and other non-public addresses.
    /// Off by default, so a channel's URL can never be turned against the server's own network (cloud metadata at
    /// 169.254.169.254, an admin port on 127.0.0.1). Turn it on for feeds or integrations on an internal network.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }
}

/// <summary>A connection refused because the host resolves to a non-public address.</summary>
public sealed class PrivateAddressException(string host, IPAddress address)
    : IOException($"{host} resolves to a private address ({address}), which Rapport does not connect to; " +
        $"set {NetworkOptions.Section}:{nameof(NetworkOptions.AllowPrivateAddresses)}=true to allow internal hosts.")
;

/// <summary>
/// Outbound HTTP to public hosts only, for the URLs admins type (feeds, webhook callbacks). The check runs in the
/// handler's connect step on the very addresses the socket then connects to, so a name that resolves to a public
/// address when saved and to a private one later (DNS rebinding), or a redirect to an internal host, is caught too.
/// </summary>
public static class PublicHosts
{
    /// <summary>
    /// Makes <paramref name="builder"/>'s client connect to public addresses only, unless
    /// <see cref="NetworkOptions.AllowPrivateAddresses"/> is set; <paramref name="handler"/> makes the handler itself.
    /// </summary>
    public static IHttpClientBuilder ConnectToPublicHostsOnly(this IHttpClientBuilder builder, Func<SocketsHttpHandler> handler)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(handler);
        return builder.ConfigurePrimaryHttpMessageHandler(services =>
        {
            var made = handler();
            if (!services.GetRequiredService<IOptions<NetworkOptions>>().Value.AllowPrivateAddresses)
            {
                made.ConnectCallback = ConnectAsync;
            }
            return made;
        });
    }

    /// <summary>The refusal behind a failed request, when the request failed because of it.</summary>
    public static PrivateAddressException? Refusal(Exception? e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is PrivateAddressException refused)
            {
                return refused;
            }
        }
        return null;
    }

    /// <summary>
    /// True for every address that is not on the public internet: unspecified, loopback, private (RFC 1918, fc00::/7),
    /// shared (100.64.0.0/10), link-local (169.254.0.0/16, fe80::/10, where cloud metadata lives), site-local,
    /// multicast and broadcast. IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as IPv4.
    /// </summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] is 0 or 10 or 127 || b[0] >= 224 // "this network", private, loopback, multicast, reserved and broadcast
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC;
        }
        return true;
    }

    /// <summary>Resolves the host, refuses it if any of its addresses is not public, and connects to those same addresses.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.FirstOrDefault(IsPrivate) is { } refused)
        {
            throw new PrivateAddressException(host, refused);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
