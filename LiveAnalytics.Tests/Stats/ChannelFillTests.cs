using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>Channels for the history stored before them: worked out from the stored columns, then rolled up again.</summary>
public sealed class ChannelFillTests
{
    [Fact]
    public async Task Older_visit_starts_get_their_channel_and_the_history_is_rolled_up_again()
    {
        await using var app = new AppFactory();
        var shop = await app.MerchantAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-3);
        var domain = shop.Site.Domain;
        // As a version before channels stored them: a Google search (and the visit's next page), a newsletter link, a
        // Google ad's click id (medium paid, no UTM), a link from the store's own page with no medium: internal.
        TrackedEvent Start(int visitor, string? referrer, string? source, string? medium) =>
            TestData.Event(shop.Site.Id, at.AddSeconds(visitor), visitor, "/") with
            {
                Hostname = domain, Referrer = referrer, Source = source, Medium = medium, SessionId = visitor,
            };
        var events = new[]
        {
            Start(1, "https://www.google.com/", "Google", "search"),
            TestData.Event(shop.Site.Id, at.AddSeconds(30), 1, "/hats") with { Hostname = domain, Referrer = $"https://{domain}/", SessionId = 1 },
            Start(2, null, "weekly", "email") with { UtmSource = "weekly", UtmMedium = "newsletter" },
            Start(3, "https://www.google.com/", "Google", "paid"),
            Start(4, null, null, "direct"),
        };
        await app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await app.RollUpAsync(shop.Site.Id);
        var today = SiteClock.Today(shop.Site, TimeProvider.System);
        var queries = app.Get<DashboardQueries>();
        var view = DashboardView.Parse("today", null, null, null, null, null).View;
        Assert.Equal([("", 4L)], (await queries.LoadAsync(shop.Site, view, today)).Tops["channel"].Select(r => (r.Value, r.Counts.Visitors)));

        // The migration's row for a site with such events; two events a batch, so the fill resumes after the last one done.
        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // (A database kept across runs holds other sites' rows from when it was migrated: theirs are not this test's.)
        await conn.ExecuteAsync("DELETE FROM channel_fills; INSERT INTO channel_fills (site_id, until) VALUES (@Id, now())", new { shop.Site.Id });
        var fill = app.Get<ChannelFill>();
        var batches = new List<int>();
        while (await fill.RunOnceAsync(2, CancellationToken.None) is { } filled) batches.Add(filled);
        Assert.Equal([2, 2, 0], batches);   // the last, visit 1's second page, is internal: no channel
        var channels = (await conn.QueryAsync<(Guid Id, string? Channel)>("SELECT id, channel FROM events WHERE site_id = @Id", new { shop.Site.Id }))
            .ToDictionary(r => r.Id, r => r.Channel);
        Assert.Equal(["Organic Search", null, "Email", "Paid Search", "Direct"], events.Select(e => channels[e.Id]));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM channel_fills WHERE site_id = @Id", new { shop.Site.Id }));

        // Its rollups rebuilt as a rebuild asked for on the settings page is: the Channel tab, and filters from the table of visits.
        await app.Get<RollupBackfill>().MarkAsync(shop.Site.Id, CancellationToken.None);   // the job Hangfire runs
        await app.RollUpAsync(shop.Site.Id);
        var all = await queries.LoadAsync(shop.Site, view, today);
        Assert.Equal([("Direct", 1L), ("Email", 1L), ("Organic Search", 1L), ("Paid Search", 1L)],
            all.Tops["channel"].Select(r => (r.Value, r.Counts.Visitors)).OrderBy(r => r.Value, StringComparer.Ordinal));
        var searched = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, ["channel:Organic Search"], null).View, today);
        Assert.True(searched.FromVisits);
        Assert.Equal((1L, 2L), (searched.Totals.Visitors, searched.Totals.Pageviews));
        Assert.True((await app.Get<RollupBackfill>().ProgressAsync(shop.Site.Id))!.FinishedAt is not null);
    }
}
