using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Rapport.Channels;

/// <summary>
/// Encrypts channel secrets (passwords, tokens, signing keys) at rest with ASP.NET Data Protection.
/// Secrets go in through the API and the settings page and only come out to the channel's adapter.
/// </summary>
public sealed class ChannelSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Rapport.Channels.Secrets.v1");

    public string Protect(IReadOnlyDictionary<string, string> secrets) =>
        protector.Protect(JsonSerializer.Serialize(secrets));

    public IReadOnlyDictionary<string, string> Unprotect(string? protectedSecrets) =>
        string.IsNullOrEmpty(protectedSecrets)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(protectedSecrets)) ?? [];

    /// <summary>Merges new values into the stored ones; an empty value removes a secret.</summary>
    public string? Merge(string? protectedSecrets, IReadOnlyDictionary<string, string>? changes) =>
        changes is null || changes.Count == 0 ? protectedSecrets
        : Merged(protectedSecrets, changes) is { Count: > 0 } merged ? Protect(merged)
        : null;

    /// <summary>The secrets once <paramref name="changes"/> are merged into the stored ones (an empty value removes one), in clear.</summary>
    public Dictionary<string, string> Merged(string? protectedSecrets, IReadOnlyDictionary<string, string>? changes)
    {
        var current = new Dictionary<string, string>(Unprotect(protectedSecrets));
        foreach (var (key, value) in changes ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrEmpty(value))
            {
                current.Remove(key);
            }
            else
            {
                current[key] = value;
            }
        }
        return current;
    }
}
