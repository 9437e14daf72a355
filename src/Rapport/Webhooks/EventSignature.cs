using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Rapport.Webhooks;

/// <summary>
/// How an outgoing webhook is signed (docs/webhooks-outgoing.md): HMAC-SHA256, keyed with the subscription's secret (its
/// UTF-8 bytes), over the timestamp, a dot and the raw body; sent as <c>v1=</c> and the lower-case hex digest. The
/// timestamp inside the signed text lets a receiver refuse an old request replayed by someone who captured it.
/// </summary>
public static class EventSignature
{
    public const string SignatureHeader = "Rapport-Signature";
    public const string TimestampHeader = "Rapport-Timestamp";
    public const string EventIdHeader = "Rapport-Event-Id";
    public const string EventTypeHeader = "Rapport-Event-Type";
    public const string Version = "v1=";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Version + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>A new signing secret: 32 random bytes, readable as text, with a prefix that says what it is.</summary>
    public static string NewSecret() => "whsec_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Encrypts webhook signing secrets at rest with ASP.NET Data Protection, as <see cref="Channels.ChannelSecrets"/> does channels'.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Rapport.Webhooks.Secrets.v1");

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
