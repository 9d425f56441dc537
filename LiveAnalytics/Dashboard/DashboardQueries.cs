using Dapper;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// Loads a dashboard view. Without filters everything comes from the rollups (milliseconds for any
/// range); filters combine across dimensions, which the per-dimension rollups cannot answer: filters on
/// a visit's own dimensions and the events' own columns read the table of visits (<see cref="VisitsDashboard"/>),
/// others (UTM content and term) the raw events with the same visit rules as the Stats API (<see cref="RawDashboard"/>).
/// </summary>
public sealed partial class DashboardQueries(NpgsqlDataSource db, RollupQueries rollups, StatsQueries raw, Goals goals)
{
    public const int TopLimit = 10;

    /// <summary>A list keeps one value more than its card shows: whether there are more, which "See all" lists.</summary>
    internal const int ReadLimit = TopLimit + 1;

    /// <param name="dimensions">The top lists to read now (the page reads the tabs shown first, the others when opened); null: all.</param>
    public async Task<DashboardData> LoadAsync(Site site, DashboardView view, DateOnly today, IReadOnlyCollection<DashboardDimension>? dimensions = null)
    {
        var range = view.Resolve(today);
        var source = Source(site, view);
        var goalList = await goals.ListAsync(site.Id);
        // Independent reads on their own connections: the page waits for the slowest, not the sum.
        var current = source.PeriodAsync(range.First, range.Last, range.Interval, (dimensions ?? DashboardDimensions.All).ToList());
        var previous = view.Compare != Comparison.None ? source.PeriodAsync(range.PreviousFirst, range.PreviousLast, range.Interval, []) : null;
        var pending = PendingSinceAsync(site.Id);
        var conversions = goalList.Count == 0 ? Task.FromResult<IReadOnlyList<Counts>>([]) : source.GoalsAsync(range.First, range.Last, goalList);
        // The visitors a custom event's or a goal's conversion rate divides by: the view's, those filters left out (from
        // the rollups when no other filter remains). Under other filters the same read lists the values' visitors too,
        // which each listed value's own rate divides by (WithAllVisitorsAsync).
        var all = view.ShowsConversions ? Source(site, view with { Filters = [.. view.Filters.Where(f => !DashboardView.IsConversion(f))] }) : null;
        var allNow = all is Filtered others
            ? others.WithBasesAsync(range.First, range.Last, range.Interval, [.. (dimensions ?? DashboardDimensions.All).Where(d => Rated(d.Key))])
            : all?.PeriodAsync(range.First, range.Last, range.Interval, []);
        var allBefore = previous is null ? null : all?.PeriodAsync(range.PreviousFirst, range.PreviousLast, range.Interval, []);
        await Task.WhenAll(new Task?[] { current, previous, pending, conversions, allNow, allBefore }.OfType<Task>());

        var (now, before) = (current.Result, previous?.Result);
        // A year before by date (a leap day against the 28th); moved to the same weekdays, or chosen days, bucket by bucket.
        var points = Align(now.Series, before?.Series, view.Compare == Comparison.Year && view.MatchDayOfWeek ? Comparison.Custom : view.Compare, range.Interval);
        var tops = await WithExitRatesAsync(site, view, range.First, range.Last, await WithAllVisitorsAsync(site, view, range.First, range.Last, now.Tops, allNow?.Result.Tops));
        return new DashboardData(range, now.Totals, before?.Totals, points, tops, view.Filters.Count == 0, pending.Result)
        {
            FromVisits = now.FromVisits,
            Goals = goalList.Select((g, i) => new GoalRow(g, conversions.Result[i])).ToList(),
            AllVisitors = allNow?.Result.Totals.Visitors,
            PreviousAllVisitors = allBefore?.Result.Totals.Visitors,
        };
    }

