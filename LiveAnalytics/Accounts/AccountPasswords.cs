using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts;

/// <summary>The password asked again on the account page before a change that matters (a new password, two-factor settings).</summary>
public static class AccountPasswords
{
    public const string LockedOut = "Too many failed attempts: this account is locked for a few minutes.";

    /// <summary>A failure counts towards the account's lockout, as a login's does: a session left open is no way to guess it.</summary>
    /// <returns>Null when it is right; else what to tell.</returns>
    public static async Task<string?> CheckAsync(SignInManager<AppUser> signIn, AppUser user, string password, string wrong = "The password is wrong.")
    {
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return check.Succeeded ? null : check.IsLockedOut ? LockedOut : wrong;
    }
}
