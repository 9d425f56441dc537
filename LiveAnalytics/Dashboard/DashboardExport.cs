using System.Globalization;
using System.IO.Compression;
using System.Text;
using LiveAnalytics.Accounts;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// GET /sites/{id}/history/export: the view the merchant is looking at (same query string as the
/// page) as a zip of CSV tables: the totals, the time series, one file per top list, the goals and the funnels.
/// </summary>
public static class DashboardExport
{
    public static async Task<IResult> HandleAsync(long siteId, HttpContext http, SiteRepository sites, DashboardQueries queries,
        Funnels funnels, CustomProperties properties, RevenueCurrency currency, Annotations annotations, TimeProvider time)
    {
        // Not a member is answered like a site that does not exist: ids are not probed.
        if (await sites.FindForUserAsync(siteId, http.User.UserId()) is not { } site)
            return TypedResults.Problem("No such site.", statusCode: StatusCodes.Status404NotFound);
        var (view, error) = DashboardView.Parse(http.Request.Query);
        if (error is not null) return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);

        var data = await queries.LoadAsync(site, view, SiteClock.Today(site, time));
        // As the page shows them: every funnel over the period, of the visits the view's filters keep.
        var counted = new List<(Funnel, IReadOnlyList<long>)>();
        var filter = DashboardQueries.Filter(view.Filters);
        foreach (var funnel in await funnels.ListAsync(site.Id))
            counted.Add((funnel, await funnels.CountAsync(site, funnel, data.Range.First, data.Range.Last, filter)));
        var values = await properties.AllValuesAsync(site, data.Range.First, data.Range.Last, filter, PropertyValuesPerName);
        var notes = await annotations.ListAsync(site.Id, data.Range.First, data.Range.Last);
        var zip = Zip(data, await currency.GetAsync(site.Id), counted, values, notes);
        var name = $"{site.Domain}-{data.Range.First:yyyyMMdd}-{data.Range.Last:yyyyMMdd}.zip";
        return TypedResults.File(zip, "application/zip", name);
    }

    /// <summary>The values of each custom property in properties.csv (the card shows 10).</summary>
    public const int PropertyValuesPerName = 100;

    /// <param name="currency">The site's revenue currency, if set: the revenue columns say which, as the page does.</param>
    internal static byte[] Zip(DashboardData data, string? currency, IReadOnlyList<(Funnel Funnel, IReadOnlyList<long> Visitors)> funnels,
        IReadOnlyList<PropertyValue> properties, IReadOnlyList<Annotation> annotations)
    {
        var columns = Columns(currency);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            Add(zip, "totals.csv", Totals(data, columns));
            Add(zip, "timeseries.csv", Series(data, columns));
            foreach (var dimension in DashboardDimensions.All)
                if (data.Tops.ContainsKey(dimension.Key)) Add(zip, $"{dimension.Key}.csv", Top(dimension, data.Top(dimension), columns));
            Add(zip, "goals.csv", Goals(data, currency));
            Add(zip, "funnels.csv", Funnels(funnels));
            Add(zip, "properties.csv", Properties(properties, data.ConversionBase, currency));
            Add(zip, "annotations.csv", Annotations(annotations));
        }
        return buffer.ToArray();
    }

    private static readonly string[] MetricColumns = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events", "revenue"];

    /// <summary>The metrics of whole visits, which a list of pages or custom events has none of.</summary>
    private static readonly string[] VisitMetrics = ["visits", "views_per_visit", "bounce_rate", "visit_duration"];

    private static string Totals(DashboardData data, string[] columns)
    {
        var csv = new StringBuilder();
        Line(csv, data.Previous is null ? ["metric", "value"] : ["metric", "value", "previous"]);
        for (var i = 0; i < MetricColumns.Length; i++)
        {
            var m = MetricColumns[i];
            Line(csv, data.Previous is { } p ? [columns[i], Value(data.Totals, m), Value(p, m)] : [columns[i], Value(data.Totals, m)]);
        }
        // Filtered by a custom event, as the page shows it: the converted visitors' share of all the view's visitors.
        if (data.AllVisitors is { } all)
        {
            var rate = Percent(data.Totals.Visitors, all);
            Line(csv, data.Previous is { } p ? ["conversion_rate", rate, Percent(p.Visitors, data.PreviousAllVisitors ?? 0)] : ["conversion_rate", rate]);
            var average = columns[Array.IndexOf(MetricColumns, "revenue")].Replace("revenue", StatsRequest.AverageRevenue);   // with its currency
            Line(csv, data.Previous is { } q ? [average, Average(data.Totals), Average(q)] : [average, Average(data.Totals)]);
        }
        return csv.ToString();
    }

    private static string Series(DashboardData data, string[] columns)
    {
        var csv = new StringBuilder();
        Line(csv, ["bucket", .. columns]);
        var format = data.Range.Interval == "hour" ? "yyyy-MM-dd HH:mm" : data.Range.Interval == "month" ? "yyyy-MM" : "yyyy-MM-dd";   // a week: its Monday
        foreach (var point in data.Series)
            Line(csv, [point.Bucket.ToString(format, CultureInfo.InvariantCulture), .. MetricColumns.Select(m => Value(point.Current, m))]);
        return csv.ToString();
    }

    /// <summary>
    /// A list's rows; the pages' with their engagement (empty for a page none of whose views reported any); as the page
    /// shows them, each value's conversion rate under a custom event's or a goal's filter, and the exit pages'
    /// exit rate where it has a base: without filters, or under filters on a visit (with the page's views it divides by).
    /// </summary>
    private static string[] Columns(string? currency) => [.. MetricColumns.Select(m => m == "revenue" && currency is not null ? $"revenue ({currency})" : m)];

    /// <summary>One list's rows as its file in the zip has them (a "See all" list's export).</summary>
    internal static string TopCsv(DashboardDimension dimension, IReadOnlyList<TopRow> rows, string? currency) => Top(dimension, rows, Columns(currency));

    private static string Top(DashboardDimension dimension, IReadOnlyList<TopRow> rows, string[] columns)
    {
        var csv = new StringBuilder();
        var pages = dimension == DashboardDimensions.Page;
        // Pages and custom events are counted by their events, as their cards show them: a visit is no page's, so their
        // visit columns are left empty rather than written as a misleading 0.
        var ofEvents = pages || dimension == DashboardDimensions.Event;
        var (rated, exits) = (rows.Any(r => r.AllVisitors is not null), rows.Any(r => r.PagePageviews is not null));
        Line(csv, [dimension.Key, .. columns, .. pages ? ["time_on_page", "scroll_depth"] : Array.Empty<string>(),
            .. rated ? ["conversion_rate"] : Array.Empty<string>(), .. exits ? ["page_pageviews", "exit_rate"] : Array.Empty<string>()]);
        foreach (var row in rows)
        {
            List<string> values = [dimension.Display(row.Value), .. MetricColumns.Select(m => ofEvents && VisitMetrics.Contains(m) ? "" : Value(row.Counts, m))];
            if (pages) values.AddRange(row.Engagement is { } e ? [Number(e.AverageSeconds), Number(e.AverageScroll)] : ["", ""]);
            if (rated) values.Add(row.AllVisitors is { } all ? Percent(row.Counts.Visitors, all) : "");
            if (exits) values.AddRange(row.PagePageviews is { } views ? [Number(views), Percent(row.Counts.Visits, views)] : ["", ""]);
            Line(csv, values);
        }
        return csv.ToString();
    }

    private static string Goals(DashboardData data, string? currency)
    {
        var csv = new StringBuilder();
        Line(csv, ["goal", "kind", "value", "uniques", "total", "conversion_rate", currency is null ? "revenue" : $"revenue ({currency})"]);
        foreach (var (goal, counts) in data.Goals)
            Line(csv, [goal.Label, goal.Kind, goal.Pattern, Number(counts.Visitors), Number(goal.Kind == Goal.Page ? counts.Pageviews : counts.Events),
                Percent(counts.Visitors, data.ConversionBase), counts.Revenue.ToString("0.00", CultureInfo.InvariantCulture)]);
        return csv.ToString();
    }

    private static string Funnels(IReadOnlyList<(Funnel Funnel, IReadOnlyList<long> Visitors)> funnels)
    {
        var csv = new StringBuilder();
        Line(csv, ["funnel", "step", "kind", "value", "visitors", "of_first", "dropped"]);
        foreach (var (funnel, visitors) in funnels)
            for (var i = 0; i < funnel.Steps.Count; i++)
                Line(csv, [funnel.Name, Number(i + 1), funnel.Steps[i].Kind, funnel.Steps[i].Pattern, Number(visitors[i]),
                    Percent(visitors[i], visitors[0]), Number(i == 0 ? 0 : visitors[i - 1] - visitors[i])]);
        return csv.ToString();
    }

    private static string Properties(IReadOnlyList<PropertyValue> values, long periodVisitors, string? currency)
    {
        var csv = new StringBuilder();
        Line(csv, ["property", "value", "visitors", "events", "conversion_rate", currency is null ? "revenue" : $"revenue ({currency})"]);
        foreach (var v in values)
            Line(csv, [v.Name, v.Value, Number(v.Visitors), Number(v.Events), Percent(v.Visitors, periodVisitors), v.Revenue.ToString("0.00", CultureInfo.InvariantCulture)]);
        return csv.ToString();
    }

    private static string Annotations(IReadOnlyList<Annotation> annotations)
    {
        var csv = new StringBuilder();
        Line(csv, ["date", "annotation", "author"]);
        foreach (var a in annotations) Line(csv, [a.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), a.Text, a.Author ?? ""]);
        return csv.ToString();
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A percentage with one decimal; empty when there is nothing to divide by.</summary>
    private static string Percent(long part, long whole) => MetricFormat.Share(part, whole)?.ToString("0.#", CultureInfo.InvariantCulture) ?? "";

    private static string Average(Counts counts) => (counts.Events == 0 ? 0 : counts.Revenue / counts.Events).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Value(Counts counts, string metric) => metric == "revenue"
        ? counts.Revenue.ToString("0.00", CultureInfo.InvariantCulture)
        : Convert.ToString(counts.Metric(metric), CultureInfo.InvariantCulture)!;

    /// <summary>RFC 4180 quoting; a value a spreadsheet would run as a formula is prefixed with ' (visitors choose page paths and referrers).</summary>
    internal static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }

    private static void Line(StringBuilder csv, IEnumerable<string> fields) => csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");

    private static void Add(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name, CompressionLevel.Fastest).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }
}
