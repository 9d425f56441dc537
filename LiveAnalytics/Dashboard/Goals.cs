using Dapper;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>A goal: a custom event by name, or a visit to a page whose path matches a pattern (* for any characters).</summary>
public sealed record Goal(long Id, string Kind, string Pattern)
{
    public const string Event = "event", Page = "page";

    public string Label => Kind == Page ? $"Visit {Pattern}" : Pattern;

    /// <summary>The pattern as SQL LIKE: * is any run of characters, and LIKE's own wildcards are literal.</summary>
    public string LikePattern => Stats.StatsFilters.Like(Pattern);

    /// <summary>What the queries match: an event goal's name, or a page goal's <see cref="LikePattern"/>.</summary>
    public string SqlPattern => Kind == Page ? LikePattern : Pattern;

    /// <summary>Goals (or a funnel's steps) as the queries take them: parallel arrays of kinds and <see cref="SqlPattern"/>s, for unnest.</summary>
    public static (string[] Kinds, string[] Patterns) Arrays(IReadOnlyList<Goal> goals) =>
        (goals.Select(g => g.Kind).ToArray(), goals.Select(g => g.SqlPattern).ToArray());

    /// <summary>What is wrong with a goal (or a funnel's step) of this kind and pattern; null when nothing is.</summary>
    public static string? Check(string kind, string pattern) => kind switch
    {
        Event when pattern.Length is 0 or > 120 => "An event goal names the custom event, 1 to 120 characters, e.g. Signup.",
        Page when pattern.Length is < 1 or > 500 || pattern[0] != '/' => "A page goal is a path starting with /, and may use * for any characters, e.g. /thank-you or /order/*/done.",
        Event or Page when pattern.Any(char.IsControl) => "A goal cannot contain control characters.",
        Event or Page => null,
        _ => $"Unknown kind of goal '{kind}'.",
    };
}

/// <summary>A site's goals. Callers have already checked the user's membership.</summary>
public sealed class Goals(NpgsqlDataSource db, SiteTeam team)
{
    public const int MaxPerSite = 50;

    public async Task<IReadOnlyList<Goal>> ListAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<Goal>(
            "SELECT id AS Id, kind AS Kind, pattern AS Pattern FROM goals WHERE site_id = @siteId ORDER BY kind, pattern",
            new { siteId })).AsList();
    }

    /// <summary>Adds a goal; returns an error message for the form when it is not valid.</summary>
    public async Task<string?> AddAsync(Site site, Guid userId, string kind, string pattern)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        pattern = pattern.Trim();
        if (Goal.Check(kind, pattern) is { } error) return error;
        await using var conn = await db.OpenConnectionAsync();
        var added = await conn.ExecuteAsync("""
            INSERT INTO goals (site_id, kind, pattern)
            SELECT @Id, @kind, @pattern WHERE (SELECT count(*) FROM goals WHERE site_id = @Id) < @max
            ON CONFLICT DO NOTHING
            """, new { site.Id, kind, pattern, max = MaxPerSite });
        if (added == 0 && (await ListAsync(site.Id)).Count >= MaxPerSite) return $"A site can have at most {MaxPerSite} goals.";
        return null;
    }

    /// <returns>An error message, or null when removed.</returns>
    public async Task<string?> RemoveAsync(Site site, Guid userId, long goalId)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM goals WHERE id = @goalId AND site_id = @Id", new { goalId, site.Id });
        return null;
    }
}
