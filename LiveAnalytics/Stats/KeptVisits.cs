using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Filters on a visit's own dimensions, answered from the table of visits (ADR 7) instead of settling visits from the
/// raw events: the visits the filter keeps are one row each, found by the (site, start) index, and only their events
/// are read. Counted as the rollups count (<see cref="RollupShapes"/>): a visit once, in the bucket where it began, with
/// its whole length and bounce; its events where they happened. The table holds what the rollup job has taken, so it
/// lags the raw events by the rollup's few seconds, as the unfiltered views do.
/// </summary>
public static class KeptVisits
{
    /// <summary>The columns a filter may name to be answered here: the table holds each as the visit's (first event's) value.</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(
        ["source", "referrer", "utm_source", "utm_medium", "utm_campaign", "country", "device", "browser", "os", PeriodEvents.EntryPage, PeriodEvents.ExitPage],
        StringComparer.Ordinal);

    /// <summary>How long before a period a visit that reaches into it may have begun (the rollup rebuild's reach).</summary>
    private const string Reach = "interval '1 day'";

    /// <summary>
    /// The visits of @siteId that reach into [@from, @to) and meet <paramref name="filter"/> (conditions on
    /// <see cref="Columns"/> only), with every column of the table and <c>began</c>: whether the visit began in the period
    /// (only those count as visits of it).
    /// </summary>
    public static string Sql(EventFilter filter) => $"""
        SELECT *, started >= @from AS began FROM visits
        WHERE site_id = @siteId AND started >= @from - {Reach} AND started < @to AND last_ts >= @from {filter.Sql}
        """;

    /// <summary>The period's events of the visits of <paramref name="visits"/> (a query of their session ids).</summary>
    public static string Events(string visits) => $"""
        SELECT * FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to AND session_id IN ({visits})
        """;

    /// <summary>
    /// The events of @siteId in [@from, @to) that <paramref name="filter"/> keeps, as a query of event rows (with the
    /// raw queries' columns): the kept visits' events when the table answers the filter (<paramref name="fromVisits"/>,
    /// <see cref="AnswerAsync"/>), otherwise the period's events with their visits settled (<see cref="PeriodEvents"/>)
    /// and the filter applied.
    /// </summary>
    public static string EventsOf(EventFilter filter, bool fromVisits) => fromVisits
        ? Events($"SELECT session_id FROM ({Sql(filter)}) v")
        : $"SELECT * FROM ({PeriodEvents.Sql(filter.Needs, filter)}) e WHERE true {filter.Sql}";

    /// <summary>The session ids of the visits <paramref name="filter"/> keeps in [@from, @to), as <see cref="EventsOf"/> finds them.</summary>
    public static string SessionsOf(EventFilter filter, bool fromVisits) => fromVisits
        ? $"SELECT session_id FROM ({Sql(filter)}) v"
        : $"SELECT session_id FROM ({PeriodEvents.Sql(filter.Needs, filter)}) e WHERE true {filter.Sql}";

    public static async Task<string> EventsAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter) =>
        EventsOf(filter, await AnswerAsync(db, siteId, from, filter));

    public static async Task<string> SessionsAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter) =>
        SessionsOf(filter, await AnswerAsync(db, siteId, from, filter));

    /// <summary>
    /// Whether the table answers <paramref name="filter"/> over a period starting at <paramref name="from"/>: its conditions
    /// are all on <see cref="Columns"/>, and the table holds every visit of the site that may reach into the period.
    /// </summary>
    public static async Task<bool> AnswerAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, EventFilter filter)
    {
        if (filter.IsEmpty || !filter.Columns.All(Columns.Contains)) return false;
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>($"SELECT visits_from <= @from - {Reach} FROM sites WHERE id = @siteId", new { siteId, from });
    }
}
