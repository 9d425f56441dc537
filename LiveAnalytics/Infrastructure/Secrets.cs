using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// The bearer secrets this server hands out (API keys, widget tokens, shared links, invitations): random, shown once, and
/// stored only as a SHA-256 hash. A plain hash is enough for 192 or more random bits: there is nothing to guess or brute-force.
/// </summary>
public static class Secrets
{
    /// <param name="prefix">Says what it is when it turns up in a log or a paste (<c>la_</c>, <c>lw_</c>…).</param>
    public static string New(string prefix, int randomBytes = 24) => prefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(randomBytes));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
