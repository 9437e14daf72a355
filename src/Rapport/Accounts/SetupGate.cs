using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Rapport.Accounts;

/// <summary>
/// Keeps a fresh instance's setup page from belonging to whoever reaches it first: from another machine, setup
/// asks for a one-time code that only the person who started Rapport sees on its console. On the machine itself
/// (loopback) no code is needed.
/// </summary>
public sealed class SetupGate
{
    public string Code { get; } = NewCode();

    public static bool IsRequiredFor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Connection.RemoteIpAddress is not { } address || !IPAddress.IsLoopback(address);
    }

    public bool Allows(HttpContext http, string? code) =>
        !IsRequiredFor(http)
        || (code is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant()), Encoding.UTF8.GetBytes(Code)));

    private static string NewCode()
    {
        // No 0/O or 1/I: the code is read from a console and typed by hand.
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 8);
        return new string(chars, 0, 4) + "-" + new string(chars, 4, 4);
    }
}
