using Dapper;
using Hangfire;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>A funnel: steps a visit goes through in order, each a goal's rule (its <see cref="Goal.Id"/> the step's number).</summary>
public sealed record Funnel(long Id, string Name, IReadOnlyList<Goal> Steps)
{
    public string Path => string.Join(" → ", Steps.Select(s => s.Label));

    /// <summary>A funnel as the table keeps it: its steps' kinds and patterns in parallel arrays.</summary>
    public static Funnel From(long id, string name, string[] kinds, string[] patterns) =>
        new(id, name, kinds.Select((kind, i) => new Goal(i + 1, kind, patterns[i])).ToList());
}

/// <summary>
/// A site's funnels, and how many visitors went through each one's steps in order within one visit. Ordered steps are a
/// property of whole visits, which the rollups do not keep: the funnel's own day sketches (<see cref="FunnelDays"/>) or,
/// under filters, the stored events of the period answer. Callers have already checked the user's membership.
/// </summary>
public sealed class Funnels(NpgsqlDataSource db, SiteTeam team, FunnelDays days, IBackgroundJobClient jobs)
{
    public const int MaxPerSite = 20, MinSteps = 2, MaxSteps = 8;

    public async Task<IReadOnlyList<Funnel>> ListAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, string Name, string[] Kinds, string[] Patterns)>(
            "SELECT id, name, kinds, patterns FROM funnels WHERE site_id = @siteId ORDER BY name", new { siteId });
        return rows.Select(r => Funnel.From(r.Id, r.Name, r.Kinds, r.Patterns)).ToList();
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
        var added = await conn.QuerySingleOrDefaultAsync<long?>("""
            INSERT INTO funnels (site_id, name, kinds, patterns)
            SELECT @Id, @name, @kinds, @patterns WHERE (SELECT count(*) FROM funnels WHERE site_id = @Id) < @max
            ON CONFLICT (site_id, name) DO NOTHING
            RETURNING id
            """, new { site.Id, name, kinds = trimmed.Select(s => s.Kind).ToArray(), patterns = trimmed.Select(s => s.Pattern).ToArray(), max = MaxPerSite });
        if (added is { } funnelId)
        {
            // Its past days made now, not at the recurring job's next run up to ten minutes away.
            jobs.Enqueue<FunnelDays>(d => d.MakeNewAsync(site.Id, funnelId, CancellationToken.None));
            return null;
        }
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
    /// at a later event than the step before (so one pageview is never two steps). A visit counts in the period when its
    /// first step was taken on one of its days (the site's); its later steps count after the period's end too.
    /// </summary>
    /// <param name="filter">Which visits count: those with an event the filter keeps (the visits from Google; the visits
    /// that saw a page), each with all its events, since the steps are other events of the same visits. Without one, the
    /// funnel's day sketches answer (<see cref="FunnelDays"/>): estimates, as every visitor count of the rollups.</param>
    public Task<IReadOnlyList<long>> CountAsync(Site site, Funnel funnel, DateOnly first, DateOnly last, EventFilter? filter = null) =>
        CountAsync(site.Id, site.Timezone, funnel, first, last, filter);

    /// <inheritdoc cref="CountAsync(Site, Funnel, DateOnly, DateOnly, EventFilter?)"/>
    public async Task<IReadOnlyList<long>> CountAsync(long siteId, string timezone, Funnel funnel, DateOnly first, DateOnly last, EventFilter? filter = null)
    {
        if (filter is null || filter.IsEmpty) return await days.CountAsync(siteId, timezone, funnel, first, last);
        var (from, to) = FunnelQuery.Span(first, last, TimeZoneInfo.FindSystemTimeZoneById(timezone));
        var visits = $"AND e.session_id IN ({await KeptVisits.SessionsAsync(db, siteId, from, filter)})";
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(FunnelQuery.Settings, transaction: tx);
        var (kinds, patterns) = Goal.Arrays(funnel.Steps);
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, tz = timezone, days = DayPlan.Days(first, last), kinds, patterns });
        var rows = (await conn.QueryAsync<(int K, long Visitors)>(
            $"WITH {FunnelQuery.Reached(funnel.Steps.Count, visits)} SELECT k, count(DISTINCT visitor_id) FROM reached GROUP BY k", p, tx))
            .ToDictionary(r => r.K, r => r.Visitors);
        return Enumerable.Range(1, funnel.Steps.Count).Select(k => rows.GetValueOrDefault(k)).ToList();
    }
}
