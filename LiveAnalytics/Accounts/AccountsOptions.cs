using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Accounts;

/// <summary><c>Accounts:</c> how sessions follow a change of password.</summary>
public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// How often a login cookie, and an open page's live connection, is checked against the account: a changed password
    /// signs every other session out within this time. Each check reads the user's row once.
    /// </summary>
    [Range(0, 3600)]
    public int SessionCheckSeconds { get; set; } = 60;

    /// <summary>Posts of the account forms one client address may make a minute (<see cref="AccountFormLimits"/>).</summary>
    [Range(1, 10_000)]
    public int FormPostsPerMinute { get; set; } = 20;

    /// <summary>Who may create an account on the sign-up page (<see cref="Accounts.Registration"/>).</summary>
    public RegistrationMode Registration { get; set; } = RegistrationMode.Open;
}

public enum RegistrationMode
{
    /// <summary>Anyone who reaches the server.</summary>
    Open,
    /// <summary>Only with an invitation's link, and the very first account of a new server.</summary>
    InviteOnly,
}
