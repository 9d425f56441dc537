using System.Globalization;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// The Stats API v2's one endpoint, <c>POST /api/v2/query</c>, shaped like Plausible's so that its clients work: the
/// totals, a time series or one property's values, from the same reads as v1 (<see cref="StatsQuery"/> says what this
/// version takes).
/// </summary>
public static partial class StatsEndpoints
{
    public const int MaxQueryBytes = 64 * 1024;

    private static void MapQuery(WebApplication app) =>
        app.MapPost("/api/v2/query", QueryAsync)
            .AddEndpointFilter<DatabaseUnavailableFilter>().AddEndpointFilter<ApiKeyAuthFilter>().DisableAntiforgery();

    private static async Task<IResult> QueryAsync(HttpContext http, SiteAccess access, StatsReader reader, StatsQueries queries, RollupQueries rollups,
        Goals goals, Segments segments, Npgsql.NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(http, MaxQueryBytes, maxDepth: 16, ct, StatsQuery.Members);
        if (body is null) return problem!;
        using (body)
        {
            var (query, error) = StatsQuery.Read(body.RootElement);
            if (query is null) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
            if (await access.FindAsync(ApiKeyAuthFilter.Of(http), query.SiteId) is not { } site)
                return ApiError.Problem(StatusCodes.Status403Forbidden, $"This API key has no access to site '{StatsQuery.Clip(query.SiteId)}'.");
            if (await BadRegexAsync(db, StatsQueryFilters.Regexes(query.Clauses)) is { } badRegex) return ApiError.Problem(StatusCodes.Status400BadRequest, badRegex);
            var (segment, segmentError) = await StatsSegments.ByIdsAsync(segments, site, ApiKeyAuthFilter.Of(http).UserId, query.SegmentIds);
            if (segment is null) return ApiError.Problem(StatusCodes.Status400BadRequest, segmentError!);
            var now = time.GetUtcNow();
            // Some hours (the last 24, or two times of day) rather than days: read over the local days they touch.
            var instants = query.Range == "24h" ? (now.AddHours(-24), now) : query.Instants;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
            var hours = instants is { } some ? StatsRange.Between(some.From, some.To, zone) : null;
            var (first, last) = hours is not null ? (hours.First, hours.Last)
                : query.Range == "all" ? await AllDaysAsync(site, rollups, time) : Days(query, site, time);
            var (metrics, metricError) = MetricsToRead(query);
            if (metrics is null) return ApiError.Problem(StatusCodes.Status400BadRequest, metricError!);
            var (request, requestError) = StatsRequest.Read(site, "custom", $"{first:yyyy-MM-dd},{last:yyyy-MM-dd}", metrics, query.Clauses, now, segment, instants);
            if (request is null) return ApiError.Problem(StatusCodes.Status400BadRequest, requestError!);
            if (request.WantsConversionRate && request.ConversionBase is null && query.Dimension != StatsFilters.Goal) return ConversionNeedsGoal();
            if (request.AverageNeedsGoal && query.Dimension != StatsFilters.Goal) return AverageNeedsGoal();
            StatsRequest? before = null;
            if (query.Comparison is { } comparison)
            {
                var compared = comparison.Days(query.Range, first, last);
                (before, var beforeError) = StatsRequest.Read(site, "custom", $"{compared.First:yyyy-MM-dd},{compared.Last:yyyy-MM-dd}", metrics, query.Clauses,
                    now, segment, instants is { } span && comparison.Mode != StatsComparison.Custom ? comparison.Instants(span) : null);
                if (before is null) return ApiError.Problem(StatusCodes.Status400BadRequest, beforeError!);
            }
            // Each row's counterpart in the compared period, when there is one (a row is its own key).
            var earlier = new Dictionary<StatsRow, StatsRow?>(ReferenceEqualityComparer.Instance);

            List<StatsRow> rows;
            IReadOnlyList<string>? labels = null;
            long? totalRows = null;
            if (query.Several)
            {
                var (several, severalLabels, severalProblem) = await SeveralRowsAsync(query, site, request, queries, db, before, earlier);
                if (several is null) return severalProblem!;
                (rows, labels) = (several, severalLabels);
            }
            else if (query.Dimension is null)
            {
                if (request.WantsPageMetrics) return PageMetricsOnly();
                rows = [await TotalsAsync(site, request, reader)];
                if (before is not null) earlier[rows[0]] = await TotalsAsync(site, before, reader);
            }
            else if (query.ByTime)
            {
                if (request.WantsPageMetrics) return PageMetricsOnly();
                var step = TimeStep(query.Dimension!, request.Period);
                var all = await TimeseriesRowsAsync(site, request, reader, step);
                labels = query.TimeLabels ? all.Select(r => r.Value).ToList() : null;
                if (before is not null)
                {
                    // Bucket by bucket in order: the compared period's first day against the period's first day.
                    var then = await TimeseriesRowsAsync(site, before, reader, step);
                    for (var i = 0; i < all.Count; i++) earlier[all[i]] = i < then.Count ? then[i] : null;
                }
                // As Plausible: a bucket without visitors is no row (time_labels lists them all), unless compared with another.
                rows = before is not null ? all : [.. all.Where(r => Convert.ToInt64(r.Metrics["visitors"], CultureInfo.InvariantCulture) > 0)];
                totalRows = rows.Count;
                if (query.Descending) rows.Reverse();
                rows = [.. rows.Skip(query.Offset).Take(query.Limit)];
            }
            else
            {
                var property = query.Dimension == StatsQueryFilters.CountryName ? "visit:country" : query.Dimension!;
                var (read, readProblem) = await BreakdownRowsAsync(site, request, reader, queries, rollups, goals, property, query.Limit, query.Offset);
                if (read is null) return readProblem!;
                rows = read;
                if (before is not null)
                {
                    var then = await ComparedRowsAsync(site, before, reader, queries, rollups, goals, property, rows);
                    foreach (var row in rows) earlier[row] = then.GetValueOrDefault(row.Value) ?? Row(row.Key, row.Value, Counts.None, before.Metrics, conversionRate: 0);
                }
            }
            if (query.TotalRows) totalRows ??= await TotalRowsAsync(query, site, request, queries, rollups, goals, db);
            var meta = new Dictionary<string, object>();
            if (labels is not null) meta["time_labels"] = labels;
            if (query.TotalRows) meta["total_rows"] = totalRows!.Value;
            var percentages = query.Metrics.Contains(StatsQuery.Percentage);
            var total = percentages ? (await reader.AggregateAsync(site.Id, request.Period, request.Filter)).Visitors : 0;
            var totalBefore = percentages && before is not null ? (await reader.AggregateAsync(site.Id, before.Period, before.Filter)).Visitors : 0;
            if (before is not null) meta["comparison_date_range"] = Instants(before.Period, zone);
            return TypedResults.Ok(new
            {
                results = rows.Select(r => Result(query, r, total, before is not null, earlier.GetValueOrDefault(r), totalBefore)),
                meta,
                query = new
                {
                    site_id = site.Domain,
                    metrics = query.Metrics,
                    date_range = Instants(request.Period, zone),
                    dimensions = query.Dimensions,
                    filters = body.RootElement.TryGetProperty("filters", out var f) ? f.Clone() : default(System.Text.Json.JsonElement?),
                    pagination = new { limit = query.Limit, offset = query.Offset },
                },
            });
        }
    }

