using System.Globalization;
using System.Text.Json.Serialization;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>How the v2 query writes its rows, each compared with another period when <c>include.comparisons</c> asks.</summary>
public static partial class StatsEndpoints
{
    /// <summary>A v2 result: the metrics asked for, in their order, and the row's dimensions.</summary>
    internal sealed record V2Row(IReadOnlyList<object?> Metrics, IReadOnlyList<string> Dimensions);

    /// <summary>With <c>include.comparisons</c>: the result and the compared period's (null where it has no such bucket).</summary>
    internal sealed record V2ComparedRow(IReadOnlyList<object?> Metrics, IReadOnlyList<string> Dimensions,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] V2Comparison? Comparison);

    /// <param name="Change">Each metric's change against the compared period (<see cref="StatsComparison.Change"/>).</param>
    internal sealed record V2Comparison(IReadOnlyList<object?> Metrics, IReadOnlyList<string> Dimensions, IReadOnlyList<object?> Change);

    /// <summary>A row's values of the metrics asked for: a value's own conversion rate is its conversion_rate, a
    /// percentage its share of <paramref name="total"/> visitors.</summary>
    private static object?[] Values(StatsQuery query, StatsRow row, long total) =>
        [.. query.Metrics.Select(m => m switch
        {
            StatsQuery.GroupConversionRate => row.Metrics[StatsRequest.ConversionRate],
            StatsQuery.Percentage => MetricFormat.Share(Convert.ToInt64(row.Metrics["visitors"], CultureInfo.InvariantCulture), total) ?? 0,
            _ => row.Metrics[m],
        })];

    /// <summary>The row's dimensions as the query names them: a country by its name for <c>visit:country_name</c>.</summary>
    private static IReadOnlyList<string> Dimensions(StatsQuery query, StatsRow row) =>
        row.Dimensions ?? (query.Dimension is null ? []
            : query.Dimension == StatsQueryFilters.CountryName ? [Live.CountryNames.Name(row.Value) ?? row.Value] : [row.Value]);

    /// <summary>The row as a result, with its counterpart when the query compares (<paramref name="compared"/>).</summary>
    private static object Result(StatsQuery query, StatsRow row, long total, bool compared, StatsRow? before, long totalBefore)
    {
        var now = Values(query, row, total);
        if (!compared) return new V2Row(now, Dimensions(query, row));
        if (before is null) return new V2ComparedRow(now, Dimensions(query, row), null);
        var then = Values(query, before, totalBefore);
        return new V2ComparedRow(now, Dimensions(query, row),
            new V2Comparison(then, Dimensions(query, before), [.. query.Metrics.Select((m, i) => StatsComparison.Change(m, then[i], now[i]))]));
    }

    /// <summary>
    /// The compared period's rows of the values a page lists, by value (a value the period did not have is not among
    /// them): without filters over whole days, each value's counts in the rollups; otherwise one read kept to those
    /// values. A goal breakdown lists every goal in each period, so it is read whole.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, StatsRow>> ComparedRowsAsync(Site site, StatsRequest before, StatsReader reader,
        StatsQueries queries, RollupQueries rollups, Goals goals, string property, IReadOnlyList<StatsRow> rows)
    {
        if (rows.Count == 0) return new Dictionary<string, StatsRow>();
        var kept = before;
        var take = StatsQuery.MaxLimit;
        if (property != StatsFilters.Goal)
        {
            var (propKey, _) = StatsFilters.PropKey(property);
            var (column, missing) = propKey is not null ? ("props", "(none)") : (StatsFilters.Properties[property].Column, StatsFilters.Properties[property].Missing);
            // Rows name a missing value as the API shows it (Direct / None); the rollups and the filter keep it as ''.
            string[] values = [.. rows.Select(r => r.Value == missing ? "" : r.Value).Distinct()];
            if (before.Filter.IsEmpty && !before.Period.Partial && !before.WantsConversionRate && !before.WantsPageMetrics && propKey is null
                && StatsReader.RollupDimensions.TryGetValue(property, out var dimension)
                && (dimension != "page" || before.Metrics.All(StatsReader.EventMetrics.Contains)))
            {
                var counts = await rollups.CountsOfAsync(site.Id, before.Period.First, before.Period.Last, [.. values.Select(v => (dimension, v))]);
                return rows.DistinctBy(r => r.Value).ToDictionary(r => r.Value,
                    r => Row(r.Key, r.Value, counts.GetValueOrDefault((dimension, r.Value == missing ? "" : r.Value)) ?? Counts.None, before.Metrics));
            }
            kept = before.Among(column, propKey, values);
            take = rows.Count;
        }
        var (read, _) = await BreakdownRowsAsync(site, kept, reader, queries, rollups, goals, property, take, 0);
        return (read ?? []).GroupBy(r => r.Value).ToDictionary(g => g.Key, g => g.First());
    }

    /// <summary>A period as its first and last instants (to the second) in the site's time zone.</summary>
    private static string[] Instants(StatsRange period, TimeZoneInfo zone) => [Instant(period.From, zone), Instant(period.To.AddSeconds(-1), zone)];

    private static string Instant(DateTimeOffset utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(utc, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
