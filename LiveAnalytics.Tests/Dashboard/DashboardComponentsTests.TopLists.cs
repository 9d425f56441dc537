using Bunit;
using LiveAnalytics.Dashboard;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The top lists' cards: click to filter, tabs read on demand, engagement, revenue, rates and the way to every value.</summary>
public sealed partial class DashboardComponentsTests
{
    [Fact]
    public void A_click_on_a_top_value_filters_by_it_and_visitor_text_is_escaped()
    {
        DashboardFilter? clicked = null;
        var data = Data(new() { ["source"] = [new("<script>alert(1)</script>", C(30, visits: 31)), new("", C(10, visits: 12))], ["referrer"] = [] });
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top sources")
            .Add(c => c.Dimensions, [DashboardDimensions.Source, DashboardDimensions.Referrer])
            .Add(c => c.Data, data).Add(c => c.OnFilter, (DashboardFilter f) => clicked = f));

        var rows = list.FindAll(".top-row");
        Assert.Equal("<script>alert(1)</script>", rows[0].QuerySelector(".top-label")!.TextContent);
        Assert.Empty(list.FindAll("script"));   // text, never markup
        Assert.Equal("Direct / None", rows[1].QuerySelector(".top-label")!.TextContent);
        Assert.Equal("31", rows[0].QuerySelectorAll(".num")[1].TextContent);

        rows[1].Click();
        Assert.Equal(new DashboardFilter("source", ""), clicked);
        // The label is a button, which a keyboard reaches and a screen reader names by what it does.
        var label = list.FindAll(".top-row")[0].QuerySelector("button.top-label")!;
        Assert.Equal("Filter by Source: <script>alert(1)</script>", label.GetAttribute("aria-label"));
        label.Click();
        Assert.Equal(new DashboardFilter("source", "<script>alert(1)</script>"), clicked);

