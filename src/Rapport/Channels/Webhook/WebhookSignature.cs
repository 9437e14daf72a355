using System.Security.Cryptography;
using System.Text;

namespace Rapport.Channels.Webhook;

/// <summary>
/// HMAC-SHA256 of the raw body with the channel's signing secret, as <c>sha256=HEX</c>: Rapport's own header and
/// Meta's <c>X-Hub-Signature-256</c> carry the same value, in both directions.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Rapport-Signature";
    public const string MetaHeader = "X-Hub-Signature-256";
    public const string SecretName = "signingSecret";
    public const string VerifyTokenName = "verifyToken";
    private const string Prefix = "sha256=";

    public static string Sign(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>True when the header is <c>sha256=</c> and the body's HMAC in hex; compared in constant time.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var value = header?.Trim();
        if (value is null || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || value.Length != Prefix.Length + 64)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(value.AsSpan(Prefix.Length), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>Compares two secrets without leaking, through timing, how much of them matched.</summary>
    public static bool SecretsEqual(string? given, string? expected) =>
        given is not null && expected is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
