using Hangfire;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// Password resets by e-mail. A request queues a job that mails a link holding Identity's reset token (protected by the
/// app's Data Protection keys, so any node takes it; valid for <see cref="Lifespan"/> and once, since using it changes
/// the account's security stamp). The request's answer and its time are the same whether an account has the address or
/// not: the mail is a job. At most one request an address a minute (<see cref="OneMailAMinute"/>). Using the link confirms
/// the address (<see cref="EmailConfirmationMail"/>): the mail reached its holder.
/// </summary>
public sealed class PasswordResetMail(UserManager<AppUser> users, EmailSender email, IBackgroundJobClient jobs, OneMailAMinute throttle)
{
    public static readonly TimeSpan Lifespan = TimeSpan.FromHours(1);

    public bool Enabled => email.Enabled;

    public async Task RequestAsync(string address)
    {
        if (!await throttle.TakeAsync("password-reset", users.NormalizeEmail(address.Trim()))) return;
        jobs.Enqueue<PasswordResetMail>(m => m.SendAsync(address.Trim(), CancellationToken.None));
    }

    /// <summary>The job: mails the link if an account has the address; otherwise nothing.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task SendAsync(string address, CancellationToken ct)
    {
        if (await users.FindByEmailAsync(address) is not { } user) return;
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = email.Link($"/account/reset?email={Uri.EscapeDataString(user.Email)}&token={Uri.EscapeDataString(token)}");
        await email.SendAsync(user.Email, "Reset your LiveAnalytics password", $"""
            Someone, hopefully you, asked to reset the password of your LiveAnalytics account {user.Email}.

            Choose a new one here (the link works for an hour, once):
            {link}

            If it was not you, ignore this mail: your password stays as it is.
            """, ct);
    }

    /// <returns>Failed with "InvalidToken" for a link that expired, was used, or names no account.</returns>
    public async Task<IdentityResult> ResetAsync(string address, string token, string password)
    {
        if (await users.FindByEmailAsync(address) is not { } user) return IdentityResult.Failed(users.ErrorDescriber.InvalidToken());
        var result = await users.ResetPasswordAsync(user, token, password);
        if (!result.Succeeded) return result;
        // Whoever holds the mailbox may sign in at once, even after someone else's wrong guesses or without the
        // confirmation mail: this one reached them. (The reset saved the user, so this is a second update.)
        user.EmailConfirmed = true;
        await users.SetLockoutEndDateAsync(user, null);
        return result;
    }
}
