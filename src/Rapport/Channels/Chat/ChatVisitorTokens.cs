using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Rapport.Channels.Chat;

/// <summary>
/// The visitor's proof of their session, kept in the page's localStorage. It is the visitor id encrypted and
/// authenticated with the app's data protection keys under a purpose that names the channel, so a token made for one
/// chat channel does not even decrypt for another, and a forged or altered token fails to decrypt.
/// </summary>
public sealed class ChatVisitorTokens(IDataProtectionProvider protection)
{
    /// <summary>Longer than any token this class makes: anything longer is refused before decrypting.</summary>
    public const int MaxTokenLength = 300;

    private readonly IDataProtector protector = protection.CreateProtector("Rapport.Channels.Chat.Visitor.v1");

    public string TokenFor(Guid channelId, Guid visitorId) =>
        WebEncoders.Base64UrlEncode(ForChannel(channelId).Protect(visitorId.ToByteArray()));

    /// <returns>The visitor id, or null when the token is not one this channel issued.</returns>
    public Guid? VisitorOf(Guid channelId, string? token)
    {
        if (token is not { Length: > 0 and <= MaxTokenLength })
        {
            return null;
        }
        try
        {
            var plain = ForChannel(channelId).Unprotect(WebEncoders.Base64UrlDecode(token));
            return plain.Length == 16 ? new Guid(plain) : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }

    private IDataProtector ForChannel(Guid channelId) => protector.CreateProtector(channelId.ToString("N"));
}
