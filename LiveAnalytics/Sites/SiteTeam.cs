using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace LiveAnalytics.Sites;

public sealed record SiteMember(Guid UserId, string Email, string Role);

/// <summary>
/// A site's members and their roles. Owners manage the team (and delete the site); owners and admins change
/// its settings; viewers see its live view and history. A site always keeps an owner. Members are people with an
/// account here: this server sends no e-mail, so a colleague signs up first and is then added by address.
/// </summary>
public sealed class SiteTeam(NpgsqlDataSource db)
{
    public const string Owner = "owner", Admin = "admin", Viewer = "viewer";
    public static readonly string[] Roles = [Owner, Admin, Viewer];

    // Identity's default, which the app keeps (Accounts/): its users' normalized_email is written with it.
    private static readonly ILookupNormalizer Normalizer = new UpperInvariantLookupNormalizer();

    /// <summary>An address as Identity stores it in <c>users.normalized_email</c>, whatever its case.</summary>
    internal static string NormalizeEmail(string address) => Normalizer.NormalizeEmail(address.Trim())!;

    /// <summary>The site's members, for one of them; empty for anyone else.</summary>
    public async Task<IReadOnlyList<SiteMember>> ListAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<SiteMember>("""
            SELECT u.id AS UserId, u.email AS Email, m.role AS Role
            FROM site_members m JOIN users u ON u.id = m.user_id
            WHERE m.site_id = @siteId AND EXISTS (SELECT 1 FROM site_members me WHERE me.site_id = @siteId AND me.user_id = @userId)
            ORDER BY array_position(ARRAY['owner', 'admin', 'viewer'], m.role), u.email
            """, new { siteId, userId })).AsList();
    }

    /// <returns>The user's role on the site, or null: not a member.</returns>
    public async Task<string?> RoleAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>("SELECT role FROM site_members WHERE site_id = @siteId AND user_id = @userId", new { siteId, userId });
    }

    /// <summary>The user's role on each site they are a member of.</summary>
    public async Task<IReadOnlyDictionary<long, string>> RolesAsync(Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<(long SiteId, string Role)>("SELECT site_id, role FROM site_members WHERE user_id = @userId", new { userId }))
            .ToDictionary(r => r.SiteId, r => r.Role);
    }

    /// <summary>Whether the user may change the site's settings (owners and admins), asked again on every change:
    /// a page opened before the user's role was lowered still shows its buttons.</summary>
    public async Task<bool> MayChangeSettingsAsync(long siteId, Guid userId) => await RoleAsync(siteId, userId) is Owner or Admin;

    public const string SettingsRefused = "Only the site's owners and admins change its settings.";

    /// <returns>An error message, or null when added.</returns>
    public async Task<string?> AddAsync(long siteId, Guid actorId, string email, string role)
    {
        if (!Roles.Contains(role)) return $"A role is one of {string.Join(", ", Roles)}.";
        if (string.IsNullOrWhiteSpace(email) || email.Length > 256 || email.Any(char.IsControl)) return "Enter the e-mail address of their account.";
        return await ChangeAsync(siteId, actorId, async (conn, tx, members) =>
        {
            var user = await conn.ExecuteScalarAsync<Guid?>("SELECT id FROM users WHERE normalized_email = @email",
                new { email = NormalizeEmail(email) }, tx);
            if (user is null) return $"No account uses {email.Trim()}: ask them to sign up first, then add them here.";
            if (members.ContainsKey(user.Value)) return $"{email.Trim()} is a member already.";
            await conn.ExecuteAsync("INSERT INTO site_members (site_id, user_id, role) VALUES (@siteId, @user, @role)", new { siteId, user, role }, tx);
            return null;
        });
    }

    /// <returns>An error message, or null when changed.</returns>
    public async Task<string?> ChangeRoleAsync(long siteId, Guid actorId, Guid memberId, string role)
    {
        if (!Roles.Contains(role)) return $"A role is one of {string.Join(", ", Roles)}.";
        return await ChangeAsync(siteId, actorId, async (conn, tx, members) =>
        {
            if (!members.TryGetValue(memberId, out var current)) return "They are not a member of this site.";
            if (current == Owner && role != Owner && members.Values.Count(r => r == Owner) == 1) return LastOwner;
            await conn.ExecuteAsync("UPDATE site_members SET role = @role WHERE site_id = @siteId AND user_id = @memberId", new { siteId, memberId, role }, tx);
            return null;
        });
    }

    /// <summary>An owner removes a member, or a member leaves.</summary>
    /// <returns>An error message, or null when removed.</returns>
    public async Task<string?> RemoveAsync(long siteId, Guid actorId, Guid memberId)
    {
        return await ChangeAsync(siteId, actorId, async (conn, tx, members) =>
        {
            if (!members.TryGetValue(memberId, out var current)) return "They are not a member of this site.";
            if (current == Owner && members.Values.Count(r => r == Owner) == 1) return LastOwner;
            await conn.ExecuteAsync("DELETE FROM site_members WHERE site_id = @siteId AND user_id = @memberId", new { siteId, memberId }, tx);
            // Their personal segments go with them: nobody else may see or remove them, and one added back starts afresh.
            await conn.ExecuteAsync("DELETE FROM segments WHERE site_id = @siteId AND created_by = @memberId AND personal", new { siteId, memberId }, tx);
            return null;
        }, selfMay: memberId);
    }

    private const string LastOwner = "A site keeps at least one owner: make someone else an owner first.";

    /// <summary>
    /// Runs a change of the team by an owner (or by <paramref name="selfMay"/> on themself) with the members locked, so
    /// that two owners demoting each other at once cannot leave the site without one.
    /// </summary>
    private async Task<string?> ChangeAsync(long siteId, Guid actorId,
        Func<NpgsqlConnection, NpgsqlTransaction, Dictionary<Guid, string>, Task<string?>> change, Guid? selfMay = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var members = (await conn.QueryAsync<(Guid UserId, string Role)>(
            "SELECT user_id, role FROM site_members WHERE site_id = @siteId FOR UPDATE", new { siteId }, tx))
            .ToDictionary(m => m.UserId, m => m.Role);
        if (members.GetValueOrDefault(actorId) != Owner && actorId != selfMay)
            return "Only the site's owners manage its team.";
        var error = await change(conn, tx, members);
        if (error is null) await tx.CommitAsync();
        return error;
    }
}
