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
    /// <param name="table">The caller's table (a constant; rows with <c>id</c>, <c>site_id</c> and <c>created_by</c>), which
    /// the messages call its rows too: "annotations".</param>
    /// <param name="noun">One row as the messages name it: "annotation".</param>
    /// <param name="personal">A column that marks rows only their author sees and changes, or null.</param>
    /// <returns>Why not, or null when changed.</returns>
    public static async Task<Refusal?> UpdateAsync(NpgsqlDataSource db, SiteTeam team, string table, string noun, long siteId, Guid userId, long id,
        string set, DynamicParameters values, string? personal = null)
    {
        var role = await team.RoleAsync(siteId, userId);
        if (role is null) return NotMember(table);
        values.AddDynamicParams(new { id, siteId, userId, anyone = MayChange(role, null, Guid.Empty) });
        await using var conn = await db.OpenConnectionAsync();
        if (await conn.ExecuteAsync($"UPDATE {table} SET {set} WHERE id = @id AND site_id = @siteId AND {Mine(personal)}", values) == 1) return null;
        return await ExistsAsync(conn, table, personal, siteId, userId, id)
            ? Refusal.NotAllowed($"Only its author or the site's owners and admins change {Article(noun)} {noun}.")
            : Refusal.Gone($"That {noun} was removed meanwhile.");
    }

    /// <returns>Why not, or null when removed (or gone already).</returns>
    public static async Task<Refusal?> RemoveAsync(NpgsqlDataSource db, SiteTeam team, string table, string noun, long siteId, Guid userId, long id,
        string? personal = null)
    {
        var role = await team.RoleAsync(siteId, userId);
        if (role is null) return NotMember(table);
        await using var conn = await db.OpenConnectionAsync();
        var removed = await conn.ExecuteAsync($"DELETE FROM {table} WHERE id = @id AND site_id = @siteId AND {Mine(personal)}",
            new { id, siteId, userId, anyone = MayChange(role, null, Guid.Empty) });
        return removed == 0 && await ExistsAsync(conn, table, personal, siteId, userId, id)
            ? Refusal.NotAllowed($"Only its author or the site's owners and admins remove {Article(noun)} {noun}.")
            : null;
    }

    /// <summary>The rows the user may change: their own, and, for owners and admins (<c>@anyone</c>), the team's.</summary>
    private static string Mine(string? personal) =>
        personal is null ? "(@anyone OR created_by = @userId)" : $"(created_by = @userId OR (@anyone AND NOT {personal}))";

    /// <summary>Whether the row is there for the user to see (another's personal row is not).</summary>
    private static Task<bool> ExistsAsync(NpgsqlConnection conn, string table, string? personal, long siteId, Guid userId, long id) =>
        conn.ExecuteScalarAsync<bool>($"""
            SELECT EXISTS (SELECT 1 FROM {table} WHERE id = @id AND site_id = @siteId{(personal is null ? "" : $" AND (NOT {personal} OR created_by = @userId)")})
            """, new { id, siteId, userId });

    private static Refusal NotMember(string table) => Refusal.NotAllowed($"Only the site's members change its {table}.");

    private static string Article(string noun) => "aeiou".Contains(noun[0]) ? "an" : "a";
}
