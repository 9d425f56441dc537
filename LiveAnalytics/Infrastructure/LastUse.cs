using System.Globalization;
using Dapper;
using Npgsql;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// When an API key or a widget token was last used, so that the pages that list them show which are still in use and
/// which may be revoked: the <c>last_used_at</c> column of their tables, to the minute.
/// </summary>
public static class LastUse
{
    /// <summary>How stale a last use may be: it is written at most this often, not on every request (a busy key's
    /// requests would queue on its row's lock).</summary>
    public const string Every = "interval '1 minute'";

    /// <summary>SQL: whether the row's last use is noted recently enough (false when never).</summary>
    public const string NotedSql = $"coalesce(last_used_at >= now() - {Every}, false)";

    /// <summary>Notes that the key or token <paramref name="id"/> of <paramref name="table"/> (a fixed name) is used now,
    /// unless a request on any node did within <see cref="Every"/>.</summary>
    public static Task NoteAsync(NpgsqlConnection conn, string table, long id) => conn.ExecuteAsync($"""
        UPDATE {table} SET last_used_at = now() WHERE id = @id AND (last_used_at IS NULL OR last_used_at < now() - {Every})
        """, new { id });

    /// <summary>As the pages show it: the time in UTC, or "Never".</summary>
    public static string Text(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "Never";
}
