using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts;

/// <summary>
/// Two-factor authentication: the authenticator app's key is kept encrypted with the Data Protection keys (in Redis,
/// not beside it in PostgreSQL: a copy of the database alone gives no one the codes), and recovery codes only as hashes,
/// like passwords.
/// </summary>
public sealed partial class UserStore :
    IUserTwoFactorStore<AppUser>, IUserAuthenticatorKeyStore<AppUser>, IUserTwoFactorRecoveryCodeStore<AppUser>
{
    private IDataProtector KeyProtector => protection.CreateProtector("LiveAnalytics.Accounts.AuthenticatorKey");

    public Task SetTwoFactorEnabledAsync(AppUser user, bool enabled, CancellationToken ct) { user.TwoFactorEnabled = enabled; return Task.CompletedTask; }
    public Task<bool> GetTwoFactorEnabledAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.TwoFactorEnabled);

    public Task SetAuthenticatorKeyAsync(AppUser user, string key, CancellationToken ct)
    {
        user.AuthenticatorKey = KeyProtector.Protect(key);
        return Task.CompletedTask;
    }

    public Task<string?> GetAuthenticatorKeyAsync(AppUser user, CancellationToken ct)
    {
        if (user.AuthenticatorKey is null) return Task.FromResult<string?>(null);
        try
        {
            return Task.FromResult<string?>(KeyProtector.Unprotect(user.AuthenticatorKey));
        }
        catch (CryptographicException e)
        {
            // The Data Protection keys were lost (Redis emptied without persistence). No key would leave the account
            // without a second factor at all; a key nobody knows keeps asking for one, which a recovery code (or the
            // operator's reset-password) answers.
            LogKeyUnreadable(e, user.Id);
            return Task.FromResult<string?>(RandomNumberGenerator.GetString(OneUseAuthenticatorCodes.Base32, 32));
        }
    }

    public Task ReplaceCodesAsync(AppUser user, IEnumerable<string> recoveryCodes, CancellationToken ct)
    {
        user.RecoveryCodes = string.Join(';', recoveryCodes.Select(c => HashCode(user, c)));
        return Task.CompletedTask;
    }

    public Task<bool> RedeemCodeAsync(AppUser user, string code, CancellationToken ct)
    {
        var hashes = (user.RecoveryCodes ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        // Each code once: UserManager saves the rest, under the concurrency stamp, so two logins cannot both spend it.
        if (!hashes.Remove(HashCode(user, code))) return Task.FromResult(false);
        user.RecoveryCodes = string.Join(';', hashes);
        return Task.FromResult(true);
    }

    public Task<int> CountCodesAsync(AppUser user, CancellationToken ct) =>
        Task.FromResult((user.RecoveryCodes ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).Length);

    /// <summary>Codes are read off paper: case, spaces and dashes do not matter. Salted with the account's id.</summary>
    private static string HashCode(AppUser user, string code)
    {
        var normalized = new string(code.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant).ToArray());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{user.Id:N}:{normalized}")));
    }

    [LoggerMessage(LogLevel.Error, "The authenticator key of account {UserId} cannot be decrypted (Data Protection keys lost?); " +
        "its codes are refused until it logs in with a recovery code and sets up its app again")]
    private partial void LogKeyUnreadable(Exception ex, Guid userId);
}
