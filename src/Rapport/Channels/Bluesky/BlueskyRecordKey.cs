using System.Security.Cryptography;
using Rapport.Outbox;

namespace Rapport.Channels.Bluesky;

/// <summary>
/// The record key of the post an outbox item becomes: a TID (timestamp identifier, 13 base32-sortable characters of
/// 53 bits of microseconds and a 10-bit clock id) computed from the item itself rather than drawn at random. Every
/// attempt at the same item writes to the same key, so a resend after a crash meets the post already there
/// instead of making a second one.
/// </summary>
public static class BlueskyRecordKey
{
    private const string Alphabet = "234567abcdefghijklmnopqrstuvwxyz";

    public static string For(OutboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var bytes = item.Id.ToByteArray(bigEndian: true);
        var hash = SHA256.HashData(bytes);
        // A version 7 id starts with its creation time in Unix milliseconds: the key then sorts with the time the reply was written.
        long milliseconds = item.Id.Version == 7
            ? ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5]
            : new DateTimeOffset(DateTime.SpecifyKind(item.CreatedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        var microseconds = milliseconds * 1000 + ((hash[0] << 8) | hash[1]) % 1000;
        var clockId = ((hash[2] << 8) | hash[3]) & 0x3FF;
        return Encode(((microseconds & ((1L << 53) - 1)) << 10) | (uint)clockId);
    }

    internal static string Encode(long value)
    {
        Span<char> key = stackalloc char[13];
        for (var i = 12; i >= 0; i--)
        {
            key[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(key);
    }
}
