using Bunit;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>A merchant rebuilds a site's rollups from the raw events, and the settings page follows its progress.</summary>
public sealed class RollupBackfillTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Oct1 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_rebuild_restores_the_rollups_and_the_card_shows_its_progress()
    {
        var shop = await _app.MerchantAsync();
        var events = Enumerable.Range(0, 30).Select(i => TestData.Event(shop.Site.Id, Oct1.AddHours(i * 5), i % 4)).ToArray();
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // Rollups gone wrong (say, events imported straight into the table, or a bug since fixed).
        await conn.ExecuteAsync("UPDATE rollup_days SET pageviews = 999 WHERE site_id = @Id", new { shop.Site.Id });

        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton(_app.Get<RollupBackfill>());
        ctx.SignIn(shop.User);
        var card = ctx.Render<BackfillCard>(p => p.Add(c => c.SiteId, shop.Site.Id).Add(c => c.Refresh, TimeSpan.FromMilliseconds(50)));
        // Awaited: the handler has finished when it returns, and what it threw is thrown here.
        await card.WaitForElement("[data-testid=backfill-start]").ClickAsync(new());
        Assert.True(card.FindAll("[data-testid=backfill-progress]") is [var finding] && finding.TextContent.Contains("Finding the hours"), card.Markup);
        Assert.False(await _app.Get<RollupBackfill>().RequestAsync(shop.Site.Id, shop.User.Id));   // one at a time

        await _app.Get<RollupBackfill>().MarkAsync(shop.Site.Id, CancellationToken.None);   // the job Hangfire runs
        Assert.Equal(30, (await _app.Get<RollupBackfill>().ProgressAsync(shop.Site.Id))!.HoursTotal);
        // Other tests' rollup jobs, on the same database, rebuild any site's marked hours: some, or all, may be done.
        card.WaitForAssertion(() => Assert.Matches(@"Rebuilding: \d+ of 30 hours \(\d+%\)\.|Last rebuilt .+: 30 hours\.", card.Find("[data-testid=backfill]").TextContent));

        await _app.RollUpAsync(shop.Site.Id);
        card.WaitForAssertion(() => Assert.Contains("30 hours", card.Find("[data-testid=backfill-done]").TextContent));
        var total = await _app.Get<RollupQueries>().AggregateAsync(shop.Site.Id, new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));
        Assert.Equal(30, total.Pageviews);

        var progress = await _app.Get<RollupBackfill>().ProgressAsync(shop.Site.Id);
        Assert.Equal((30, 0, false), (progress!.HoursTotal, progress.HoursLeft, progress.Running));
        Assert.True(await _app.Get<RollupBackfill>().RequestAsync(shop.Site.Id, shop.User.Id));   // finished: another may start
    }

    [Fact]
    public async Task The_card_keeps_following_a_rebuild_through_a_database_outage()
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, Oct1, 1), TestData.Event(shop.Site.Id, Oct1.AddHours(3), 2)],
            mayBeRedelivered: false, CancellationToken.None);
        await using var proxy = new TcpProxy(new NpgsqlConnectionStringBuilder(TestServices.Postgres).Port);
        await using var throughProxy = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Port = proxy.Port, Pooling = false, Timeout = 3 }.ConnectionString);
        var backfill = new RollupBackfill(throughProxy, _app.Get<Hangfire.IBackgroundJobClient>(), TimeProvider.System, _app.Get<LiveAnalytics.Sites.SiteTeam>());
        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton(backfill);
        ctx.SignIn(shop.User);
        var card = ctx.Render<BackfillCard>(p => p.Add(c => c.SiteId, shop.Site.Id).Add(c => c.Refresh, TimeSpan.FromMilliseconds(50)));
        await card.WaitForElement("[data-testid=backfill-start]").ClickAsync(new());

        proxy.Cut();   // the page asks for the progress, and fails, for a while
        await Task.Delay(500);
        proxy.Restore();
        await _app.Get<RollupBackfill>().MarkAsync(shop.Site.Id, CancellationToken.None);
        card.WaitForAssertion(() => Assert.Matches(@"Rebuilding: \d of 2 hours|Last rebuilt .+: 2 hours\.", card.Find("[data-testid=backfill]").TextContent));
    }

    [Fact]
    public async Task A_rebuild_whose_hours_were_never_found_shows_as_stalled_and_may_be_requested_again()
    {
        var shop = await _app.MerchantAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        // Its job is never run here: as if it had failed all its retries, or been lost with Hangfire's storage.
        var backfill = new RollupBackfill(_app.Get<NpgsqlDataSource>(), _app.Get<Hangfire.IBackgroundJobClient>(), clock, _app.Get<LiveAnalytics.Sites.SiteTeam>());
        Assert.True(await backfill.RequestAsync(shop.Site.Id, shop.User.Id));
        clock.Advance(RollupBackfill.MarkingTimeout - TimeSpan.FromMinutes(1));
        Assert.True((await backfill.ProgressAsync(shop.Site.Id))!.Running);
        Assert.False(await backfill.RequestAsync(shop.Site.Id, shop.User.Id));

        clock.Advance(TimeSpan.FromMinutes(2));
        var stalled = (await backfill.ProgressAsync(shop.Site.Id))!;
        Assert.Equal((true, false), (stalled.Stalled, stalled.Running));
        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton(backfill);
        ctx.SignIn(shop.User);
        var card = ctx.Render<BackfillCard>(p => p.Add(c => c.SiteId, shop.Site.Id));
        card.WaitForElement("[data-testid=backfill-stalled]");
        await card.Find("[data-testid=backfill-start]").ClickAsync(new());

        Assert.True(card.FindAll("[data-testid=backfill-progress]") is [var finding] && finding.TextContent.Contains("Finding the hours"), card.Markup);
        Assert.Equal(clock.GetUtcNow(), (await backfill.ProgressAsync(shop.Site.Id))!.RequestedAt, TimeSpan.FromMilliseconds(1));
    }
}
