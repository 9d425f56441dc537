using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts;

/// <summary>
/// <c>reset-password EMAIL</c>: the operator's way to let a merchant back in where no mail can (no SMTP server, a mailbox gone). It sets
/// a new random password, prints it once, and ends the account's lockout and sessions (a new security stamp). It turns two-factor
/// authentication off as well: a merchant who cannot log in has often lost the phone too, and the operator who vouches for them
/// by running this can reach the database anyway.
/// </summary>
public static class PasswordReset
{
    public const string Command = "reset-password";

    /// <returns>The process's exit code if <paramref name="args"/> name this command; null to run the server.</returns>
    public static async Task<int?> TryRunPasswordResetAsync(this WebApplication app, string[] args)
    {
        if (args is not [Command, ..]) return null;
        // After the address, configuration as the server takes it (--ConnectionStrings:Postgres=...).
        if (args is not [_, var email, ..] || email.StartsWith('-')) { Console.Error.WriteLine($"Usage: {Command} EMAIL [--key=value ...]"); return 2; }
        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            return await ResetAsync(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>(), email, Console.Out, Console.Error);
        }
        catch (Npgsql.NpgsqlException e)
        {
            Console.Error.WriteLine($"PostgreSQL could not be read (is it running, and has the server run once to create its tables?): {e.Message}");
            return 1;
        }
    }

    internal static async Task<int> ResetAsync(UserManager<AppUser> users, string email, TextWriter output, TextWriter errors)
    {
        if (await users.FindByEmailAsync(email.Trim()) is not { } user)
        {
            await errors.WriteLineAsync($"No account has the e-mail address {email}.");
            return 1;
        }
        // 20 characters of a 62-letter alphabet: about 119 bits.
        var password = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
        user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
        user.LockoutEnd = null;
        user.AccessFailedCount = 0;
        // The operator vouches for the account, which may not have had the mail that confirms its address.
        user.EmailConfirmed = true;
        var hadTwoFactor = user.TwoFactorEnabled;
        (user.TwoFactorEnabled, user.AuthenticatorKey, user.RecoveryCodes) = (false, null, null);
        // UpdateSecurityStampAsync saves the user: the hash, the lockout and the stamp in one update.
        var result = await users.UpdateSecurityStampAsync(user);
        if (!result.Succeeded)
        {
            await errors.WriteLineAsync($"The account could not be saved: {string.Join(" ", result.Errors.Select(e => e.Description))}");
            return 1;
        }
        await output.WriteLineAsync($"New password for {user.Email}: {password}");
        await output.WriteLineAsync("Every session of the account is signed out. Ask them to change it on their account page.");
        if (hadTwoFactor) await output.WriteLineAsync("Two-factor authentication is off now: they can set it up again there.");
        return 0;
    }
}