        list.Find("[data-tab=referrer]").Click();
        list.Find("[data-testid=top-empty]");   // the other tab has nothing, and says so
    }

    [Fact]
    public void A_tab_not_read_yet_shows_its_shape_and_asks_for_its_rows()
    {
        DashboardDimension? asked = null;
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top sources")
            .Add(c => c.Dimensions, [DashboardDimensions.Source, DashboardDimensions.UtmCampaign])
            .Add(c => c.Data, Data(new() { ["source"] = [new("Google", C(3))] })).Add(c => c.OnLoad, (DashboardDimension d) => asked = d));
        list.Find("[data-tab=utm_campaign]").Click();
        Assert.Equal(DashboardDimensions.UtmCampaign, asked);
        list.Find("[data-testid=top-loading]");

        list.Render(p => p.Add(c => c.Data, Data(new() { ["source"] = [new("Google", C(3))], ["utm_campaign"] = [new("black-friday", C(2))] })));
        Assert.Equal("black-friday", list.Find(".top-label").TextContent);
        // Another view (say, a filter added) brings the first tabs only: the open tab is asked for again.
        asked = null;
        list.Render(p => p.Add(c => c.Data, Data(new() { ["source"] = [new("Google", C(1))] })));
        Assert.Equal(DashboardDimensions.UtmCampaign, asked);
        list.Find("[data-testid=top-loading]");

        asked = null;
        list.Find("[data-tab=source]").Click();
        Assert.Null(asked);   // read already
    }

    [Fact]
    public void Pages_show_how_long_their_views_were_looked_at_and_how_far_down_they_were_read()
    {
        var data = Data(new()
        {
            ["page"] = [new("/guide", C(12)) { Engagement = new PageEngagement(4, 4 * 95_000, 4 * 70) }, new("/cart", C(5))],
            ["source"] = [new("Google", C(3))],
        });
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top pages").Add(c => c.Dimensions, [DashboardDimensions.Page, DashboardDimensions.EntryPage])
            .Add(c => c.Data, data));
        Assert.Equal(["Page", "Visitors", "Pageviews", "Time", "Scroll"], list.FindAll("th").Select(th => th.TextContent));
        Assert.Equal(["1m 35s", "–"], list.FindAll("[data-testid=time-on-page]").Select(td => td.TextContent));
        Assert.Equal(["70%", "–"], list.FindAll("[data-testid=scroll-depth]").Select(td => td.TextContent));

        // Lists whose rows carry none (other dimensions, or views of a site whose tracker sends none) have no such columns.
        var sources = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source]).Add(c => c.Data, data));
        Assert.Empty(sources.FindAll("[data-testid=time-on-page]"));
    }

    [Fact]
    public void A_value_already_filtered_is_not_clickable_again()
    {
        var clicks = 0;
        var list = Render<TopList>(p => p.Add(c => c.Title, "Locations").Add(c => c.Dimensions, [DashboardDimensions.Country])
            .Add(c => c.Data, Data(new() { ["country"] = [new("DE", C(5))] })).Add(c => c.Filters, [new DashboardFilter("country", "DE")])
            .Add(c => c.OnFilter, (DashboardFilter _) => clicks++));
        Assert.Equal("Germany (DE)", list.Find(".top-label").TextContent);
        Assert.Empty(list.FindAll("button.top-label"));   // nothing to do: no control
        list.Find(".top-row").Click();
        Assert.Equal(0, clicks);
        Assert.DoesNotContain("clickable", list.Find(".top-row").ClassName);
    }

    [Fact]
    public void Sources_and_landing_pages_show_the_revenue_their_visits_brought_and_pages_none()
    {
        var data = Data(new()
        {
            ["source"] = [new("Google", C(12, visits: 14, revenue: 480.5m)), new("", C(9, visits: 9))],
            ["entry_page"] = [new("/sale", C(8, visits: 8, revenue: 99m))],
            ["page"] = [new("/checkout", C(8, pageviews: 9, revenue: 579.5m))],
            ["exit_page"] = [new("/thanks", C(5, visits: 5, revenue: 579.5m))],
            ["country"] = [new("DE", C(4, visits: 4))],
        });
        var sources = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source]).Add(c => c.Data, data)
            .Add(c => c.Currency, "EUR"));
        Assert.Equal(["Source", "Visitors", "Visits", "Revenue (EUR)"], sources.FindAll("th").Select(th => th.TextContent));
        Assert.Equal(["480.50", "–"], sources.FindAll("[data-testid=value-revenue]").Select(td => td.TextContent));   // none from Direct

        var pages = Render<TopList>(p => p.Add(c => c.Title, "Top pages")
            .Add(c => c.Dimensions, [DashboardDimensions.Page, DashboardDimensions.EntryPage, DashboardDimensions.ExitPage]).Add(c => c.Data, data));
        Assert.Empty(pages.FindAll("[data-testid=value-revenue]"));   // where a purchase was made says little of what earned it
        pages.Find("[data-tab=entry_page]").Click();
        Assert.Equal(["99.00"], pages.FindAll("[data-testid=value-revenue]").Select(td => td.TextContent));
        pages.Find("[data-tab=exit_page]").Click();
        Assert.Empty(pages.FindAll("[data-testid=value-revenue]"));

        // A list none of whose values brought any has no such column.
        var places = Render<TopList>(p => p.Add(c => c.Title, "Locations").Add(c => c.Dimensions, [DashboardDimensions.Country]).Add(c => c.Data, data));
        Assert.DoesNotContain("Revenue", places.Find("thead").TextContent);
    }

    [Fact]
    public void A_full_list_links_to_every_value_of_its_open_tab()
    {
        // The list was read with one value more than the card shows: it goes on.
        var eleven = Enumerable.Range(1, DashboardQueries.ReadLimit).Select(i => new TopRow($"source{i}", C(20 - i))).ToList();
        var ten = eleven.Take(DashboardQueries.TopLimit).ToList();
        var data = Data(new() { ["source"] = eleven, ["referrer"] = [new("news.example", C(2))], ["utm_source"] = ten, ["event"] = [.. eleven] });
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source, DashboardDimensions.Referrer, DashboardDimensions.UtmSource])
            .Add(c => c.Data, data).Add(c => c.DetailsHref, d => $"/sites/7/history/list/{d.Key}?period=30d"));
        Assert.Equal(ten.Select(r => r.Value), list.FindAll("tbody tr").Select(r => r.GetAttribute("data-value")));
        var link = list.Find("[data-testid=top-details]");
        Assert.Equal("/sites/7/history/list/source?period=30d", link.GetAttribute("href"));
        Assert.Equal("See all source values", link.GetAttribute("aria-label"));
        list.Find("[data-tab=referrer]").Click();
        Assert.Empty(list.FindAll("[data-testid=top-details]"));   // one value: the card shows them all
        list.Find("[data-tab=utm_source]").Click();
        Assert.Equal(10, list.FindAll("tbody tr").Count);
        Assert.Empty(list.FindAll("[data-testid=top-details]"));   // exactly ten: all of them shown

        // The custom events' card too; a list without the link's target has none.
        var events = Render<TopList>(p => p.Add(c => c.Title, "Custom events").Add(c => c.Dimensions, [DashboardDimensions.Event]).Add(c => c.Data, data)
            .Add(c => c.DetailsHref, d => $"/x/{d.Key}"));
        Assert.Equal("See all custom event values", events.Find("[data-testid=top-details]").GetAttribute("aria-label"));
        var plain = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source]).Add(c => c.Data, data));
        Assert.Empty(plain.FindAll("[data-testid=top-details]"));
    }

    [Fact]
    public void Under_a_conversions_filter_each_value_shows_its_own_conversion_rate()
    {
        var rows = new List<TopRow> { new("Google", C(4, visits: 4)) { AllVisitors = 40 }, new("", C(2, visits: 2)) { AllVisitors = null } };
        var data = Data(new() { ["source"] = rows }, totals: C(6)) with { AllVisitors = 100 };
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source]).Add(c => c.Data, data));
        Assert.EndsWith("CR", list.Find("thead tr").TextContent.Trim());
        Assert.Equal(["10%", "–"], list.FindAll("[data-testid=value-conversion]").Select(c => c.TextContent));

        // Unknown for every value (other filters beside the goal's): no column.
        var unrated = Data(new() { ["source"] = [new("Google", C(4, visits: 4))] }, totals: C(4)) with { AllVisitors = 100 };
        list = Render<TopList>(p => p.Add(c => c.Title, "Top sources").Add(c => c.Dimensions, [DashboardDimensions.Source]).Add(c => c.Data, unrated));
        Assert.Empty(list.FindAll("[data-testid=value-conversion]"));
    }

    [Fact]
    public void Exit_pages_show_the_share_of_their_views_that_ended_a_visit()
    {
        var data = Data(new() { ["exit_page"] = [new("/", C(0, pageviews: 5, visits: 3)) { PagePageviews = 6 }, new("/gone", C(0, visits: 1))] });
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top pages").Add(c => c.Dimensions, [DashboardDimensions.ExitPage]).Add(c => c.Data, data));
        Assert.EndsWith("Exit rate", list.Find("thead tr").TextContent.Trim());
        Assert.Equal(["50%", "–"], list.FindAll("[data-testid=exit-rate]").Select(c => c.TextContent));
        // Beside it, the page's own views it divides by, not those of the visits that ended there.
        Assert.Equal("6", list.Find("[data-value='/']").QuerySelectorAll(".num")[1].TextContent);
        // Under filters the rollups cannot tell: no column.
        var filtered = Data(new() { ["exit_page"] = [new("/", C(0, pageviews: 5, visits: 3))] }, fromRollups: false);
        list = Render<TopList>(p => p.Add(c => c.Title, "Top pages").Add(c => c.Dimensions, [DashboardDimensions.ExitPage]).Add(c => c.Data, filtered));
        Assert.Empty(list.FindAll("[data-testid=exit-rate]"));
    }

    [Fact]
    public void Entry_pages_under_filters_list_and_filter_like_the_others()
    {
        DashboardFilter? clicked = null;
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top pages")
            .Add(c => c.Dimensions, [DashboardDimensions.Page, DashboardDimensions.EntryPage])
            .Add(c => c.Data, Data(new() { ["page"] = [], ["entry_page"] = [new("/sale", C(3))] }, fromRollups: false))
            .Add(c => c.OnFilter, (DashboardFilter f) => clicked = f));
        list.Find("[data-testid=top-empty]");
        list.Find("[data-tab=entry_page]").Click();
        list.Find("tr[data-value='/sale']").Click();
        Assert.Equal(new DashboardFilter("entry_page", "/sale"), clicked);
    }

    [Fact]
    public void Exit_pages_rank_and_show_exits_not_visitors()
    {
        var data = Data(new() { ["exit_page"] = [new("/thanks", C(0, pageviews: 9, visits: 4)), new("/", C(0, pageviews: 2, visits: 2))] });
        var list = Render<TopList>(p => p.Add(c => c.Title, "Top pages").Add(c => c.Dimensions, [DashboardDimensions.ExitPage]).Add(c => c.Data, data));
        Assert.Equal(["Exit page", "Exits", "Pageviews"], list.FindAll("th").Select(th => th.TextContent));
        Assert.Equal(["4", "9"], list.FindAll(".top-row")[0].QuerySelectorAll(".num").Select(td => td.TextContent));
        Assert.Contains("width:50%", list.FindAll(".top-bar")[1].GetAttribute("style"));
    }
}
