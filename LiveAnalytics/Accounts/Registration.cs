using Dapper;
using LiveAnalytics.Sites;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Accounts;

/// <summary>
/// Whether the sign-up page may create an account (<c>Accounts:Registration</c>). A server on the internet that takes
/// anyone's sign-up hands out accounts (and sites: a stranger could claim a store's domain first) to whoever finds it;
/// invite-only takes an invitation's link, or no account at all yet, so a new server can still make its first.
/// </summary>
public sealed class Registration(NpgsqlDataSource db, SiteInvitations invitations, IOptions<AccountsOptions> options)
{
    public const string Refused = "Accounts on this server are by invitation: ask the owner of a site here to invite you.";

    public RegistrationMode Mode => options.Value.Registration;

    public async Task<bool> AllowsAsync(string? inviteToken) =>
        Mode == RegistrationMode.Open
        || Allows(Mode, hasInvitation: !string.IsNullOrEmpty(inviteToken) && await invitations.FindAsync(inviteToken) is not null,
            anyAccount: await AnyAccountAsync());

    internal static bool Allows(RegistrationMode mode, bool hasInvitation, bool anyAccount) =>
        mode == RegistrationMode.Open || hasInvitation || !anyAccount;

    private async Task<bool> AnyAccountAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM users)");
    }
}
