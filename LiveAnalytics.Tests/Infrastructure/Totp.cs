using System.Security.Cryptography;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>What an authenticator app shows for a key (RFC 6238: HMAC-SHA1 of the 30-second step since the epoch, 6 digits).</summary>
public static class Totp
{
    /// <param name="key">Base32, as the account page shows it (case and spaces do not matter).</param>
    /// <param name="stepOffset">Steps of 30 seconds from now.</param>
    public static string Code(string key, long stepOffset = 0)
    {
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + stepOffset;
        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian) Array.Reverse(counter);
        var hash = HMACSHA1.HashData(FromBase32(key.Replace(" ", "").ToUpperInvariant()), counter);
        var offset = hash[^1] & 0xf;
        var value = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6");
    }

    /// <summary>A code of an hour ago: never accepted now.</summary>
    public static string Stale(string key) => Code(key, -120) is var old && old != Code(key) ? old : Code(key, -121);

    private static byte[] FromBase32(string text)
    {
        var bits = string.Concat(text.Select(c => Convert.ToString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".IndexOf(c), 2).PadLeft(5, '0')));
        return Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
    }
}
