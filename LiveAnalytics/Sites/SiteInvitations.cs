using LiveAnalytics.Infrastructure;
using Dapper;
using LiveAnalytics.Accounts.Email;
using Npgsql;

namespace LiveAnalytics.Sites;

public sealed record SiteInvitation(long Id, string Email, string Role, DateTimeOffset ExpiresAt);

/// <summary>What an invitation link offers, read before it is accepted.</summary>
public sealed record InvitationOffer(long SiteId, string Domain, string Email, string Role);

/// <summary>
/// Invitations to a site's team by address, mailed when an SMTP server is configured. The link
/// proves the mailbox: its token joins whoever signs up or logs in with it, once, within <see cref="Lifespan"/>. Only a
/// hash of the token is stored. Without mail, colleagues sign up first and are added by their address (SiteTeam).
/// </summary>
public sealed class SiteInvitations(NpgsqlDataSource db, SiteTeam team, EmailSender email, TimeProvider time)
{
    public static readonly TimeSpan Lifespan = TimeSpan.FromDays(7);

    public bool Enabled => email.Enabled;

    /// <summary>
    /// With mail, invites the address: its holder joins through the mailed link, which proves the mailbox, whether or
    /// not an account uses the address already (an account made before addresses were confirmed, or without mail, may
    /// carry a colleague's address its holder never proved, and an add by address would let them in). Without mail, adds the
    /// account with this address, as the operator's only way.
    /// </summary>
    /// <returns>An error message, or null when added or invited.</returns>
    public async Task<string?> AddOrInviteAsync(Site site, Guid ownerId, string address, string role)
    {
        address = address.Trim();
        // A member already is told so; a bad role or length gets the team's own message.
        if (!Enabled || !SiteTeam.Roles.Contains(role) || address.Length is 0 or > 256 || address.Any(char.IsControl) || await IsMemberAsync(site.Id, address))
            return await team.AddAsync(site.Id, ownerId, address, role);
        if (!MimeKit.MailboxAddress.TryParse(address, out var mailbox) || mailbox.Address != address || !address.Contains('@'))
            return $"'{address}' is not an e-mail address.";
        if (await team.RoleAsync(site.Id, ownerId) != SiteTeam.Owner) return "Only the site's owners manage its team.";

        var token = Secrets.New("", 32);
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO site_invitations (site_id, email, normalized_email, role, token_hash, invited_by, created_at, expires_at)
            VALUES (@siteId, @address, @normalized, @role, @hash, @ownerId, @now, @expires)
            ON CONFLICT (site_id, normalized_email) DO UPDATE SET email = excluded.email, role = excluded.role,
                token_hash = excluded.token_hash, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at
            """, new { siteId = site.Id, address, normalized = SiteTeam.NormalizeEmail(address), role, hash = Secrets.Hash(token), ownerId, now, expires = now + Lifespan }, tx);
        try
        {
            // Sent before the commit: an invitation whose mail could not go is not left pending as if it had.
            await email.SendAsync(address, $"You are invited to {site.Domain} on LiveAnalytics", $"""
                You are invited to see the visitors of {site.Domain} as {ArticleFor(role)} {role} on LiveAnalytics.

                Join here (the link works for {Lifespan.TotalDays:0} days, once):
                {email.Link($"/account/invitation?token={token}")}

                If you did not expect it, ignore this mail.
                """);
        }
        // The SMTP server is outside: whatever it answers (refused, unreachable, a failed login or TLS handshake), the owner
        // is told, and nothing is left pending.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"The invitation could not be mailed ({e.Message}); try again later.";
        }
        await tx.CommitAsync();
        return null;
    }

    public async Task<IReadOnlyList<SiteInvitation>> PendingAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<SiteInvitation>("""
            SELECT id AS Id, email AS Email, role AS Role, expires_at AS ExpiresAt FROM site_invitations
            WHERE site_id = @siteId AND expires_at > @now ORDER BY created_at
            """, new { siteId, now = time.GetUtcNow() })).ToList();
    }

    public async Task<string?> CancelAsync(long siteId, Guid ownerId, long invitationId)
    {
        if (await team.RoleAsync(siteId, ownerId) != SiteTeam.Owner) return "Only the site's owners manage its team.";
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM site_invitations WHERE id = @invitationId AND site_id = @siteId", new { invitationId, siteId });
        return null;
    }

    /// <returns>Null for a token that is unknown, used or expired.</returns>
    public async Task<InvitationOffer?> FindAsync(string token)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<InvitationOffer>("""
            SELECT i.site_id AS SiteId, s.domain AS Domain, i.email AS Email, i.role AS Role
            FROM site_invitations i JOIN sites s ON s.id = i.site_id WHERE i.token_hash = @hash AND i.expires_at > @now
            """, new { hash = Secrets.Hash(token), now = time.GetUtcNow() });
    }

    /// <summary>Makes the user a member with the invitation's role (a member already keeps their role) and uses it up.</summary>
    /// <returns>The site's id, or null for a token that is unknown, used or expired.</returns>
    public async Task<long?> AcceptAsync(string token, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var invitation = await conn.QuerySingleOrDefaultAsync<(long SiteId, string Role)?>("""
            DELETE FROM site_invitations WHERE token_hash = @hash AND expires_at > @now RETURNING site_id, role
            """, new { hash = Secrets.Hash(token), now = time.GetUtcNow() }, tx);
        if (invitation is not { } i) return null;
        await conn.ExecuteAsync("""
            INSERT INTO site_members (site_id, user_id, role) VALUES (@SiteId, @userId, @Role)
            ON CONFLICT (site_id, user_id) DO NOTHING
            """, new { i.SiteId, userId, i.Role }, tx);
        await tx.CommitAsync();
        return i.SiteId;
    }

    private async Task<bool> IsMemberAsync(long siteId, string address)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM site_members m JOIN users u ON u.id = m.user_id WHERE m.site_id = @siteId AND u.normalized_email = @n)
            """, new { siteId, n = SiteTeam.NormalizeEmail(address) });
    }



    private static string ArticleFor(string role) => role == SiteTeam.Admin || role == SiteTeam.Owner ? "an" : "a";
}
