using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Filters on a visit's own dimensions, and on the events' own columns beside them (a page, a goal, a property), answered
/// from the table of visits (ADR 7) instead of settling visits from the raw events: the visits the filter keeps are one
/// row each, found by the (site, start) index, and only their events are read. With conditions on events, a visit is
/// kept when one of its events of the period meets them, and only such events count. Counted as the rollups count
/// (<see cref="RollupShapes"/>): a visit once, in the bucket where it began, with its whole length and bounce; its
/// events where they happened. The table holds what the rollup job has taken, so it lags the raw events by the rollup's
/// few seconds, as the unfiltered views do.
/// </summary>
public static class KeptVisits
{
    /// <summary>The columns a filter may name to be answered here: the table holds each as the visit's (first event's) value.</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(
        ["source", "referrer", "utm_source", "utm_medium", "utm_campaign", "channel", "country", "region", "city", "device", "browser", "os", PeriodEvents.EntryPage, PeriodEvents.ExitPage],
        StringComparer.Ordinal);

    /// <summary>How long before a period a visit that reaches into it may have begun (the rollup rebuild's reach).</summary>
    private const string Reach = "interval '1 day'";

    /// <summary>
    /// The visits of @siteId that reach into [@from, @to) and meet <paramref name="filter"/> (<see cref="EventFilter.ByVisits"/>),
    /// with every column of the table and <c>began</c>: whether the visit began in the period (only those count as visits
    /// of it). With conditions on events, only visits with such an event of the period.
    /// </summary>
    public static string Sql(EventFilter filter) => $"""
        SELECT *, started >= @from AS began FROM visits WHERE {Reaching(filter)}
        {(filter.EventOnlySql.Length == 0 ? "" : $"AND session_id IN (SELECT session_id FROM ({Matched(filter)}) m)")}
        """;

    /// <summary>
    /// As <see cref="Sql"/> for a filter with conditions on events, each visit with what its events of the period that
    /// meet them count: counted_pageviews, counted_events, counted_revenue. One read of the period's events, grouped by
    /// visit before the join, so that PostgreSQL can tell how many there are and hash them.
    /// </summary>
    public static string Counted(EventFilter filter) => $"""
        SELECT v.*, v.started >= @from AS began, m.counted_pageviews, m.counted_events, m.counted_revenue
        FROM visits v JOIN (
            SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS counted_pageviews, count(*) AS counted_events,
                   coalesce(sum(revenue_amount), 0) AS counted_revenue
            FROM ({Matched(filter)}) e GROUP BY session_id
        ) m USING (session_id)
        WHERE {Reaching(filter)}
        """;

    /// <summary>The period's events that meet <paramref name="filter"/>'s conditions on events, their visits not asked.</summary>
    public static string Matched(EventFilter filter) => $"SELECT * FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to {filter.EventOnlySql}";

    /// <summary>The period's events of the visits of <paramref name="visits"/> (a query of their session ids).</summary>
    public static string Events(string visits) => $"""
        SELECT * FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to AND session_id IN ({visits})
        """;

    /// <summary>The session ids of the visits of <see cref="Sql"/>, without conditions on events, that reach over the
    /// period's start or end: the few whose counts in the period are not their row's.</summary>
    public static string Crossing(EventFilter filter) =>
        $"SELECT session_id FROM visits WHERE {Reaching(filter)} AND NOT (started >= @from AND last_ts < @to)";

    /// <summary>The conditions on the table's visits that may reach into [@from, @to) and meet <paramref name="filter"/>'s conditions on a visit.</summary>
    private static string Reaching(EventFilter filter) =>
        $"site_id = @siteId AND started >= @from - {Reach} AND started < @to AND last_ts >= @from {filter.VisitSql}";

    /// <summary>
    /// The events of @siteId in [@from, @to) that <paramref name="filter"/> keeps, as a query of event rows (with the
    /// raw queries' columns): the kept visits' events when the table answers the filter (<paramref name="fromVisits"/>,
    /// <see cref="AnswerAsync"/>), otherwise the period's events with their visits settled (<see cref="PeriodEvents"/>)
    /// and the filter applied. With conditions on events, the events that meet them of the visits that meet the rest: one
    /// read of the period's events.
    /// </summary>
    public static string EventsOf(EventFilter filter, bool fromVisits) => !fromVisits
        ? $"SELECT * FROM ({PeriodEvents.Sql(filter.Needs, filter)}) e WHERE true {filter.Sql}"
        : filter.EventOnlySql.Length == 0 ? Events($"SELECT session_id FROM ({Sql(filter)}) v")
        : $"{Matched(filter)} AND session_id IN (SELECT session_id FROM visits WHERE {Reaching(filter)})";

    /// <summary>The session ids of the visits <paramref name="filter"/> keeps in [@from, @to), as <see cref="EventsOf"/> finds them.</summary>
    public static string SessionsOf(EventFilter filter, bool fromVisits) => fromVisits
        ? $"SELECT session_id FROM ({Sql(filter)}) v"
        : $"SELECT session_id FROM ({PeriodEvents.Sql(filter.Needs, filter)}) e WHERE true {filter.Sql}";

    public static async Task<string> EventsAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter) =>
        EventsOf(filter, await AnswerAsync(db, siteId, from, filter));

    public static async Task<string> SessionsAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter) =>
        SessionsOf(filter, await AnswerAsync(db, siteId, from, filter));

    /// <summary>
    /// The period's events with their visit's attribution and pages as the table keeps them: what <see cref="PeriodEvents"/>
    /// settles with a window over the events (a sort of them all), by a join. Events of visits the rollup has not taken
    /// yet are not there, as in the table's other reads.
    /// </summary>
    public const string Attributed = $"""
        SELECT {PeriodEvents.OwnColumns}, v.source, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.channel, v.entry_page, v.exit_page
        FROM events e JOIN visits v ON v.site_id = @siteId AND v.session_id = e.session_id
        WHERE e.site_id = @siteId AND e.ts >= @from AND e.ts < @to
        """;

    /// <summary>Whether the table holds every visit of the site that may reach into a period starting at <paramref name="from"/>.</summary>
    public static async Task<bool> CoversAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>($"SELECT visits_from <= @from - {Reach} FROM sites WHERE id = @siteId", new { siteId, from });
    }

    /// <summary>
    /// Whether the table answers <paramref name="filter"/> over a period starting at <paramref name="from"/>: its conditions
    /// are all on <see cref="Columns"/> or on the events' own columns, and the table holds every visit of the site that
    /// may reach into the period.
    /// </summary>
    public static async Task<bool> AnswerAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter)
    {
        if (filter.IsEmpty || !filter.ByVisits) return false;
        return await CoversAsync(db, siteId, from);
    }
}
