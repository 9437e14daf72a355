using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Rapport.Channels.Bluesky;

/// <summary>An AT Protocol session: the short-lived access token, the refresh token, and whose they are.</summary>
public sealed record BlueskySession(string Fingerprint, string AccessJwt, string RefreshJwt, string Did, string Handle);

/// <summary>
/// The channels' sessions, in memory only: tokens are never written to the database, so a restart simply signs in
/// again with the app password. A session is tied to the server, identifier and password it was made with, so
/// changing any of them in the settings starts a new one.
/// </summary>
public sealed class BlueskySessions
{
    private readonly ConcurrentDictionary<Guid, BlueskySession> sessions = new();

    public BlueskySession? Get(Guid channelId, string fingerprint) =>
        sessions.TryGetValue(channelId, out var session) && session.Fingerprint == fingerprint ? session : null;

    public void Set(Guid channelId, BlueskySession session) => sessions[channelId] = session;

    public void Forget(Guid channelId) => sessions.TryRemove(channelId, out _);

    public static string Fingerprint(Uri service, string identifier, string password) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{service.AbsoluteUri}\n{identifier}\n{password}")));
}
