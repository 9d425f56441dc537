using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>
/// The Stats API reads the rollups when nothing is filtered (the dashboard's figures, fast at any range), the table of
/// visits under filters on a visit's own dimensions, and the raw events otherwise: all give the same figures.
/// </summary>
public sealed class StatsReaderTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Oct5 = new(2026, 10, 5, 6, 0, 0, TimeSpan.Zero);

    /// <summary>Three days of visits of 1 to 4 events, attributed by their first, with custom events and revenue.</summary>
    private static List<TrackedEvent> Visits(long siteId)
    {
        var random = new Random(5);
        string?[] sources = ["Google", "Facebook", null, "Newsletter"], campaigns = ["autumn", null, null];
        string[] pages = ["/", "/shoes", "/shoes/red", "/cart", "/checkout"], countries = ["DE", "FR", "US"];
        string[] devices = ["Desktop", "Mobile"], browsers = ["Chrome", "Firefox", "Safari"], systems = ["Windows", "iOS", "Android"];
        var events = new List<TrackedEvent>();
        for (var visitor = 1L; visitor <= 80; visitor++)
        {
            var start = Oct5.AddMinutes(random.Next(0, 3 * 24 * 60));
            var source = sources[random.Next(sources.Length)];
            var (country, device, browser, os) = (countries[random.Next(3)], devices[random.Next(2)], browsers[random.Next(3)], systems[random.Next(3)]);
            var length = random.Next(1, 5);
            for (var i = 0; i < length; i++)
            {
                var purchase = i == length - 1 && length == 4;
                events.Add(TestData.Event(siteId, start.AddMinutes(3 * i), visitor, pages[random.Next(pages.Length)], purchase ? "Purchase" : TrackedEvent.Pageview) with
                {
                    Source = i == 0 ? source : null,
                    Referrer = i == 0 && source is not null ? source.ToLowerInvariant() + ".example" : null,
                    UtmSource = i == 0 && source is not null ? source.ToLowerInvariant() : null,
                    UtmMedium = i == 0 && source == "Newsletter" ? "email" : null,
                    UtmCampaign = i == 0 ? campaigns[random.Next(campaigns.Length)] : null,
                    Country = country, Device = device, Browser = browser, Os = os,
                    RevenueAmount = purchase ? 10 + visitor : null, RevenueCurrency = purchase ? "EUR" : null,
                });
            }
        }
        return events;
    }

    private static void Same(Counts raw, Counts rolled, string what)
    {
        Assert.True(raw with { Seconds = 0 } == rolled with { Seconds = 0 }, $"{what}: raw {raw}, rollups {rolled}");
        Assert.True(Math.Abs(raw.Seconds - rolled.Seconds) < 0.01, $"{what}: raw {raw.Seconds} s, rollups {rolled.Seconds} s");
    }

    [Fact]
    public async Task Unfiltered_reads_from_the_rollups_give_the_raw_events_figures()
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync(Visits(shop.Site.Id), mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var (reader, raw) = (_app.Get<StatsReader>(), _app.Get<StatsQueries>());
        var period = StatsRange.Of(new DateOnly(2026, 10, 4), new DateOnly(2026, 10, 9), TimeZoneInfo.FindSystemTimeZoneById(shop.Site.Timezone));

        var total = await raw.AggregateAsync(shop.Site.Id, period.From, period.To);
        Assert.Equal(80, total.Visitors);
        Same(total, await reader.AggregateAsync(shop.Site.Id, period, EventFilter.None), "aggregate");
        foreach (var interval in new[] { "hour", "day", "week", "month" })
        {
            var rawSeries = await raw.TimeseriesAsync(shop.Site.Id, shop.Site.Timezone, period.From, period.To, interval, EventFilter.None);
            var rolled = await reader.TimeseriesAsync(shop.Site, period, interval, EventFilter.None);
            Assert.Equal(rawSeries.Select(p => p.Bucket), rolled.Select(p => p.Bucket));
            Assert.Equal(rawSeries.Select(p => (p.Counts.Visitors, p.Counts.Pageviews, p.Counts.Events, p.Counts.Revenue)),
                rolled.Select(p => (p.Counts.Visitors, p.Counts.Pageviews, p.Counts.Events, p.Counts.Revenue)));
            // As on the dashboard's chart, a visit counts in the bucket it started in; the raw events count it in every
            // bucket it reached (the few visits across an hour or midnight here).
            Assert.Equal(total.Visits, rolled.Sum(p => p.Counts.Visits));
        }
        string[] all = ["visitors", "pageviews", "events", "visits", "bounce_rate", "visit_duration"];
        foreach (var (property, (column, _, missing)) in StatsFilters.Properties)
        foreach (var metrics in new[] { all, ["visitors", "pageviews", "events"] })
        {
            var rawRows = await raw.BreakdownAsync(shop.Site.Id, period.From, period.To, column, missing, "visitors", 100, 0, EventFilter.None);
            var read = await reader.BreakdownAsync(shop.Site.Id, period, property, column, missing, metrics, 100, 0, EventFilter.None, null);
            Assert.True(rawRows.Count > 0, property);
            // Ties may come in another order; the values and each one's figures asked for are the same.
            Assert.Equal(rawRows.Select(r => r.Value).Order(StringComparer.Ordinal), read.Select(r => r.Value).Order(StringComparer.Ordinal));
            var byValue = read.ToDictionary(r => r.Value, r => r.Counts);
            foreach (var (value, counts) in rawRows)
                Assert.True(metrics.All(m => Equals(counts.Metric(m), byValue[value].Metric(m))),
                    $"{property} = {value} ({string.Join(",", metrics)}): raw {counts}, read {byValue[value]}");
            Assert.Equal(rawRows.Select(r => r.Counts.Visitors), read.Select(r => r.Counts.Visitors));   // ranked alike
        }
    }

    [Fact]
    public async Task The_api_reads_the_rollups_without_a_filter_and_the_raw_events_with_one()
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync(Visits(shop.Site.Id), mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var raw = await _app.Get<StatsQueries>().AggregateAsync(shop.Site.Id, Oct5.AddDays(-1), Oct5.AddDays(5));
        // Rollups that disagree with the events (as before a rebuild) show which one a read came from.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE rollup_days SET pageviews = pageviews + 1000 WHERE site_id = @Id AND dimension = '' AND day = '2026-10-06'", new { shop.Site.Id });
        var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(shop.User.Id));

        async Task<long> PageviewsAsync(string query)
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync(
                $"/api/v1/stats/aggregate?site_id={shop.Site.Domain}&period=custom&date=2026-10-04,2026-10-09&metrics=pageviews{query}"));
            return doc.RootElement.GetProperty("results").GetProperty("pageviews").GetProperty("value").GetInt64();
        }
        Assert.Equal(raw.Pageviews + 1000, await PageviewsAsync(""));
        var fromDe = await _app.Get<StatsQueries>().AggregateAsync(shop.Site.Id, Oct5.AddDays(-1), Oct5.AddDays(5),
            StatsFilters.Parse("visit:country==DE").Filter);
        Assert.Equal(fromDe.Pageviews, await PageviewsAsync("&filters=visit:country%3D%3DDE"));
        Assert.InRange(fromDe.Pageviews, 1, raw.Pageviews - 1);
    }
    [Theory]
    [InlineData("visit:source==Google")]
    [InlineData("visit:source!=Google;visit:country==D*")]
    [InlineData("event:page==/cart")]
    [InlineData("event:page==/shoes*;visit:source==Google")]
    [InlineData("event:goal==Purchase")]
    [InlineData("event:page!=/;visit:country==DE")]
    public async Task Filters_on_a_visits_own_dimensions_and_the_events_own_columns_read_the_table_of_visits_with_the_raw_events_figures(string filters)
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync(Visits(shop.Site.Id), mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var (reader, raw) = (_app.Get<StatsReader>(), _app.Get<StatsQueries>());
        var period = StatsRange.Of(new DateOnly(2026, 10, 4), new DateOnly(2026, 10, 9), TimeZoneInfo.FindSystemTimeZoneById(shop.Site.Timezone));
        var filter = StatsFilters.Parse(filters).Filter;

        // Every visit lies within the period: the table counts what the raw events count.
        var total = await raw.AggregateAsync(shop.Site.Id, period.From, period.To, filter);
        Assert.InRange(total.Visits, 5, 70);
        Same(total, await reader.AggregateAsync(shop.Site.Id, period, filter), "aggregate");
        var rawSeries = await raw.TimeseriesAsync(shop.Site.Id, shop.Site.Timezone, period.From, period.To, "day", filter);
        var series = await reader.TimeseriesAsync(shop.Site, period, "day", filter);
        Assert.Equal(rawSeries.Select(p => (p.Bucket, p.Counts.Visitors, p.Counts.Pageviews, p.Counts.Events, p.Counts.Revenue)),
            series.Select(p => (p.Bucket, p.Counts.Visitors, p.Counts.Pageviews, p.Counts.Events, p.Counts.Revenue)));
        Assert.Equal(total.Visits, series.Sum(p => p.Counts.Visits));   // each in the day it began
        foreach (var (property, metrics) in new[] { ("visit:country", new[] { "visitors", "visits", "bounce_rate", "visit_duration" }),
                     ("visit:utm_campaign", ["visitors", "pageviews"]), ("event:page", ["visitors", "pageviews", "events"]) })
        {
            var (column, _, missing) = StatsFilters.Properties[property];
            var rawRows = await raw.BreakdownAsync(shop.Site.Id, period.From, period.To, column, missing, "visitors", 100, 0, filter);
            var read = await reader.BreakdownAsync(shop.Site.Id, period, property, column, missing, metrics, 100, 0, filter, null);
            Assert.True(rawRows.Count > 0, property);
            Assert.Equal(rawRows.Select(r => r.Value).Order(StringComparer.Ordinal), read.Select(r => r.Value).Order(StringComparer.Ordinal));
            var byValue = read.ToDictionary(r => r.Value, r => r.Counts);
            foreach (var (value, counts) in rawRows)
                Assert.True(metrics.All(m => Equals(counts.Metric(m), byValue[value].Metric(m))), $"{property} = {value}: raw {counts}, read {byValue[value]}");
        }

        // The table answers: visits it holds as an hour longer count an hour longer; a visit it holds under another
        // country and source counts under them. A dimension it does not keep (UTM term) reads the raw events.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("""
                UPDATE visits SET last_ts = last_ts + interval '1 hour' WHERE site_id = @Id;
                UPDATE visits SET source = 'Bing', country = 'DK'
                WHERE site_id = @Id AND session_id = (SELECT min(session_id) FROM visits WHERE site_id = @Id AND source = 'Facebook' AND country <> 'DE');
                """, new { shop.Site.Id });
        var altered = await reader.AggregateAsync(shop.Site.Id, period, filter);
        Assert.Equal(total.Visits + (filters.Contains("D*") ? 1 : 0), altered.Visits);
        if (!filters.Contains("D*")) Assert.Equal(total.Seconds + 3600 * total.Visits, altered.Seconds, precision: 3);
        var mixed = StatsFilters.Parse(filters + ";visit:utm_term!=spring").Filter;
        Same(await raw.AggregateAsync(shop.Site.Id, period.From, period.To, mixed), await reader.AggregateAsync(shop.Site.Id, period, mixed), "mixed");
    }

    [Fact]
    public async Task A_breakdown_by_page_gives_its_time_on_page_and_scroll_depth()
    {
        var shop = await _app.MerchantAsync();
        var id = shop.Site.Id;
        await _app.Get<EventWriter>().WriteAsync([
            TestData.Event(id, Oct5, 1, "/guide") with { Country = "DE" }, TestData.Event(id, Oct5, 2, "/guide") with { Country = "FR" },
            TestData.Event(id, Oct5, 3, "/cart") with { Country = "FR" },
            TestData.Engagement(id, Oct5.AddMinutes(1), 1, "/guide") with { Engagement = new(90_000, 80, First: true) },
            TestData.Engagement(id, Oct5.AddMinutes(1), 2, "/guide") with { Engagement = new(30_000, 40, First: true) },
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(id);
        var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(shop.User.Id));
        var query = $"/api/v1/stats/breakdown?site_id={shop.Site.Domain}&period=custom&date=2026-10-05,2026-10-05&property=event:page";

        using (var all = JsonDocument.Parse(await api.GetStringAsync(query + "&metrics=visitors,time_on_page,scroll_depth")))
            Assert.Equal("""[{"page":"/guide","visitors":2,"time_on_page":60,"scroll_depth":60},{"page":"/cart","visitors":1,"time_on_page":null,"scroll_depth":null}]""",
                all.RootElement.GetProperty("results").GetRawText());
        // Under a filter, the reports of the visits it keeps.
        using (var german = JsonDocument.Parse(await api.GetStringAsync(query + "&metrics=visitors,time_on_page&filters=visit:country%3D%3DDE")))
            Assert.Equal("""[{"page":"/guide","visitors":1,"time_on_page":90}]""", german.RootElement.GetProperty("results").GetRawText());

        foreach (var (bad, says) in new[]
        {
            ($"/api/v1/stats/aggregate?site_id={shop.Site.Domain}&metrics=visitors,time_on_page", "breakdown by event:page"),
            (query.Replace("event:page", "visit:source") + "&metrics=visitors,scroll_depth", "breakdown by event:page"),
            (query + "&metrics=time_on_page,visitors", "sorted by its first metric"),
        })
        {
            using var response = await api.GetAsync(bad);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(says, await response.Content.ReadAsStringAsync());
        }
    }
}