    /// <summary>The metrics the v1 reads give: a value's own conversion rate is their conversion_rate in a breakdown, a
    /// percentage comes from its visitors; a property's rows are read sorted by the first (or the one ordered by).</summary>
    private static (string[]? Metrics, string? Error) MetricsToRead(StatsQuery query)
    {
        if (query.Several)
            return query.Metrics.FirstOrDefault(m => !StatsRequest.SupportedMetrics.Contains(m) && m is not (StatsQuery.Percentage or StatsQuery.GroupConversionRate)) is { } other
                ? (null, $"Grouped by several dimensions, this version gives {string.Join(", ", StatsRequest.SupportedMetrics)}, {StatsQuery.Percentage} and {StatsQuery.GroupConversionRate} (each combination's own); not {other}.")
                : ([.. query.Metrics.Where(m => m != StatsQuery.Percentage)
                    .Select(m => m == StatsQuery.GroupConversionRate ? StatsRequest.ConversionRate : m).Append("visitors").Distinct()], null);
        var byProperty = query.Dimension is not null && !query.ByTime && query.Dimension != StatsFilters.Goal;
        if (!byProperty && query.Metrics.FirstOrDefault(m => m is StatsQuery.GroupConversionRate or StatsQuery.Percentage) is { } grouped)
            return (null, $"{grouped} is each value's share: group by a property other than {StatsFilters.Goal}, e.g. \"dimensions\": [\"visit:source\"].");
        if (byProperty && query.Metrics.Contains(StatsRequest.ConversionRate))
            return (null, $"Grouped by {query.Dimension}, each value's conversion rate is {StatsQuery.GroupConversionRate}.");
        var read = query.Metrics.Select(m => m == StatsQuery.GroupConversionRate ? StatsRequest.ConversionRate : m)
            .Where(m => m != StatsQuery.Percentage).ToList();
        if (query.Metrics.Contains(StatsQuery.Percentage) || query.ByTime) read.Add("visitors");
        var sort = query.OrderBy is { } o && !query.ByTime ? o : read.FirstOrDefault(StatsRequest.SupportedMetrics.Contains) ?? "visitors";
        return ([sort, .. read.Where(m => m != sort).Distinct()], null);
    }

