using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts;

/// <summary>
/// The authenticator app's codes (RFC 6238: HMAC-SHA1 of the 30-second step, 6 digits; the step before and after are
/// taken too, for clocks a little apart), each taken once: a code seen over a shoulder or in a proxy's log cannot log in
/// again, as RFC 6238 §5.2 asks. Identity's own provider takes a code as often as it is valid.
/// </summary>
public sealed class OneUseAuthenticatorCodes(TimeProvider time) : IUserTwoFactorTokenProvider<AppUser>
{
    /// <summary>The authenticator keys' alphabet (RFC 4648).</summary>
    internal const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<AppUser> manager, AppUser user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    // The app makes the codes; the server only checks them.
    public Task<string> GenerateAsync(string purpose, UserManager<AppUser> manager, AppUser user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<AppUser> manager, AppUser user)
    {
        if (token.Length != 6 || !token.All(char.IsAsciiDigit) || await manager.GetAuthenticatorKeyAsync(user) is not { } key) return false;
        var secret = FromBase32(key);
        var now = time.GetUtcNow().ToUnixTimeSeconds() / 30;
        for (var step = now - 1; step <= now + 1; step++)
        {
            if (step <= user.AuthenticatorLastStep || !CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(Code(secret, step)), System.Text.Encoding.ASCII.GetBytes(token)))
                continue;
            // Saved under the account's concurrency stamp: of two logins racing with one code, only one gets it.
            user.AuthenticatorLastStep = step;
            return (await manager.UpdateAsync(user)).Succeeded;
        }
        return false;
    }

    private static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(secret, counter);
        var offset = hash[^1] & 0xf;
        var value = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset, 4)) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] FromBase32(string text)
    {
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            var v = Base32.IndexOf(char.ToUpperInvariant(c));
            if (v < 0) continue;   // spaces, padding
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return bytes.ToArray();
    }
}
