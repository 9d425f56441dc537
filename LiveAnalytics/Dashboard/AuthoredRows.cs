using Dapper;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// What a site's members write for their team (annotations, segments): every member may add one, a viewer too; its author
/// removes it, and so do the site's owners and admins.
/// </summary>
internal static class AuthoredRows
{
    /// <summary>Whether the user, of this role on the site (null: none), may change or remove a row its author wrote.</summary>
    public static bool MayChange(string? role, Guid? authorId, Guid userId) =>
        role is SiteTeam.Owner or SiteTeam.Admin || (role is not null && authorId == userId);

    /// <summary>Changes a row (<paramref name="set"/>: the caller's constant SET list, its values in <paramref name="values"/>).</summary>
    /// <param name="noun">One row as the messages name it: "annotation".</param>
    /// <returns>An error message, or null when changed.</returns>
    public static async Task<string?> UpdateAsync(NpgsqlDataSource db, SiteTeam team, string table, string noun, long siteId, Guid userId, long id,
        string set, DynamicParameters values)
    {
        var role = await team.RoleAsync(siteId, userId);
        if (role is null) return $"Only the site's members change its {table}.";
        values.AddDynamicParams(new { id, siteId, userId, anyone = MayChange(role, null, Guid.Empty) });
        await using var conn = await db.OpenConnectionAsync();
        if (await conn.ExecuteAsync($"UPDATE {table} SET {set} WHERE id = @id AND site_id = @siteId AND (@anyone OR created_by = @userId)", values) == 1)
            return null;
        return await conn.ExecuteScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = @id AND site_id = @siteId)", new { id, siteId })
            ? $"Only its author or the site's owners and admins change {Article(noun)} {noun}."
            : $"That {noun} was removed meanwhile.";
    }

    private static string Article(string noun) => "aeiou".Contains(noun[0]) ? "an" : "a";

    /// <param name="table">The caller's table (a constant; rows with <c>id</c>, <c>site_id</c> and <c>created_by</c>), which
    /// the messages call its rows too: "annotations".</param>
    /// <param name="one">One row as the messages name it: "an annotation".</param>
    /// <returns>An error message, or null when removed (or gone already).</returns>
    public static async Task<string?> RemoveAsync(NpgsqlDataSource db, SiteTeam team, string table, string one, long siteId, Guid userId, long id)
    {
        var role = await team.RoleAsync(siteId, userId);
        if (role is null) return $"Only the site's members change its {table}.";
        await using var conn = await db.OpenConnectionAsync();
        var removed = await conn.ExecuteAsync($"""
            DELETE FROM {table} WHERE id = @id AND site_id = @siteId AND (@anyone OR created_by = @userId)
            """, new { id, siteId, userId, anyone = MayChange(role, null, Guid.Empty) });
        if (removed == 0 && await conn.ExecuteScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = @id AND site_id = @siteId)", new { id, siteId }))
            return $"Only its author or the site's owners and admins remove {one}.";
        return null;
    }
}
