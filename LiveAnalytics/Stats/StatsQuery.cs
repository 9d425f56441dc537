using System.Globalization;
using System.Text.Json;

namespace LiveAnalytics.Stats;

/// <summary>
/// A Stats API v2 query (<c>POST /api/v2/query</c>, shaped like Plausible's), read from its JSON body and checked: metrics
/// over a date range, grouped by dimensions (properties, and time), under filters.
/// </summary>
/// <param name="Dimensions">Properties (<c>visit:source</c>, <c>event:goal</c>, <c>event:props:plan</c>) and at most one
/// time dimension (<c>time:day</c>); none for the totals.</param>
/// <param name="SegmentIds">The saved segments the filters name (<c>["is", "segment", [12]]</c>).</param>
/// <param name="OrderBy">The metric the rows are sorted by (descending), or the time dimension (<paramref name="Descending"/>
/// or not).</param>
public sealed record StatsQuery(string SiteId, string[] Metrics, DateOnly? First, DateOnly? Last, string? Range, IReadOnlyList<string> Dimensions,
    IReadOnlyList<StatsClause> Clauses, IReadOnlyList<long> SegmentIds, string? OrderBy, bool Descending, int Limit, int Offset, bool TimeLabels)
{
    /// <summary><c>include.total_rows</c>: how many rows there are over all pages, in <c>meta.total_rows</c>.</summary>
    public bool TotalRows { get; init; }

    /// <summary>A <c>date_range</c> of two times of day (<c>["2026-11-10T08:00:00+01:00", "2026-11-10T11:59:59+01:00"]</c>,
    /// both included to the second): the instants [From, To); null for days or a named range.</summary>
    public (DateTimeOffset From, DateTimeOffset To)? Instants { get; init; }

    /// <summary><c>include.comparisons</c>: the period each row is compared with, none without.</summary>
    public StatsComparison? Comparison { get; init; }

    public static readonly string[] Members = ["site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination"];

    /// <summary>The v2 metrics this version answers: v1's, <c>group_conversion_rate</c> (a value's own) and <c>percentage</c>.</summary>
    public static readonly string[] SupportedMetrics =
        [.. StatsRequest.SupportedMetrics, .. StatsRequest.PageMetrics, StatsRequest.ConversionRate, GroupConversionRate, Percentage];

    public const string GroupConversionRate = "group_conversion_rate", Percentage = "percentage";

    public static readonly string[] Ranges = ["day", "24h", "7d", "28d", "30d", "91d", "month", "6mo", "12mo", "year", "all"];

    public static readonly string[] TimeDimensions = ["time", "time:hour", "time:day", "time:week", "time:month"];

    public const int MaxLimit = 10_000;

    /// <summary>At most this many dimensions in one query: each more multiplies the rows.</summary>
    public const int MaxDimensions = 3;

    /// <summary>The one dimension, or null for none or several.</summary>
    public string? Dimension => Dimensions.Count == 1 ? Dimensions[0] : null;

    public bool Several => Dimensions.Count > 1;

    public bool ByTime => IsTime(Dimension);

    public static bool IsTime(string? dimension) => dimension?.StartsWith("time", StringComparison.Ordinal) == true;

    /// <returns>The query, or an error that says what is wrong (for a 400).</returns>
    public static (StatsQuery? Query, string? Error) Read(JsonElement root)
    {
        if (!root.TryGetProperty("site_id", out var site) || site.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(site.GetString()))
            return Fail("'site_id' is required: the site's domain, e.g. \"site_id\": \"shop.example.com\".");
        if (Strings(root, "metrics") is not { Length: > 0 } metrics)
            return Fail($"'metrics' is required: a list of one or more of {string.Join(", ", SupportedMetrics)}.");
        if (metrics.FirstOrDefault(m => !SupportedMetrics.Contains(m)) is { } unknown)
            return Fail($"Unsupported metric '{Clip(unknown)}': use one or more of {string.Join(", ", SupportedMetrics)}.");
        var (first, last, range, instants, rangeError) = DateRange(root);
        if (rangeError is not null) return Fail(rangeError);

        string[] dimensions = [];
        if (root.TryGetProperty("dimensions", out var dims) && dims.ValueKind != JsonValueKind.Null)
        {
            if (Strings(root, "dimensions") is not { } names) return Fail("'dimensions' must be a list of strings, e.g. [\"visit:source\"].");
            dimensions = names;
            if (dimensions.Length > MaxDimensions) return Fail($"A query groups by at most {MaxDimensions} dimensions.");
            if (dimensions.Distinct().Count() < dimensions.Length) return Fail("'dimensions' names one twice.");
            if (dimensions.FirstOrDefault(d => IsTime(d) && !TimeDimensions.Contains(d)) is { } time)
                return Fail($"Time dimension '{Clip(time)}' is not supported; use one of {string.Join(", ", TimeDimensions)}.");
            if (dimensions.Count(IsTime) > 1) return Fail("'dimensions' takes one time dimension.");
            if (dimensions.Length > 1 && dimensions.Contains(StatsFilters.Goal))
                return Fail($"{StatsFilters.Goal} is a dimension on its own in this version (its goals' conversions are counted apart).");
        }
        var dimension = dimensions.Length == 1 ? dimensions[0] : null;

        var (clauses, segments, filterError) = StatsQueryFilters.Read(root);
        if (filterError is not null) return Fail(filterError);
        var (orderBy, descending, orderError) = Order(root, metrics, dimensions);
        if (orderError is not null) return Fail(orderError);
        var (limit, offset, pageError) = Pagination(root);
        if (pageError is not null) return Fail(pageError);
        var (timeLabels, totalRows, comparison, includeError) = Include(root, dimensions);
        if (includeError is not null) return Fail(includeError);
        return (new StatsQuery(site.GetString()!.Trim(), metrics.Distinct().ToArray(), first, last, range, dimensions, clauses!, segments!, orderBy, descending,
            limit, offset, timeLabels) { TotalRows = totalRows, Comparison = comparison, Instants = instants }, null);
    }

    private static (StatsQuery?, string?) Fail(string error) => (null, error);

    /// <summary>A list of strings under <paramref name="name"/>, or null when it is something else.</summary>
    internal static string[]? Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? list.EnumerateArray().Select(e => e.GetString()!).ToArray()
            : null;

    /// <summary>A named range (resolved later, in the site's time zone), two days, both included, or two times of day.</summary>
    private static (DateOnly?, DateOnly?, string?, (DateTimeOffset, DateTimeOffset)?, string?) DateRange(JsonElement root)
    {
        const string Expected = "'date_range' is required: one of {0}, two days as [\"YYYY-MM-DD\", \"YYYY-MM-DD\"], " +
            "or two times of day with their offsets, as [\"2026-11-10T08:00:00+01:00\", \"2026-11-10T11:59:59+01:00\"].";
        var expected = string.Format(CultureInfo.InvariantCulture, Expected, string.Join(", ", Ranges));
        if (!root.TryGetProperty("date_range", out var range)) return (null, null, null, null, expected);
        if (range.ValueKind == JsonValueKind.String)
            return Ranges.Contains(range.GetString()) ? (null, null, range.GetString(), null, null)
                : (null, null, null, null, $"'date_range' '{Clip(range.GetString()!)}' is not supported: use one of {string.Join(", ", Ranges)}, or two days.");
        var ends = Strings(root, "date_range");
        if (ends is not { Length: 2 }) return (null, null, null, null, expected);
        if (Instant(ends[0]) is { } from && Instant(ends[1]) is { } end)
        {
            if (Dashboard.DashboardView.OutOfRange(DateOnly.FromDateTime(from.UtcDateTime), DateOnly.FromDateTime(end.UtcDateTime), "'date_range'") is { } outside)
                return (null, null, null, null, outside);
            // The end is included to the second, as Plausible's ("…T11:59:59"): the instants run to the second after it.
            var to = end.AddTicks(-(end.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(1);
            if (to <= from) return (null, null, null, null, "'date_range' must not end before it starts.");
            if (to - from > TimeSpan.FromDays(StatsPeriod.MaxCustomDays)) return (null, null, null, null, $"'date_range' can span at most {StatsPeriod.MaxCustomDays} days.");
            return (null, null, null, (from, to), null);
        }
        if (!DateOnly.TryParseExact(ends[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            || !DateOnly.TryParseExact(ends[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
            return (null, null, null, null, expected);
        if (last < first) return (null, null, null, null, "'date_range' must not end before it starts.");
        if (Dashboard.DashboardView.OutOfRange(first, last, "'date_range'") is { } beyond) return (null, null, null, null, beyond);
        if (last.DayNumber - first.DayNumber >= StatsPeriod.MaxCustomDays) return (null, null, null, null, $"'date_range' can span at most {StatsPeriod.MaxCustomDays} days.");
        return (first, last, null, null, null);
    }

    /// <summary>A time of day with its offset (<c>Z</c> or <c>+01:00</c>), ISO 8601; null for anything else (a day alone too).</summary>
    private static DateTimeOffset? Instant(string text) =>
        text.Length > 19 && text[10] == 'T' && (text[^1] == 'Z' || text[^6] is '+' or '-')
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) ? instant : null;

    /// <summary><c>[["visitors", "desc"]]</c> for a property's rows; <c>[["time:day", "desc"]]</c> for time backwards.</summary>
    private static (string?, bool, string?) Order(JsonElement root, string[] metrics, string[] dimensions)
    {
        var dimension = dimensions.Length == 1 ? dimensions[0] : null;
        if (!root.TryGetProperty("order_by", out var order) || order.ValueKind == JsonValueKind.Null) return (null, false, null);
        if (order.ValueKind != JsonValueKind.Array || order.GetArrayLength() != 1 || order[0].ValueKind != JsonValueKind.Array || order[0].GetArrayLength() != 2
            || order[0][0].ValueKind != JsonValueKind.String || order[0][1].ValueKind != JsonValueKind.String || order[0][1].GetString() is not ("asc" or "desc"))
            return (null, false, "'order_by' takes one [\"metric or dimension\", \"asc\" or \"desc\"] pair in this version, e.g. [[\"visitors\", \"desc\"]].");
        var (key, descending) = (order[0][0].GetString()!, order[0][1].GetString() == "desc");
        if (IsTime(dimension))
            return key == dimension ? (key, descending, null) : (null, false, $"Rows by time are ordered by '{dimension}' (asc or desc).");
        if (dimensions.Length == 0) return (null, false, "'order_by' needs a dimension to order the rows of.");
        if (key == dimensions.FirstOrDefault(IsTime)) return (key, descending, null);
        if (!descending || !metrics.Contains(key) || !StatsRequest.SupportedMetrics.Contains(key))
            return (null, false, $"A property's rows are ordered by one of the metrics asked for, descending, and not by a rate or a page's engagement: e.g. [[\"{metrics[0]}\", \"desc\"]].");
        return (key, true, null);
    }

    private static (int, int, string?) Pagination(JsonElement root)
    {
        if (!root.TryGetProperty("pagination", out var page) || page.ValueKind == JsonValueKind.Null) return (MaxLimit, 0, null);
        const string Expected = "'pagination' takes {\"limit\": 1 to 10000, \"offset\": 0 or more}.";
        if (page.ValueKind != JsonValueKind.Object || page.EnumerateObject().Any(p => p.Name is not ("limit" or "offset"))) return (0, 0, Expected);
        var limit = MaxLimit;
        var offset = 0;
        if (page.TryGetProperty("limit", out var l) && (l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out limit) || limit is < 1 or > MaxLimit))
            return (0, 0, Expected);
        if (page.TryGetProperty("offset", out var o) && (o.ValueKind != JsonValueKind.Number || !o.TryGetInt32(out offset) || offset < 0))
            return (0, 0, Expected);
        return (limit, offset, null);
    }

    /// <summary><c>{"time_labels": true}</c> lists every bucket of the range in <c>meta</c>, <c>{"total_rows": true}</c>
    /// counts the rows over all pages, <c>{"comparisons": {…}}</c> compares each row with another period
    /// (<see cref="StatsComparison"/>); <c>imports</c> changes nothing here (no imports).</summary>
    private static (bool TimeLabels, bool TotalRows, StatsComparison? Comparison, string? Error) Include(JsonElement root, string[] dimensions)
    {
        if (!root.TryGetProperty("include", out var include) || include.ValueKind == JsonValueKind.Null) return (false, false, null, null);
        if (include.ValueKind != JsonValueKind.Object) return (false, false, null, "'include' must be an object, e.g. {\"time_labels\": true}.");
        var (timeLabels, totalRows) = (false, false);
        StatsComparison? comparison = null;
        foreach (var member in include.EnumerateObject())
        {
            if (member.Name == "comparisons")
            {
                if (member.Value.ValueKind == JsonValueKind.Null) continue;
                (comparison, var error) = StatsComparison.Read(member.Value);
                if (error is not null) return (false, false, null, error);
                continue;
            }
            if (member.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return (false, false, null, $"'include.{Clip(member.Name)}' must be true or false.");
            switch (member.Name)
            {
                case "imports": break;
                case "time_labels":
                    timeLabels = member.Value.GetBoolean();
                    if (timeLabels && !dimensions.Any(IsTime))
                        return (false, false, null, "'include.time_labels' needs a time dimension, e.g. \"dimensions\": [\"time:day\"].");
                    break;
                case "total_rows":
                    totalRows = member.Value.GetBoolean();
                    if (totalRows && dimensions.Length == 0) return (false, false, null, "'include.total_rows' needs dimensions to count the rows of.");
                    break;
                default:
                    return (false, false, null, $"'include.{Clip(member.Name)}' is not supported: this version includes time_labels, total_rows and comparisons (and imports, of which it has none).");
            }
        }
        return (timeLabels, totalRows, comparison, null);
    }

    internal static string Clip(string s) => Infrastructure.Quoted.Clip(s, 60);
}
