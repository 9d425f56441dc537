namespace LiveAnalytics.Stats;

/// <summary>
/// The events of a site's period (@siteId, [@from, @to)) as the raw queries read them. Where a visit came from is
/// set on its first event only (a later pageview's referrer is the store itself), while the rollups count every event of a
/// visit under the visit's source, as Plausible does. A query that filters or groups by attribution therefore reads
/// each event with its visit's first event's attribution, so that "source is Google" keeps the whole of Google's
/// visits (their later pageviews and purchases too), and a visit counts under one source, never also as Direct.
/// </summary>
public static class PeriodEvents
{
    /// <summary>The attribution columns: the visit's first event's. Country, device, browser and OS come from the visitor's
    /// address and agent, which are the visit's own on every event of it (the visitor id is made of them).</summary>
    public static readonly IReadOnlySet<string> Attribution = new HashSet<string>(
        ["source", "referrer", "medium", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"], StringComparer.Ordinal);

    /// <summary>How far before the period a visit's first event is looked for: a visit that began before the period keeps
    /// its attribution if it began within this time (visits are minutes long; a longer one that crossed the period's
    /// start is attributed by its first event inside the period).</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromHours(1);

    /// <summary>A subquery of the period's events; with <paramref name="byVisit"/>, with their visit's attribution.</summary>
    public static string Sql(bool byVisit) => byVisit ? Attributed : Plain;

    private const string Plain = "SELECT * FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to";

    // A window over each visit's events in time order (ties by id, the rollups' order); the columns the raw queries read.
    private static readonly string Attributed = $"""
        SELECT * FROM (
            SELECT e.id, e.ts, e.name, e.hostname, e.pathname, e.visitor_id, e.session_id, e.revenue_amount, e.props,
                   e.country, e.device, e.browser, e.os,
                   {string.Join(", ", Attribution.Order(StringComparer.Ordinal).Select(c => $"first_value(e.{c}) OVER visit AS {c}"))}
            FROM events e
            WHERE e.site_id = @siteId AND e.ts >= @from - interval '{(int)LookBack.TotalMinutes} minutes' AND e.ts < @to
            WINDOW visit AS (PARTITION BY e.session_id ORDER BY e.ts, e.id)
        ) attributed WHERE ts >= @from
        """;
}
