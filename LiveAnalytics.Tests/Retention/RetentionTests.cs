using Bunit;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Retention;

public sealed class RetentionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task StoreAsync(IEnumerable<TrackedEvent> events)
    {
        foreach (var chunk in events.Chunk(1000))
            await _app.Get<EventWriter>().WriteAsync(chunk, mayBeRedelivered: false, CancellationToken.None);
    }

    private async Task<List<DateTime>> StoredTimesAsync(long siteId)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.QueryAsync<DateTime>("SELECT ts FROM events WHERE site_id = @siteId ORDER BY ts", new { siteId })).AsList();
    }

    [Fact]
    public async Task Raw_events_past_a_sites_retention_are_deleted_whole_hours_at_a_time_and_the_rollups_stay()
    {
        var now = new DateTimeOffset(2026, 11, 29, 10, 25, 0, TimeSpan.Zero);
        var keeping = await _app.MerchantAsync();
        var forever = await _app.MerchantAsync();
        Assert.Null(await _app.Get<EventRetention>().SetAsync(keeping.Site, keeping.User.Id, 30));
        var cutoff = EventRetention.Cutoff(now, 30);
        Assert.Equal(new DateTimeOffset(2026, 10, 30, 10, 0, 0, TimeSpan.Zero), cutoff);

        // More than one statement's worth before the cutoff, an event in the cutoff's hour, and recent ones.
        const int rowsPerStatement = 100;
        var old = Enumerable.Range(0, rowsPerStatement * 2 + 10)
            .Select(i => TestData.Event(keeping.Site.Id, cutoff.AddDays(-5).AddSeconds(i * 7), visitor: i % 300)).ToList();
        var kept = new[] { cutoff, cutoff.AddMinutes(59), now.AddDays(-1) }.Select((t, i) => TestData.Event(keeping.Site.Id, t, visitor: 1000 + i)).ToList();
        await StoreAsync([.. old, .. kept, TestData.Event(keeping.Site.Id, cutoff.AddTicks(-10), visitor: 2000)]);
        await StoreAsync([TestData.Event(forever.Site.Id, cutoff.AddDays(-400), visitor: 1)]);
        // Engagement reports go with the events of their time; their hourly sums stay, as the rollups do.
        await StoreAsync([TestData.Engagement(keeping.Site.Id, cutoff.AddDays(-5), 1), TestData.Engagement(keeping.Site.Id, now.AddDays(-1), 2)]);
        await _app.RollUpAsync(keeping.Site.Id);
        var first = DateOnly.FromDateTime(cutoff.AddDays(-10).UtcDateTime);
        var last = DateOnly.FromDateTime(now.UtcDateTime);
        var before = await _app.Get<RollupQueries>().AggregateAsync(keeping.Site.Id, first, last);
        Assert.Equal(old.Count + 4, before.Pageviews);

        var job = new RetentionJob(_app.Get<NpgsqlDataSource>(), new FakeTimeProvider(now), NullLogger<RetentionJob>.Instance) { RowsPerStatement = rowsPerStatement };
        var deleted = await job.RunAsync(keeping.Site.Id, CancellationToken.None);

        Assert.Equal(old.Count + 1, deleted);
        Assert.Equal(kept.Select(e => e.Timestamp.UtcDateTime), await StoredTimesAsync(keeping.Site.Id));
        Assert.Single(await StoredTimesAsync(forever.Site.Id));
        // The dashboards without filters read the rollups: every day still counts.
        Assert.Equal(before, await _app.Get<RollupQueries>().AggregateAsync(keeping.Site.Id, first, last));
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal([now.AddDays(-1).UtcDateTime], await conn.QueryAsync<DateTime>("SELECT ts FROM engagements WHERE site_id = @Id", new { keeping.Site.Id }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT sum(views) FROM engagement_hours WHERE site_id = @Id", new { keeping.Site.Id }));
        // The visits that ended before the cutoff go with their events (three statements' worth); the others answer filtered views.
        Assert.Equal([1000L, 1001L, 1002L], await conn.QueryAsync<long>("SELECT session_id FROM visits WHERE site_id = @Id ORDER BY 1", new { keeping.Site.Id }));
    }

    [Fact]
    public async Task A_rebuild_leaves_the_hours_near_the_retention_as_they_were_rolled_up()
    {
        // Real time: the rebuild reads the database's clock.
        var now = DateTimeOffset.UtcNow;
        var shop = await _app.MerchantAsync();
        Assert.Null(await _app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, 30));
        var nearCutoff = EventRetention.Cutoff(now, 30).AddHours(3);
        var recent = now.AddDays(-3);
        await StoreAsync([TestData.Event(shop.Site.Id, nearCutoff, 1), TestData.Event(shop.Site.Id, nearCutoff.AddMinutes(1), 2), TestData.Event(shop.Site.Id, recent, 3)]);
        await _app.RollUpAsync(shop.Site.Id);

        // A backfill marked both hours; then the retention job took the older hour's events before the rebuild came.
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO rollup_dirty_hours (site_id, hour)
            SELECT @Id, date_trunc('hour', ts, 'UTC') FROM events WHERE site_id = @Id ON CONFLICT DO NOTHING;
            DELETE FROM events WHERE site_id = @Id AND ts < @cut;
            """, new { shop.Site.Id, cut = nearCutoff.AddHours(1).UtcDateTime });
        await _app.RollUpAsync(shop.Site.Id);

        var day = (DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);
        Assert.Equal(2, (await _app.Get<RollupQueries>().AggregateAsync(shop.Site.Id, day(nearCutoff), day(nearCutoff))).Pageviews);
        Assert.Equal(1, (await _app.Get<RollupQueries>().AggregateAsync(shop.Site.Id, day(recent), day(recent))).Pageviews);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_dirty_hours WHERE site_id = @Id", new { shop.Site.Id }));
    }

    [Fact]
    public async Task The_batch_API_refuses_events_older_than_the_site_keeps_once_its_retention_is_set()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Ingestion:MaxEventAgeHours"] = "2000" });
        var shop = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(shop.User.Id);
        var client = app.CreateClient();
        var d = shop.Site.Domain;
        var now = DateTimeOffset.UtcNow;
        // Kept for ever: a 40-day-old order is taken (and the node caches the site).
        await TestData.PostPageviewsAsync(client, key, d, ("/old", now.AddDays(-40)));

        Assert.Null(await app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, 30));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent($"[{TestData.BatchPageview(d, "/too-old", now.AddDays(-40))},{TestData.BatchPageview(d, "/kept", now.AddDays(-10))}]",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var results = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("results");
        Assert.Equal("rejected", results[0].GetProperty("status").GetString());
        Assert.Equal($"'timestamp' is older than site '{d}' keeps its raw events (30 days).",
            results[0].GetProperty("errors").GetProperty("timestamp")[0].GetString());
        Assert.Equal("accepted", results[1].GetProperty("status").GetString());
        Assert.Equal(2, await TestData.StoredEventsAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Only_the_sites_owners_and_admins_may_change_its_retention()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var stranger = await _app.UserAsync();

        Assert.Contains("owners and admins", await _app.Get<EventRetention>().SetAsync(shop.Site, viewer.Id, 30));
        Assert.Contains("owners and admins", await _app.Get<EventRetention>().SetAsync(shop.Site, stranger.Id, 30));
        Assert.Null(await _app.Get<EventRetention>().GetAsync(shop.Site.Id));
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)]
    [InlineData(36_500, true)]
    [InlineData(36_501, false)]
    [InlineData(null, true)]
    public async Task Retention_is_a_month_to_a_century_or_for_ever(int? days, bool allowed)
    {
        var shop = await _app.MerchantAsync();
        var error = await _app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, days);
        Assert.Equal(allowed, error is null);
        Assert.Equal(allowed ? days : null, await _app.Get<EventRetention>().GetAsync(shop.Site.Id));
    }

    [Fact]
    public async Task The_settings_card_saves_the_days_and_refuses_too_few()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(EventRetention));
        var card = ctx.Render<RetentionCard>(p => p.Add(c => c.Site, shop.Site));
        card.WaitForAssertion(() => Assert.Equal("Raw events are kept for ever.", card.Find("[data-testid=retention-state]").TextContent.Trim()));

        card.On("input[data-testid=retention-days]", e => e.Input("7"));
        card.On("[data-testid=retention-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Contains("between 30 and 36500 days", card.Markup));
        Assert.Null(await _app.Get<EventRetention>().GetAsync(shop.Site.Id));

        card.On("input[data-testid=retention-days]", e => e.Input("90"));
        card.On("[data-testid=retention-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal("Raw events are kept for 90 days.", card.Find("[data-testid=retention-state]").TextContent.Trim()));
        Assert.Equal(90, await _app.Get<EventRetention>().GetAsync(shop.Site.Id));
    }
}
