using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Widgets;
using Npgsql;

namespace LiveAnalytics.Sites;

/// <summary>
/// Deletes a site for its owner: at once its settings, members, keys' access, widget tokens, goals and rollups
/// (they cascade), and its stored events afterwards in slices (<see cref="Retention.RetentionJob"/>). Its
/// domain stops taking events on every node, and its open widgets close.
/// </summary>
public sealed class SiteDeletion(NpgsqlDataSource db, SiteDirectory directory, WidgetTokens widgets)
{
    /// <returns>False when the user is not the site's owner (or it is gone already).</returns>
    public async Task<bool> DeleteAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var domain = await conn.QuerySingleOrDefaultAsync<string>("""
            SELECT s.domain FROM sites s JOIN site_members m ON m.site_id = s.id AND m.user_id = @userId AND m.role = 'owner'
            WHERE s.id = @siteId FOR UPDATE OF s
            """, new { siteId, userId }, tx);
        if (domain is null) return false;
        var tokens = (await conn.QueryAsync<long>("SELECT id FROM widget_tokens WHERE site_id = @siteId AND revoked_at IS NULL",
            new { siteId }, tx)).AsList();
        await conn.ExecuteAsync("""
            INSERT INTO deleted_sites (site_id, domain) VALUES (@siteId, @domain) ON CONFLICT DO NOTHING;
            DELETE FROM sites WHERE id = @siteId;
            """, new { siteId, domain }, tx);
        await tx.CommitAsync();
        await directory.ChangedAsync(domain);
        await widgets.ForgetAsync(tokens);
        return true;
    }
}
