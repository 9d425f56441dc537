namespace LiveAnalytics.Stats;

/// <summary>What the raw queries may need to know of each event's visit, beyond the event itself.</summary>
[Flags]
public enum VisitFacts
{
    None = 0,
    /// <summary>Where the visit came from: its first event's source, referrer and UTM (<see cref="PeriodEvents.Attribution"/>).</summary>
    Attribution = 1,
    /// <summary>The visit's entry and exit pages: its first and last pageview's paths.</summary>
    Pages = 2,
}

/// <summary>
/// The events of a site's period (@siteId, [@from, @to)) as the raw queries read them. Where a visit came from is
/// set on its first event only (a later pageview's referrer is the store itself), while the rollups count every event of a
/// visit under the visit's source, as Plausible does. A query that filters or groups by attribution therefore reads
/// each event with its visit's first event's attribution, so that "source is Google" keeps the whole of Google's
/// visits (their later pageviews and purchases too), and a visit counts under one source, never also as Direct. Entry
/// and exit pages, properties of whole visits too, come the same way (columns entry_page and exit_page).
/// </summary>
public static class PeriodEvents
{
    /// <summary>The attribution columns: the visit's first event's. Country, region, city, device, browser and OS come from the visitor's
    /// address and agent, which are the visit's own on every event of it (the visitor id is made of them).</summary>
    public static readonly IReadOnlySet<string> Attribution = new HashSet<string>(
        ["source", "referrer", "medium", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"], StringComparer.Ordinal);

    /// <summary>The columns of a visit's pages.</summary>
    public const string EntryPage = "entry_page", ExitPage = "exit_page";

    /// <summary>How far before the period a visit's first event is looked for: a visit that began before the period keeps
    /// its attribution and entry page if it began within this time (visits are minutes long; a longer one that crossed the
    /// period's start is attributed by its first event inside the period).</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromHours(1);

    /// <summary>What a condition on, or a grouping by, <paramref name="column"/> needs of the visits.</summary>
    public static VisitFacts Needs(string column) =>
        Attribution.Contains(column) ? VisitFacts.Attribution : column is EntryPage or ExitPage ? VisitFacts.Pages : VisitFacts.None;

    /// <summary>A subquery of the period's events, with what <paramref name="needs"/> of their visits.</summary>
    /// <param name="filter">The conditions the caller applies to the subquery's rows: the visits are settled only for the
    /// events of visits that can meet them (see <see cref="Sessions"/>). The caller still applies them.</param>
    public static string Sql(VisitFacts needs, EventFilter filter) =>
        needs == VisitFacts.None ? Plain : Visits(needs.HasFlag(VisitFacts.Pages), Sessions(filter));

    // Settling the visits sorts the period's events by visit: on a busy site most of a filtered view's time. Only the
    // visits a filter can keep matter, and each condition names events such a visit must have: the event kept meets the
    // conditions on an event's own columns, and the visit's first event (within the look-back) meets those on its
    // attribution, on its own columns. So the visits without such events are left out before the sort (a superset of
    // those kept: the caller's conditions decide). Conditions on entry and exit pages name no single event: not used.
    private static string Sessions(EventFilter filter) =>
        (filter.EventSql.Length == 0 ? "" : $" AND e.session_id IN (SELECT session_id FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to {filter.EventSql})") +
        (filter.AttributionSql.Length == 0 ? "" : $" AND e.session_id IN (SELECT session_id FROM events WHERE site_id = @siteId AND ts >= @from - interval '{(int)LookBack.TotalMinutes} minutes' AND ts < @to {filter.AttributionSql})");

    private const string Plain = "SELECT * FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to";

    /// <summary>An event's own columns the raw queries read (of events aliased e), besides its visit's.</summary>
    internal const string OwnColumns = "e.id, e.ts, e.name, e.hostname, e.pathname, e.visitor_id, e.session_id, e.revenue_amount, e.props, "
        + "e.country, e.region, e.city, e.device, e.browser, e.os";

    // A window over each visit's events in time order (ties by id, the rollups' order); the columns the raw queries read.
    // The pages cost more than the attribution (an array of the visit's pageviews for each of its events), so they are
    // read only when asked for.
    private static string Visits(bool pages, string sessions) => $"""
        SELECT * {(pages ? $", visit_pages[1] AS {EntryPage}, visit_pages[cardinality(visit_pages)] AS {ExitPage}" : "")} FROM (
            SELECT {OwnColumns},
                   {string.Join(", ", Attribution.Order(StringComparer.Ordinal).Select(c => $"first_value(e.{c}) OVER visit AS {c}"))}
                   {(pages ? ", array_agg(e.pathname) FILTER (WHERE e.name = 'pageview') OVER whole AS visit_pages" : "")}
            FROM events e
            WHERE e.site_id = @siteId AND e.ts >= @from - interval '{(int)LookBack.TotalMinutes} minutes' AND e.ts < @to {sessions}
            WINDOW visit AS (PARTITION BY e.session_id ORDER BY e.ts, e.id),
                   whole AS (visit ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
        ) visits WHERE ts >= @from
        """;
}
