using Dapper;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>A funnel: steps a visit goes through in order, each a goal's rule (its <see cref="Goal.Id"/> the step's number).</summary>
public sealed record Funnel(long Id, string Name, IReadOnlyList<Goal> Steps)
{
    public string Path => string.Join(" → ", Steps.Select(s => s.Label));
}

/// <summary>
/// A site's funnels, and how many visitors went through each one's steps in order within one visit. Ordered steps are a
/// property of whole visits, which the rollups do not keep: the count reads the stored events of the period, as a
/// filtered dashboard does. Callers have already checked the user's membership.
/// </summary>
public sealed class Funnels(NpgsqlDataSource db, SiteTeam team)
{
    public const int MaxPerSite = 20, MinSteps = 2, MaxSteps = 8;

    public async Task<IReadOnlyList<Funnel>> ListAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, string Name, string[] Kinds, string[] Patterns)>(
            "SELECT id, name, kinds, patterns FROM funnels WHERE site_id = @siteId ORDER BY name", new { siteId });
        return rows.Select(r => new Funnel(r.Id, r.Name,
            r.Kinds.Select((kind, i) => new Goal(i + 1, kind, r.Patterns[i])).ToList())).ToList();
    }

    /// <summary>Adds a funnel; returns an error message for the form when it is not valid.</summary>
    public async Task<string?> AddAsync(Site site, Guid userId, string name, IReadOnlyList<(string Kind, string Pattern)> steps)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        name = name.Trim();
        if (name.Length is 0 or > 80 || name.Any(char.IsControl)) return "Name the funnel, 1 to 80 characters, e.g. Checkout.";
        if (steps.Count is < MinSteps or > MaxSteps) return $"A funnel has {MinSteps} to {MaxSteps} steps; this one has {steps.Count}.";
        var trimmed = steps.Select(s => (s.Kind, Pattern: s.Pattern.Trim())).ToList();
        for (var i = 0; i < trimmed.Count; i++)
            if (Goal.Check(trimmed[i].Kind, trimmed[i].Pattern) is { } error) return $"Step {i + 1}: {error}";
        await using var conn = await db.OpenConnectionAsync();
        var added = await conn.ExecuteAsync("""
            INSERT INTO funnels (site_id, name, kinds, patterns)
            SELECT @Id, @name, @kinds, @patterns WHERE (SELECT count(*) FROM funnels WHERE site_id = @Id) < @max
            ON CONFLICT (site_id, name) DO NOTHING
            """, new { site.Id, name, kinds = trimmed.Select(s => s.Kind).ToArray(), patterns = trimmed.Select(s => s.Pattern).ToArray(), max = MaxPerSite });
        if (added == 1) return null;
        return (await ListAsync(site.Id)).Count >= MaxPerSite ? $"A site can have at most {MaxPerSite} funnels." : $"A funnel named '{name}' exists already.";
    }

    /// <returns>An error message, or null when removed.</returns>
    public async Task<string?> RemoveAsync(Site site, Guid userId, long funnelId)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM funnels WHERE id = @funnelId AND site_id = @Id", new { funnelId, site.Id });
        return null;
    }

    /// <summary>
    /// For each step, the visitors who reached it: within one visit, every step before it first and then this one, each
    /// at a later event than the step before (so one pageview is never two steps). The days are the site's.
    /// </summary>
    /// <param name="filter">Which visits count: those with an event the filter keeps (the visits from Google; the visits
    /// that saw a page), each with all its events, since the steps are other events of the same visits.</param>
    public Task<IReadOnlyList<long>> CountAsync(Site site, Funnel funnel, DateOnly first, DateOnly last, EventFilter? filter = null)
    {
        var (from, to) = StatsPeriod.Days(first, last, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone));
        return CountAsync(site.Id, funnel, from, to, filter);
    }

    /// <summary>The same over [<paramref name="from"/>, <paramref name="to"/>), for the Stats API's periods.</summary>
    public async Task<IReadOnlyList<long>> CountAsync(long siteId, Funnel funnel, DateTimeOffset from, DateTimeOffset to, EventFilter? filter = null)
    {
        filter ??= EventFilter.None;
        var visits = filter.Sql.Length == 0 ? "" : $"AND e.session_id IN ({await KeptVisits.SessionsAsync(db, siteId, from, filter)})";
        // One CTE a step, each joined to the one before: the text depends only on the number of steps, the rest are parameters.
        // The steps an event matches, from one scan of the period (OFFSET 0 keeps the planner from turning it into
        // a scan a step).
        var sql = new System.Text.StringBuilder($$"""
            WITH m AS MATERIALIZED (
                SELECT e.visitor_id, e.session_id, e.ts, s.i
                FROM events e
                CROSS JOIN LATERAL (
                    SELECT s.i FROM unnest(@kinds::text[], @patterns::text[]) WITH ORDINALITY s(kind, pattern, i)
                    WHERE (s.kind = 'event' AND e.name = s.pattern) OR (s.kind = 'page' AND e.pathname LIKE s.pattern)
                    OFFSET 0) s
                WHERE e.site_id = @siteId AND e.ts >= @from AND e.ts < @to {{visits}}
            ),
            s1 AS (SELECT visitor_id, session_id, min(ts) AS t FROM m WHERE i = 1 GROUP BY visitor_id, session_id)
            """);
        for (var k = 2; k <= funnel.Steps.Count; k++)
            sql.Append($"""
                ,
                s{k} AS (SELECT m.visitor_id, m.session_id, min(m.ts) AS t FROM m JOIN s{k - 1} p USING (visitor_id, session_id)
                        WHERE m.i = {k} AND m.ts > p.t GROUP BY m.visitor_id, m.session_id)
                """);
        sql.Append("\nSELECT v FROM unnest(ARRAY[")
            .AppendJoin(", ", Enumerable.Range(1, funnel.Steps.Count).Select(k => $"(SELECT count(DISTINCT visitor_id) FROM s{k})"))
            .Append("]) WITH ORDINALITY a(v, k) ORDER BY k");
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // The planner cannot know how many rows the CTEs hold and guesses a handful: with nested loops, joining a step's
        // visits to the next step's events took minutes for a week of a busy store (2 million events in 30 days); hash
        // joins take a second. The memory is for the visits of the first step, hashed instead of sorted on disk.
        await conn.ExecuteAsync("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '32MB'", transaction: tx);
        var (kinds, patterns) = Goal.Arrays(funnel.Steps);
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, kinds, patterns });
        return (await conn.QueryAsync<long>(sql.ToString(), p, tx)).AsList();
    }
}
