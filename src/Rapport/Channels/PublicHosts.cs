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
        $"set {NetworkOptions.Section}:{nameof(NetworkOptions.AllowPrivateAddresses)}=true to allow internal hosts.");

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
    /// multicast and broadcast, and the benchmarking and IETF protocol blocks (198.18.0.0/15, 192.0.0.0/24). An IPv4
    /// address carried inside IPv6 (mapped ::ffff:10.0.0.1, compatible ::10.0.0.1, NAT64 64:ff9b::10.0.0.1, 6to4
    /// 2002:0a00:0001::, Teredo's client) is judged as that IPv4 address, since the packet ends there; local NAT64
    /// (64:ff9b:1::/48) and documentation addresses are not public.
    /// </summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return IsPrivateIPv4(b);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC // unique local, fc00::/7
                || b[..6].SequenceEqual(LocalNat64) // 64:ff9b:1::/48, translated on the local network
                || b[..4].SequenceEqual(Documentation)) // 2001:db8::/32
            {
                return true;
            }
            if (b[..10].IndexOfAnyExcept((byte)0) < 0 && (b[10..12].IndexOfAnyExcept((byte)0) < 0 || address.IsIPv4MappedToIPv6))
            {
                return IsPrivateIPv4(b[12..]); // ::a.b.c.d and ::ffff:a.b.c.d
            }
            if (b[..12].SequenceEqual(Nat64))
            {
                return IsPrivateIPv4(b[12..]); // 64:ff9b::a.b.c.d
            }
            if (b[0] == 0x20 && b[1] == 0x02)
            {
                return IsPrivateIPv4(b[2..6]); // 6to4, 2002:aabb:ccdd::/48
            }
            if (b[..4].SequenceEqual(Teredo))
            {
                Span<byte> client = [(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]]; // Teredo stores it inverted
                return IsPrivateIPv4(client);
            }
            return false;
        }
        return true;
    }

    private static ReadOnlySpan<byte> Nat64 => [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0];

    private static ReadOnlySpan<byte> LocalNat64 => [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01];

    private static ReadOnlySpan<byte> Documentation => [0x20, 0x01, 0x0D, 0xB8];

    private static ReadOnlySpan<byte> Teredo => [0x20, 0x01, 0x00, 0x00];

    private static bool IsPrivateIPv4(ReadOnlySpan<byte> b) =>
        b[0] is 0 or 10 or 127 || b[0] >= 224 // "this network", private, loopback, multicast, reserved and broadcast
        || (b[0] == 172 && b[1] is >= 16 and <= 31)
        || (b[0] == 192 && b[1] == 168)
        || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
        || (b[0] == 198 && b[1] is 18 or 19) // benchmarking
        || (b[0] == 169 && b[1] == 254)
        || (b[0] == 100 && b[1] is >= 64 and <= 127);

    /// <summary>The addresses a host name resolves to, or the literal address it is.</summary>
    public static async ValueTask<IPAddress[]> AddressesOfAsync(string host, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        return IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
    }

    /// <summary>Resolves the host, refuses it if any of its addresses is not public, and connects to those same addresses.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await AddressesOfAsync(host, ct);
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
