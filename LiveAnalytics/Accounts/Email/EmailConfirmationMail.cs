using Hangfire;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// Confirmation of a new account's address, where the server sends mail (where it cannot, nobody could confirm, and
/// accounts sign in unconfirmed). Until its holder opens the mailed link, an account does not sign in: otherwise
/// anyone could sign up with a merchant's address, and mails meant for it (reports, notices) would go to a mailbox
/// whose owner never asked for them. An invitation mailed to the address, or a password reset by mail, confirms it too.
/// </summary>
public sealed class EmailConfirmationMail(UserManager<AppUser> users, EmailSender email, IBackgroundJobClient jobs, OneMailAMinute throttle)
{
    public static readonly TimeSpan Lifespan = TimeSpan.FromDays(1);

    /// <summary>Whether accounts must confirm their address before they sign in: whenever the server sends mail.</summary>
    public bool Required => email.Enabled;

    /// <summary>Queues the mail with the link, unless one went to the address within the minute.</summary>
    public async Task RequestAsync(AppUser user)
    {
        if (await throttle.TakeAsync("email-confirmation", user.NormalizedEmail))
            jobs.Enqueue<EmailConfirmationMail>(m => m.SendAsync(user.Id, CancellationToken.None));
    }

    /// <summary>The job: mails the link to an account that still needs it.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task SendAsync(Guid userId, CancellationToken ct)
    {
        if (await users.FindByIdAsync(userId.ToString()) is not { EmailConfirmed: false } user) return;
        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        var link = email.Link($"/account/confirm?user={user.Id}&token={Uri.EscapeDataString(token)}");
        await email.SendAsync(user.Email, "Confirm your LiveAnalytics address", $"""
            Someone, hopefully you, made a LiveAnalytics account with the address {user.Email}.

            Confirm that it is yours here (the link works for a day), then log in:
            {link}

            If it was not you, ignore this mail: nobody can log in to that account until the address is confirmed.
            """, ct);
    }

    /// <returns>False for a link that expired, was changed, or names no account.</returns>
    /// <summary>The address a link would confirm, and whether it is confirmed already, without confirming it; null for a
    /// link that would not work.</summary>
    public async Task<(string Address, bool Confirmed)?> CheckAsync(string? userId, string? token) =>
        !string.IsNullOrEmpty(token) && await users.FindByIdAsync(userId ?? "") is { } user
        && await users.VerifyUserTokenAsync(user, users.Options.Tokens.EmailConfirmationTokenProvider, UserManager<AppUser>.ConfirmEmailTokenPurpose, token)
            ? (user.Email, user.EmailConfirmed) : null;

    public async Task<bool> ConfirmAsync(string? userId, string? token) =>
        !string.IsNullOrEmpty(token) && await users.FindByIdAsync(userId ?? "") is { } user
        && (await users.ConfirmEmailAsync(user, token)).Succeeded;

    /// <summary>
    /// A login that Identity refused as not allowed (the address unconfirmed): with the right password, a new link goes
    /// out (at most one a minute). The password is checked as a login would: a wrong one counts towards the lockout.
    /// </summary>
    /// <returns><see cref="SignInResult.NotAllowed"/> once the link is asked for; otherwise failed or locked out.</returns>
    public async Task<SignInResult> ResendAsync(string address, string password)
    {
        if (await users.FindByEmailAsync(address) is not { EmailConfirmed: false } user) return SignInResult.Failed;
        if (await users.IsLockedOutAsync(user)) return SignInResult.LockedOut;
        if (!await users.CheckPasswordAsync(user, password))
        {
            await users.AccessFailedAsync(user);
            return await users.IsLockedOutAsync(user) ? SignInResult.LockedOut : SignInResult.Failed;
        }
        await RequestAsync(user);
        return SignInResult.NotAllowed;
    }
}
