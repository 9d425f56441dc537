namespace LiveAnalytics.Accounts;

/// <summary>A merchant's login. Column names match the <c>users</c> table.</summary>
public sealed class AppUser
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Email { get; set; } = "";
    public string NormalizedEmail { get; set; } = "";
    /// <summary>The holder has shown they read the address (<see cref="Email.EmailConfirmationMail"/>).</summary>
    public bool EmailConfirmed { get; set; }
    public string? PasswordHash { get; set; }
    public string? SecurityStamp { get; set; }
    public string? ConcurrencyStamp { get; set; } = Guid.NewGuid().ToString();
    public DateTimeOffset? LockoutEnd { get; set; }
    public bool LockoutEnabled { get; set; } = true;
    public int AccessFailedCount { get; set; }
    public bool TwoFactorEnabled { get; set; }
    /// <summary>The authenticator app's shared key as stored: encrypted (<see cref="UserStore"/>).</summary>
    public string? AuthenticatorKey { get; set; }
    /// <summary>The 30-second step of the last authenticator code taken: no code of it or before works again.</summary>
    public long? AuthenticatorLastStep { get; set; }
    /// <summary>SHA-256 hashes of the unused recovery codes, separated by ';'.</summary>
    public string? RecoveryCodes { get; set; }
}