    /// <summary>
    /// Each bucket with the compared period's beside it: a year before, the same date's (a leap day's, the 28th's; for a
    /// week, the week holding its Monday's date); the previous period or chosen days, the bucket as far into it (the
    /// periods are as long, or months of other lengths; a shorter compared period leaves the last buckets at zero).
    /// </summary>
    internal static List<SeriesPoint> Align(IReadOnlyList<(DateTime Bucket, Counts Counts)> series,
        IReadOnlyList<(DateTime Bucket, Counts Counts)>? before, Comparison compare, string interval = "day")
    {
        if (before is null) return series.Select(p => new SeriesPoint(p.Bucket, p.Counts, null)).ToList();
        if (compare == Comparison.Year)
        {
            var byBucket = before.GroupBy(p => p.Bucket).ToDictionary(g => g.Key, g => g.First().Counts);
            DateTime YearBefore(DateTime bucket) => interval == "week" ? RawDashboard.Monday(bucket.AddYears(-1)) : bucket.AddYears(-1);
            return series.Select(p => new SeriesPoint(p.Bucket, p.Counts, byBucket.GetValueOrDefault(YearBefore(p.Bucket), Counts.None))).ToList();
        }
        return series.Select((p, i) => new SeriesPoint(p.Bucket, p.Counts, i < before.Count ? before[i].Counts : Counts.None)).ToList();
    }

    /// <summary>The site's goals and their conversions over whole days, from the rollups (the weekly report's).</summary>
    public async Task<IReadOnlyList<GoalRow>> GoalsAsync(long siteId, DateOnly from, DateOnly to)
    {
        var list = await goals.ListAsync(siteId);
        if (list.Count == 0) return [];
        var conversions = await new Rollups(db, rollups, siteId, TimeZoneInfo.Utc).GoalsAsync(from, to, list);
        return list.Select((g, i) => new GoalRow(g, conversions[i])).ToList();
    }

    /// <summary>One more top list of the view, for a tab opened after the page loaded.</summary>
    public async Task<IReadOnlyList<TopRow>> TopAsync(Site site, DashboardView view, DateOnly today, DashboardDimension dimension)
    {
        var range = view.Resolve(today);
        var rows = await Source(site, view).TopAsync(range.First, range.Last, dimension);
        var tops = new Dictionary<string, IReadOnlyList<TopRow>> { [dimension.Key] = rows };
        return (await WithExitRatesAsync(site, view, range.First, range.Last, await WithAllVisitorsAsync(site, view, range.First, range.Last, tops)))[dimension.Key];
    }

