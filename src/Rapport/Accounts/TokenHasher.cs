using System.Security.Cryptography;
using System.Text;

namespace Rapport.Accounts;

/// <summary>Makes and hashes the random secrets behind API tokens and invitation links.</summary>
public static class TokenHasher
{
    public static string NewToken(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
