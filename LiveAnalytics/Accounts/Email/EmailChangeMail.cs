using Hangfire;
using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// A merchant's new login address, where the server sends mail: the change is asked for with the password, and made
/// only once the link mailed to the new address is opened (it proves that mailbox, as the sign-up's confirmation does),
/// within a day. The old address is told of it. The change signs every session out (a new security stamp).
/// </summary>
public sealed class EmailChangeMail(UserManager<AppUser> users, EmailSender email, IBackgroundJobClient jobs, OneMailAMinute throttle)
{
    public bool Enabled => email.Enabled;

    /// <returns>An error to show, or null when the link is on its way (at most one a minute to an address).</returns>
    public async Task<string?> RequestAsync(AppUser user, string newAddress)
    {
        newAddress = newAddress.Trim();
        if (users.NormalizeEmail(newAddress) == user.NormalizedEmail) return "That is your address already.";
        if (await users.FindByEmailAsync(newAddress) is not null) return $"Another account uses {newAddress}.";
        if (await throttle.TakeAsync("email-change", users.NormalizeEmail(newAddress)))
            jobs.Enqueue<EmailChangeMail>(m => m.SendAsync(user.Id, newAddress, CancellationToken.None));
        return null;
    }

    /// <summary>The job: mails the link to the new address.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task SendAsync(Guid userId, string newAddress, CancellationToken ct)
    {
        if (await users.FindByIdAsync(userId.ToString()) is not { } user) return;
        var token = await users.GenerateChangeEmailTokenAsync(user, newAddress);
        var link = email.Link($"/account/email?user={user.Id}&email={Uri.EscapeDataString(newAddress)}&token={Uri.EscapeDataString(token)}");
        await email.SendAsync(newAddress, "Confirm your new LiveAnalytics address", $"""
            The LiveAnalytics account {user.Email} asked to log in with this address from now on.

            Confirm it here (the link works for a day); you then log in with {newAddress}:
            {link}

            If you did not ask for this, ignore this mail: nothing changes.
            """, ct);
    }

    public const string Invalid = "This link has expired, was used already or is not whole (a link works for a day).";

    /// <summary>Whether a link would change the account's address, without changing it (its page asks first).</summary>
    public async Task<bool> CheckAsync(string? userId, string? newAddress, string? token) =>
        !string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(newAddress) && await users.FindByIdAsync(userId ?? "") is { } user
        && await users.VerifyUserTokenAsync(user, users.Options.Tokens.ChangeEmailTokenProvider, UserManager<AppUser>.GetChangeEmailTokenPurpose(newAddress), token);

    /// <returns>The account's new address, or an error for a link that expired, was used or was changed.</returns>
    public async Task<(string? Address, string? Error)> ConfirmAsync(string? userId, string? newAddress, string? token)
    {
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(newAddress) || await users.FindByIdAsync(userId ?? "") is not { } user)
            return (null, Invalid);
        var old = user.Email;
        // Identity checks the token (bound to the address and to the account's security stamp, which the change renews:
        // the link works once), sets the address as confirmed, and refuses one another account took meanwhile.
        var result = await users.ChangeEmailAsync(user, newAddress, token);
        if (!result.Succeeded)
            return (null, result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateEmail)) ? $"Another account uses {newAddress} now." : Invalid);
        jobs.Enqueue<EmailChangeMail>(m => m.NoticeAsync(old, newAddress, CancellationToken.None));
        return (user.Email, null);
    }

    /// <summary>The job: tells the old address, so that a change nobody there asked for does not go unseen.</summary>
    [AutomaticRetry(Attempts = 3)]
    public Task NoticeAsync(string oldAddress, string newAddress, CancellationToken ct) =>
        email.SendAsync(oldAddress, "Your LiveAnalytics address changed", $"""
            The LiveAnalytics account that used {oldAddress} logs in with {newAddress} from now on.

            If you did not change it, ask the operator of your LiveAnalytics server to look into it at once.
            """, ct);
}
