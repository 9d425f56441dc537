using Dapper;
using Npgsql;

namespace LiveAnalytics.Accounts;

/// <summary>
/// A merchant deletes their own account: their memberships, API keys and pending invitations go with it (they cascade);
/// widget tokens they made stay with their sites. Refused while they are the only owner of a site, which would be left
/// without anyone to manage it: they delete it or make another member an owner first.
/// </summary>
public sealed class AccountDeletion(NpgsqlDataSource db)
{
    /// <returns>Null when deleted; else why not.</returns>
    public async Task<string?> DeleteAsync(Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // The teams of the user's sites locked, as the team's own changes lock them: nobody else leaves meanwhile.
        await conn.ExecuteAsync("""
            SELECT 1 FROM site_members WHERE site_id IN (SELECT site_id FROM site_members WHERE user_id = @userId) FOR UPDATE
            """, new { userId }, tx);
        var alone = (await conn.QueryAsync<string>("""
            SELECT s.name FROM sites s JOIN site_members m ON m.site_id = s.id AND m.user_id = @userId AND m.role = 'owner'
            WHERE NOT EXISTS (SELECT 1 FROM site_members o WHERE o.site_id = s.id AND o.role = 'owner' AND o.user_id <> @userId)
            ORDER BY s.name
            """, new { userId }, tx)).AsList();
        if (alone.Count > 0)
            return $"You are the only owner of {string.Join(", ", alone)}: delete {(alone.Count == 1 ? "it" : "them")} in the site's " +
                   "settings, or make another member an owner, first.";
        // The team's rows they wrote stay (authorless); what only they saw goes with them.
        await conn.ExecuteAsync("DELETE FROM segments WHERE personal AND created_by = @userId", new { userId }, tx);
        await conn.ExecuteAsync("DELETE FROM users WHERE id = @userId", new { userId }, tx);
        await tx.CommitAsync();
        return null;
    }
}