    /// <summary>The totals as one row (no value), with the conversion rate when a goal filter asks for it.</summary>
    private static async Task<StatsRow> TotalsAsync(Site site, StatsRequest request, StatsReader reader)
    {
        var all = request.ConversionBase is { } b ? reader.AggregateAsync(site.Id, request.Period, b) : null;
        var counts = await reader.AggregateAsync(site.Id, request.Period, request.Filter);
        return Row("", "", counts, request.Metrics, conversionRate: all is null ? null : Rate(counts.Visitors, (await all).Visitors));
    }

    /// <summary>What is wrong with one of the regular expressions, as PostgreSQL (which runs them) says; null when none is.</summary>
    private static async Task<string?> BadRegexAsync(Npgsql.NpgsqlDataSource db, IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0) return null;
        await using var conn = await db.OpenConnectionAsync();
        foreach (var pattern in patterns)
        {
            try
            {
                await conn.ExecuteScalarAsync<bool>("SELECT '' ~ @pattern", new { pattern });
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InvalidRegularExpression)
            {
                return $"'{StatsQuery.Clip(pattern)}' is no regular expression PostgreSQL reads: {e.MessageText}.";
            }
        }
        return null;
    }

    /// <summary>The query's days, a named range in the site's time zone: <c>7d</c> the last 7 days with today, <c>month</c>
    /// and <c>year</c> the calendar's (as the dashboard's).</summary>
    private static (DateOnly First, DateOnly Last) Days(StatsQuery query, Site site, TimeProvider time)
    {
        if (query.First is { } from && query.Last is { } to) return (from, to);
        var today = SiteClock.Today(site, time);
        var month = new DateOnly(today.Year, today.Month, 1);
        return query.Range switch
        {
            "day" => (today, today),
            "7d" => (today.AddDays(-6), today),
            "28d" => (today.AddDays(-27), today),
            "30d" => (today.AddDays(-29), today),
            "91d" => (today.AddDays(-90), today),
            "month" => (month, month.AddMonths(1).AddDays(-1)),
            "6mo" => (month.AddMonths(-5), today),
            "12mo" => (month.AddMonths(-11), today),
            _ => (new DateOnly(today.Year, 1, 1), new DateOnly(today.Year, 12, 31)),
        };
    }

    /// <summary><c>all</c>: from the site's first day in the rollups (today before it has one) to today, at most the
    /// longest range a query takes (<see cref="StatsPeriod.MaxCustomDays"/> days).</summary>
    private static async Task<(DateOnly First, DateOnly Last)> AllDaysAsync(Site site, RollupQueries rollups, TimeProvider time)
    {
        var today = SiteClock.Today(site, time);
        var first = await rollups.FirstDayAsync(site.Id) ?? today;
        var earliest = today.AddDays(1 - StatsPeriod.MaxCustomDays);
        return (first < earliest ? earliest : first > today ? today : first, today);
    }
}