    /// <summary>
    /// Under a custom event's or a goal's filter, each listed value's visitors in the period, which its conversion rate
    /// divides by: Google's visitors, converted or not. Under that filter alone from the rollups (one query for every list).
    /// With other filters, of the visits those keep (visitors from Google among Germany's): from <paramref name="bases"/>,
    /// the page's read of them with each list's <see cref="BaseLimit"/> most visited values (a value further down shows
    /// no rate); for a tab opened later, a read of its values as the list itself is read. Not for exit pages (their list
    /// counts exits, not visitors) nor the events' own list. (The custom properties have a card of their own.)
    /// </summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<TopRow>>> WithAllVisitorsAsync(Site site, DashboardView view, DateOnly first, DateOnly last,
        IReadOnlyDictionary<string, IReadOnlyList<TopRow>> tops, IReadOnlyDictionary<string, IReadOnlyList<TopRow>>? bases = null)
    {
        if (!view.ShowsConversions) return tops;
        var others = view.Filters.Where(f => !DashboardView.IsConversion(f)).ToList();
        IReadOnlyDictionary<(string Key, string Value), long> visitors;
        if (others.Count == 0)
        {
            var keys = tops.Where(t => Rated(t.Key)).SelectMany(t => t.Value.Select(r => (t.Key, r.Value))).Distinct().ToList();
            visitors = (await rollups.CountsOfAsync(site.Id, first, last, keys)).ToDictionary(c => c.Key, c => c.Value.Visitors);
            return WithBases(tops, visitors, missing: 0);
        }
        bases ??= (await Task.WhenAll(tops.Where(t => Rated(t.Key) && t.Value.Count > 0).Select(async t =>
        {
            var dimension = DashboardDimensions.Find(t.Key)!;
            var among = Filter(others, (dimension, t.Value.Select(r => r.Value).ToArray()));
            return (t.Key, Rows: await new Filtered(db, raw, site, among).TopAsync(first, last, dimension));
        }))).ToDictionary(l => l.Key, l => l.Rows);
        visitors = bases.SelectMany(l => l.Value.Select(r => (Key: (l.Key, r.Value), r.Counts.Visitors))).ToDictionary(x => x.Key, x => x.Visitors);
        return WithBases(tops, visitors, missing: null);
    }

    private static bool Rated(string key) => key != DashboardDimensions.ExitPage.Key && key != DashboardDimensions.Event.Key;

    /// <param name="missing">A value's visitors when <paramref name="visitors"/> does not have it.</param>
    private static IReadOnlyDictionary<string, IReadOnlyList<TopRow>> WithBases(IReadOnlyDictionary<string, IReadOnlyList<TopRow>> tops,
        IReadOnlyDictionary<(string Key, string Value), long> visitors, long? missing) =>
        tops.ToDictionary(t => t.Key, t => !Rated(t.Key) ? t.Value
            : (IReadOnlyList<TopRow>)t.Value.Select(r => r with { AllVisitors = visitors.TryGetValue((t.Key, r.Value), out var v) ? v : missing }).ToList());

    /// <summary>How many of a list's most visited values the page reads for the conversion rates under other filters.</summary>
    internal const int BaseLimit = 1000;

    /// <summary>Under filters, the exit pages' rates where they have a base (<see cref="FilteredExitRates"/>); without, the rollups gave them.</summary>
    private Task<IReadOnlyDictionary<string, IReadOnlyList<TopRow>>> WithExitRatesAsync(Site site, DashboardView view, DateOnly first, DateOnly last,
        IReadOnlyDictionary<string, IReadOnlyList<TopRow>> tops) =>
        FilteredExitRates.AttachAsync(db, site, view.Filters, Filter(view.Filters), first, last, tops);

    private ISource Source(Site site, DashboardView view) =>
        view.Filters.Count == 0 ? new Rollups(db, rollups, site.Id, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone))
            : new Filtered(db, raw, site, Filter(view.Filters));

    private async Task<DateTimeOffset?> PendingSinceAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var hour = await conn.ExecuteScalarAsync<DateTime?>("""
            SELECT min(t) FROM (
                SELECT min(first_ts) AS t FROM rollup_batches WHERE site_id = @siteId
                UNION ALL SELECT min(hour) FROM rollup_dirty_hours WHERE site_id = @siteId
            ) pending
            """, new { siteId });
        return hour is { } h ? new DateTimeOffset(DateTime.SpecifyKind(h, DateTimeKind.Utc)) : null;
    }


    private interface ISource
    {
        /// <summary>The period's totals, its chart by <paramref name="interval"/> (empty buckets too) and the given top lists.</summary>
        Task<PeriodCounts> PeriodAsync(DateOnly from, DateOnly to, string interval, IReadOnlyList<DashboardDimension> lists);

        Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension);

        /// <summary>
        /// Each goal's conversions, in the order given. An event goal: the visitors who sent the event, how often,
        /// and its revenue. A page goal: the visitors with an event on a matching page (the rollups' page rows)
        /// and the pages' pageviews.
        /// </summary>
        Task<IReadOnlyList<Counts>> GoalsAsync(DateOnly from, DateOnly to, IReadOnlyList<Goal> goals);
    }


    /// <param name="zone">The site's: the pages' engagement is kept by UTC hour.</param>
    private sealed class Rollups(NpgsqlDataSource db, RollupQueries q, long siteId, TimeZoneInfo zone) : ISource
    {
        public async Task<IReadOnlyList<Counts>> GoalsAsync(DateOnly from, DateOnly to, IReadOnlyList<Goal> goals)
        {
            var (kinds, patterns) = Goal.Arrays(goals);
            var p = new DynamicParameters(new { kinds, patterns });
            p.AddDynamicParams(new { siteId, start = from, end = to.AddDays(1) });
            await using var conn = await db.OpenConnectionAsync();
            // A page goal's visitors are the union of the matching pages' sketches: a visitor of two of them counts once.
            return (await conn.QueryAsync<Counts>($"""
                SELECT Visitors, Pageviews, Events, Visits, Bounces, Seconds, CASE WHEN kind = 'page' THEN 0 ELSE Revenue END AS Revenue
                FROM (
                    SELECT g.i, g.kind, {RollupQueries.Sums} FROM unnest(@kinds::text[], @patterns::text[]) WITH ORDINALITY g(kind, pattern, i)
                    LEFT JOIN rollup_days r ON r.site_id = @siteId AND r.day >= @start AND r.day < @end
                         AND ((g.kind = 'event' AND r.dimension = 'event' AND r.value = g.pattern)
                           OR (g.kind = 'page' AND r.dimension = 'page' AND r.value LIKE g.pattern))
                    GROUP BY g.i, g.kind
                ) x ORDER BY i
                """, p)).AsList();
        }

        // Each read on its own connection: the rollups answer each in milliseconds.
        public async Task<PeriodCounts> PeriodAsync(DateOnly from, DateOnly to, string interval, IReadOnlyList<DashboardDimension> lists)
        {
            var totals = q.AggregateAsync(siteId, from, to);
            var series = q.SeriesAsync(siteId, from, to, interval);
            var tops = lists.ToDictionary(d => d.Key, d => TopAsync(from, to, d));
            await Task.WhenAll([totals, series, .. tops.Values]);
            return new PeriodCounts(totals.Result, series.Result, tops.ToDictionary(t => t.Key, t => t.Value.Result));
        }

        public async Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension)
        {
            var rows = await q.TopAsync(siteId, from, to, dimension.Key, ReadLimit + (dimension == DashboardDimensions.Event ? 1 : 0));
            var (start, end) = StatsPeriod.Days(from, to, zone);
            var top = await PageEngagements.AttachAsync(db, siteId, start, end, dimension, Goals(dimension, rows.Select(r => new TopRow(r.Value, r.Counts))));
            if (dimension != DashboardDimensions.ExitPage) return top;
            // An exit page's exit rate divides its exits by all its pageviews: its page rows'.
            var pages = await q.CountsOfAsync(siteId, from, to, top.Select(r => (DashboardDimensions.Page.Key, r.Value)).ToList());
            return top.Select(r => r with { PagePageviews = pages.GetValueOrDefault((DashboardDimensions.Page.Key, r.Value))?.Pageviews ?? 0 }).ToList();
        }
    }

    /// <summary>
    /// Filters the table of visits answers (<see cref="EventFilter.ByVisits"/>) are answered from it once it holds the
    /// period's (<see cref="VisitsDashboard"/>), in a fraction of the time settling visits from the events takes; others from them.
    /// </summary>
    private sealed class Filtered(NpgsqlDataSource db, StatsQueries q, Site site, EventFilter filter) : ISource
    {
        private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);

        public async Task<IReadOnlyList<Counts>> GoalsAsync(DateOnly from, DateOnly to, IReadOnlyList<Goal> goals)
        {
            var (start, end) = Span(from, to);
            var (kinds, patterns) = Goal.Arrays(goals);
            return await q.GoalsAsync(site.Id, start, end, kinds, patterns, filter, KeptVisits.EventsOf(filter, await FromVisitsAsync(start)));
        }

        /// <summary>Local days as the UTC range the raw queries take.</summary>
        private (DateTimeOffset Start, DateTimeOffset End) Span(DateOnly from, DateOnly to) => StatsPeriod.Days(from, to, _zone);

        // Asked once a period: the page's totals and goals read the same one at once.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<DateTimeOffset, Task<bool>> _fromVisits = new();

        private Task<bool> FromVisitsAsync(DateTimeOffset start) => _fromVisits.GetOrAdd(start, s => KeptVisits.AnswerAsync(db, site.Id, s, filter));

        // One pass over the period's events for all of it (RawDashboard), or the kept visits' reads (VisitsDashboard), the
        // pages' engagement too; the goals list keeps one row more, for "pageview".
        public async Task<PeriodCounts> PeriodAsync(DateOnly from, DateOnly to, string interval, IReadOnlyList<DashboardDimension> lists)
        {
            var (start, end) = Span(from, to);
            var read = await FromVisitsAsync(start)
                ? await VisitsDashboard.LoadAsync(db, site.Id, _zone, start, end, interval, filter, lists, ReadLimit + 1)
                : await RawDashboard.LoadAsync(db, site.Id, _zone, start, end, interval, filter, lists, ReadLimit + 1);
            return read with { Tops = read.Tops.ToDictionary(t => t.Key, t => Goals(DashboardDimensions.Find(t.Key)!, t.Value)) };
        }

        /// <summary>As <see cref="PeriodAsync"/>, each list with its <see cref="BaseLimit"/> most visited values, without the
        /// pages' engagement: what conversion rates divide by.</summary>
        public async Task<PeriodCounts> WithBasesAsync(DateOnly from, DateOnly to, string interval, IReadOnlyList<DashboardDimension> lists)
        {
            var (start, end) = Span(from, to);
            return await FromVisitsAsync(start)
                ? await VisitsDashboard.LoadAsync(db, site.Id, _zone, start, end, interval, filter, lists, BaseLimit, engagement: false)
                : await RawDashboard.LoadAsync(db, site.Id, _zone, start, end, interval, filter, lists, BaseLimit);
        }

        public async Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension)
        {
            var (start, end) = Span(from, to);
            if (await FromVisitsAsync(start))
                return Goals(dimension, (await VisitsDashboard.LoadAsync(db, site.Id, _zone, start, end, null, filter, [dimension], ReadLimit + 1,
                    totals: false)).Tops[dimension.Key]);
            // Exit pages rank by exits (visits), as their list shows them.
            var rows = await q.BreakdownAsync(site.Id, start, end, dimension.Column, "", dimension == DashboardDimensions.ExitPage ? "visits" : "visitors",
                ReadLimit + (dimension == DashboardDimensions.Event ? 1 : 0), 0, filter);
            var top = Goals(dimension, rows.Select(r => new TopRow(r.Value, r.Counts)));
            return dimension == DashboardDimensions.Page ? PageEngagements.With(top, await PageEngagements.ReadAsync(db, site.Id, start, end, filter)) : top;
        }
    }

    /// <summary>The goals list is the custom events: pageviews have their own lists.</summary>
    private static IReadOnlyList<TopRow> Goals(DashboardDimension dimension, IEnumerable<TopRow> rows) =>
        (dimension == DashboardDimensions.Event ? rows.Where(r => r.Value != Ingestion.TrackedEvent.Pageview) : rows).Take(ReadLimit).ToList();
}

/// <summary>A period's totals, its chart's buckets in order (empty ones too), and top lists by dimension key.</summary>
internal sealed record PeriodCounts(Counts Totals, IReadOnlyList<(DateTime Bucket, Counts Counts)> Series, IReadOnlyDictionary<string, IReadOnlyList<TopRow>> Tops)
{
    /// <summary>Filtered, from the table of visits: as up to date as the rollups, not as the stored events.</summary>
    public bool FromVisits { get; init; }
}
