using System.IO.Compression;
using System.Security.Claims;
using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The dashboard's page and its export against the same stored shop.</summary>
public sealed partial class DashboardQueriesTests
{
    [Fact]
    public async Task The_export_is_a_zip_of_the_views_tables_for_members_only()
    {
        var shop = await ShopAsync();
        var stranger = await _app.UserAsync();

        var (status, _) = await ExportAsync(shop.Site.Id, stranger.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        Assert.Equal(StatusCodes.Status404NotFound, status);
        (status, _) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=fortnight");
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        (status, _) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=7d&f=page:/a%00");   // PostgreSQL would refuse the NUL
        Assert.Equal(StatusCodes.Status400BadRequest, status);

        (status, var body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=country:DE");
        Assert.Equal(StatusCodes.Status200OK, status);
        using var zip = new ZipArchive(new MemoryStream(body));
        Assert.Contains("totals.csv", zip.Entries.Select(e => e.Name));
        Assert.Contains("timeseries.csv", zip.Entries.Select(e => e.Name));
        var totals = Read(zip, "totals.csv");
        Assert.Equal("metric,value,previous", totals[0]);
        Assert.Contains("visitors,5,1", totals);
        Assert.Contains("revenue,40.00,0.00", totals);
        Assert.Equal(25, Read(zip, "timeseries.csv").Length);   // header and 24 hours

        // One view of "/" reported 45 s on screen, read 80 % down.
        await _app.Get<EventWriter>().WriteAsync([TestData.Engagement(shop.Site.Id, Oct5.AddHours(10).AddMinutes(1), 1) with { Engagement = new(45_000, 80, First: true) }],
            mayBeRedelivered: false, CancellationToken.None);
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        using var all = new ZipArchive(new MemoryStream(body));
        var pages = Read(all, "page.csv");
        // Exit pages with their views and exit rate: three of the six views of "/" ended a visit.
        Assert.EndsWith(",revenue,page_pageviews,exit_rate", Read(all, "exit_page.csv")[0]);
        Assert.Contains(Read(all, "exit_page.csv"), line => line.StartsWith("/,") && line.EndsWith(",6,50"));
        Assert.EndsWith(",revenue,time_on_page,scroll_depth", pages[0]);
        Assert.Contains(pages, line => line.StartsWith("/,") && line.EndsWith(",45,80"));
        // A page a visitor named like a formula is written so that a spreadsheet shows it as text; none of its views reported
        // engagement; a page has no visits of its own, so no visit columns (a 0 there would read as "no visits").
        Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\")\",1,,1,,,,1,0.00,,", pages);
        Assert.All(Read(all, "source.csv").Skip(1), line => Assert.DoesNotContain(",,", line));   // a visit's own dimension has them all

        // The goals and funnels, as the page shows them, of the visits the view's filters keep.
        Assert.Null(await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Event, "Order"));
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "Hats", [(Goal.Page, "/"), (Goal.Page, "/hats")]));
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 5), "=Sale, \"50%\" off"));
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 6), "Next day"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&f=country:DE");
        using var converted = new ZipArchive(new MemoryStream(body));
        Assert.Equal(["goal,kind,value,uniques,total,conversion_rate,revenue", "Order,event,Order,1,1,20,40.00"], Read(converted, "goals.csv"));
        // Visitors 1-5 (from Germany; 6 is French) on "/"; 1 and 4 went on to /hats: 40 %.
        Assert.Equal(["funnel,step,kind,value,visitors,of_first,dropped", "Hats,1,page,/,5,100,0", "Hats,2,page,/hats,2,40,3"], Read(converted, "funnels.csv"));
        // Filtered by country, a filter on the visit: the exit pages' rates of Germany's visits (three of five views of "/").
        Assert.EndsWith(",page_pageviews,exit_rate", Read(converted, "exit_page.csv")[0]);
        Assert.Contains(Read(converted, "exit_page.csv"), line => line.StartsWith("/,") && line.EndsWith(",5,60"));
        // The period's annotations (not the next day's), written as text.
        Assert.Equal(["date,annotation,author", $"2026-10-05,\"'=Sale, \"\"50%\"\" off\",{shop.User.Email}"], Read(converted, "annotations.csv"));
        // Filtered by the custom event Order, as the page shows it: the one buyer's share of the day's six visitors (none
        // of the one the day before).
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=event:Order");
        using var orders = new ZipArchive(new MemoryStream(body));
        Assert.Contains("conversion_rate,16.7,0", Read(orders, "totals.csv"));
        Assert.Contains("average_revenue,40.00,0.00", Read(orders, "totals.csv"));   // the one order's worth; none the day before
        Assert.EndsWith(",revenue,conversion_rate", Read(orders, "source.csv")[0]);
        Assert.EndsWith(",33.3", Read(orders, "source.csv")[1]);   // Google's: one of its three visitors bought
        Assert.Equal(["goal,kind,value,uniques,total,conversion_rate,revenue", "Order,event,Order,1,1,16.7,40.00"], Read(orders, "goals.csv"));

        // With a revenue currency set, the revenue columns say which, as the page does.
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        using var priced = new ZipArchive(new MemoryStream(body));
        Assert.Contains("revenue (EUR),40.00", Read(priced, "totals.csv"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&f=event:Order");
        using var pricedOrders = new ZipArchive(new MemoryStream(body));
        Assert.Contains("average_revenue (EUR),40.00", Read(pricedOrders, "totals.csv"));
        Assert.EndsWith(",revenue (EUR)", Read(priced, "timeseries.csv")[0]);
        Assert.EndsWith(",revenue (EUR),time_on_page,scroll_depth", Read(priced, "page.csv")[0]);
        Assert.EndsWith(",revenue (EUR)", Read(priced, "goals.csv")[0]);
    }

    [Fact]
    public async Task The_page_shows_the_view_and_a_click_puts_the_filter_in_the_url()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, null, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        var auth = ctx.SignIn(shop.User);

        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-05&to=2026-10-05&compare=previous");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent));
        Assert.Equal("↑ 500%", page.Find("[data-testid=change-visitors]").TextContent);
        Assert.Contains("5 Oct 2026 vs 4 Oct 2026", page.Find("[data-testid=range]").TextContent);
        Assert.StartsWith("Up to date", page.Find("[data-testid=freshness]").TextContent);
        Assert.Contains("export?period=custom&from=2026-10-05&to=2026-10-05&compare=previous", page.Find("[data-testid=export]").GetAttribute("href"));
        page.WaitForElement("[data-testid=funnels-none]");   // the funnel card, with none set

        // The click navigates: the URL now carries the filter, and the page reloads with it.
        page.On("[data-testid=top-source] tr[data-value=Google]", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=source%3AGoogle", nav.Uri));
        var filtered = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        filtered.WaitForAssertion(() => Assert.Equal("3", filtered.Find("[data-testid=metric-visitors]").TextContent));
        Assert.Contains("Source is Google", filtered.Find("[data-testid=filters]").TextContent);
        // Filtered by a visit's source: read from the table of visits the rollup job keeps, as fresh as the rollups.
        Assert.Equal("Up to date with the stored events, within seconds.", filtered.Find("[data-testid=freshness]").TextContent);

        // Kept 30 days, October's raw events are past it (the retention job has not run here: they are still there).
        Assert.Null(await _app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, 30));
        var kept = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        kept.WaitForAssertion(() => Assert.Contains("keeps its raw events for 30 days: filtered numbers up to",
            kept.Find("[data-testid=freshness]").TextContent));

        // With a revenue currency set, the figures say which.
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        var priced = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        priced.WaitForAssertion(() => Assert.Contains("Revenue (EUR)", priced.Find("[data-testid=metrics]").TextContent));
        Assert.Contains("Revenue (EUR)", priced.Find("[data-testid=top-event] thead").TextContent);

        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-09-01&to=2026-09-02");
        var empty = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        empty.WaitForAssertion(() => Assert.Equal("No visits in this period", empty.Find("[data-testid=history-empty] h2").TextContent));

        var stranger = await _app.UserAsync();
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, stranger.Id.ToString()));
        var hidden = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        hidden.WaitForAssertion(() => Assert.Empty(hidden.FindAll("[data-testid=metrics]")));
        Assert.DoesNotContain(shop.Site.Domain, hidden.Markup);
    }

    [Fact]
    public async Task A_view_that_runs_to_today_reads_again_after_the_sites_events_arrive()
    {
        var shop = await ShopAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Oct5.AddHours(18));   // the evening of the shop's day
        using var hub = new LiveAnalytics.Live.EventHub(clock);
        await using var ctx = ComponentContext.For(_app, shop.User, ComponentContext.HistoryPage);
        ctx.Services.AddSingleton<TimeProvider>(clock);
        ctx.Services.AddSingleton(hub);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=today");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent));

        // Two more visitors, stored and rolled up; their events reach the hub as they arrive.
        var late = new[] { TestData.Event(shop.Site.Id, Oct5.AddHours(17), 8, "/"), TestData.Event(shop.Site.Id, Oct5.AddHours(17), 9, "/") };
        await _app.Get<EventWriter>().WriteAsync(late, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        // Meanwhile a teammate annotates the day: it shows with the figures read again.
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 5), "Flash sale"));
        foreach (var e in late) hub.Publish(new LiveAnalytics.Live.LiveEvent("", e with { Timestamp = clock.GetUtcNow() }));
        clock.Advance(RollupRefresh.Unfiltered - TimeSpan.FromSeconds(1));
        Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent);   // not before the rollup job has had its time
        Assert.Empty(page.FindAll("[data-testid=annotation]"));
        clock.Advance(TimeSpan.FromSeconds(1));
        page.WaitForAssertion(() => Assert.Equal("8", page.Find("[data-testid=metric-visitors]").TextContent));
        page.WaitForAssertion(() => Assert.Contains("Flash sale", page.Find("[data-testid=annotation]").TextContent));

        // A view of past days is not read again.
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-04&to=2026-10-04");
        var past = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        past.WaitForAssertion(() => Assert.Equal("1", past.Find("[data-testid=metric-visitors]").TextContent));
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, Oct5.AddDays(-1).AddHours(13), 10, "/")], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        hub.Publish(new LiveAnalytics.Live.LiveEvent("", late[0] with { Timestamp = clock.GetUtcNow() }));
        clock.Advance(RollupRefresh.Filtered);
        await Task.Delay(200);
        Assert.Equal("1", past.Find("[data-testid=metric-visitors]").TextContent);
    }

    private Task<(int Status, byte[] Body)> ExportAsync(long siteId, Guid userId, string query) => Exports.RunAsync(_app, siteId, userId, query);

    private static string[] Read(ZipArchive zip, string name) => Exports.Read(zip, name);
}
