using System.Security.Claims;
using Bunit;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The team's notes on days of a site's history: who may write and remove them, what is refused, and the chart.</summary>
public sealed class AnnotationsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateOnly Oct4 = new(2026, 10, 4), Oct5 = new(2026, 10, 5);

    [Fact]
    public async Task Members_annotate_days_and_each_period_lists_its_own()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var notes = _app.Get<Annotations>();
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "  Black Friday sale started  "));
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct4, "Newsletter sent"));   // a viewer too
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct5, "<b>Checkout</b> down for an hour"));

        var listed = await notes.ListAsync(shop.Site.Id, Oct4, Oct5);
        Assert.Equal(["2026-10-04 Newsletter sent", "2026-10-05 Black Friday sale started", "2026-10-05 <b>Checkout</b> down for an hour"],
            listed.Select(a => $"{a.Day:yyyy-MM-dd} {a.Text}"));
        Assert.Equal([viewer, shop.User.Id, viewer], listed.Select(a => a.AuthorId!.Value));
        Assert.Equal(shop.User.Email, listed[1].Author);
        Assert.Equal(["Black Friday sale started", "<b>Checkout</b> down for an hour"], (await notes.ListAsync(shop.Site.Id, Oct5, Oct5)).Select(a => a.Text));
        Assert.Empty(await notes.ListAsync((await _app.MerchantAsync()).Site.Id, Oct4, Oct5));   // another site's period
    }

    [Fact]
    public async Task Bad_annotations_and_strangers_are_refused_with_the_reason()
    {
        var shop = await _app.MerchantAsync();
        var notes = _app.Get<Annotations>();
        var stranger = await _app.UserAsync();
        Assert.Equal(Refusal.NotAllowed("Only the site's members annotate its history."), await notes.AddAsync(shop.Site, stranger.Id, Oct5, "Sale"));
        var unwritten = "Write the annotation in 1 to 200 characters on one line, e.g. Black Friday sale started.";
        Assert.Equal(Refusal.Invalid(unwritten), await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "   "));
        Assert.Equal(Refusal.Invalid(unwritten), await notes.AddAsync(shop.Site, shop.User.Id, Oct5, new string('x', 201)));
        Assert.Equal(Refusal.Invalid(unwritten), await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "two\nlines"));
        Assert.StartsWith("Date the annotation between 2000-01-01 and ", (await notes.AddAsync(shop.Site, shop.User.Id, new DateOnly(1999, 12, 31), "Sale"))?.Message);
        var tooLate = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(Annotations.DaysAhead + 2);
        Assert.StartsWith("Date the annotation between", (await notes.AddAsync(shop.Site, shop.User.Id, tooLate, "Sale"))?.Message);
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30), "Summer sale starts"));   // planned ahead
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, Oct5, new string('x', 200)));
        Assert.Equal(2, (await notes.ListAsync(shop.Site.Id, DateOnly.MinValue, DateOnly.MaxValue)).Count);

        // At the cap, the next is refused.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO annotations (site_id, day, text, created_at) SELECT @Id, '2026-01-01', 'n' || i, now() FROM generate_series(3, @max) i
                """, new { shop.Site.Id, max = Annotations.MaxPerSite });
        Assert.Equal(Refusal.Conflict($"A site can have at most {Annotations.MaxPerSite} annotations; remove old ones first."), await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "One more"));
    }

    [Fact]
    public async Task Its_author_or_an_owner_or_admin_removes_an_annotation_and_it_outlives_its_authors_account()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var notes = _app.Get<Annotations>();
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "By the owner"));
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct5, "By the viewer"));
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct4, "Also by the viewer"));
        var (byOwner, byViewer, alsoByViewer) = await IdsAsync(shop.Site.Id, "By the owner", "By the viewer", "Also by the viewer");

        Assert.Equal(Refusal.NotAllowed("Only its author or the site's owners and admins remove an annotation."), await notes.RemoveAsync(shop.Site, viewer, byOwner));
        var other = await _app.MerchantAsync();
        Assert.Null(await notes.RemoveAsync(other.Site, other.User.Id, byViewer));   // another site's id: nothing there to remove
        Assert.Equal(Refusal.NotAllowed("Only the site's members change its annotations."), await notes.RemoveAsync(shop.Site, other.User.Id, byViewer));
        Assert.Equal(3, (await notes.ListAsync(shop.Site.Id, Oct4, Oct5)).Count);

        Assert.Null(await notes.RemoveAsync(shop.Site, viewer, byViewer));
        Assert.Null(await notes.RemoveAsync(shop.Site, viewer, byViewer));   // gone already
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("DELETE FROM users WHERE id = @viewer", new { viewer });
        var left = await notes.ListAsync(shop.Site.Id, Oct4, Oct5);
        Assert.Equal(["Also by the viewer", "By the owner"], left.Select(a => a.Text));
        Assert.Null(left[0].Author);
        Assert.Null(await notes.RemoveAsync(shop.Site, shop.User.Id, alsoByViewer));   // the owner removes anyone's
        Assert.Equal(["By the owner"], (await notes.ListAsync(shop.Site.Id, Oct4, Oct5)).Select(a => a.Text));
    }

    [Fact]
    public async Task Its_author_or_an_owner_or_admin_rewords_or_redates_an_annotation()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var notes = _app.Get<Annotations>();
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, Oct5, "By the owner"));
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct5, "By the viewr"));
        Assert.Null(await notes.AddAsync(shop.Site, viewer, Oct4, "Also by the viewer"));
        var (byOwner, byViewer, _) = await IdsAsync(shop.Site.Id, "By the owner", "By the viewr", "Also by the viewer");

        Assert.Null(await notes.UpdateAsync(shop.Site, viewer, byViewer, Oct4, " By the viewer "));
        Assert.Null(await notes.UpdateAsync(shop.Site, shop.User.Id, byViewer, Oct4, "By the viewer, checked by the owner"));   // anyone's, for the owner
        var changed = (await notes.ListAsync(shop.Site.Id, Oct4, Oct4)).Single(a => a.Id == byViewer);
        Assert.Equal(("By the viewer, checked by the owner", Oct4, (Guid?)viewer), (changed.Text, changed.Day, changed.AuthorId));

        Assert.Equal(Refusal.NotAllowed("Only its author or the site's owners and admins change an annotation."), await notes.UpdateAsync(shop.Site, viewer, byOwner, Oct5, "Mine"));
        Assert.Equal(Refusal.NotAllowed("Only the site's members change its annotations."), await notes.UpdateAsync(shop.Site, (await _app.UserAsync()).Id, byOwner, Oct5, "Theirs"));
        Assert.StartsWith("Write the annotation in 1 to 200 characters", (await notes.UpdateAsync(shop.Site, shop.User.Id, byOwner, Oct5, "two\nlines"))?.Message);
        Assert.StartsWith("Date the annotation between 2000-01-01", (await notes.UpdateAsync(shop.Site, shop.User.Id, byOwner, new DateOnly(1999, 12, 31), "Old"))?.Message);
        var other = await _app.MerchantAsync();
        Assert.Equal(Refusal.Gone("That annotation was removed meanwhile."), await notes.UpdateAsync(other.Site, other.User.Id, byOwner, Oct5, "Taken over"));
        Assert.Equal("By the owner", (await notes.ListAsync(shop.Site.Id, Oct5, Oct5)).Single().Text);
    }

    private async Task<(long, long, long)> IdsAsync(long siteId, string a, string b, string c)
    {
        var byText = (await _app.Get<Annotations>().ListAsync(siteId, DateOnly.MinValue, DateOnly.MaxValue)).ToDictionary(n => n.Text, n => n.Id);
        return (byText[a], byText[b], byText[c]);
    }

    [Fact]
    public async Task The_history_page_draws_the_periods_annotations_on_the_chart_lists_them_escaped_and_adds_and_removes()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, new DateTimeOffset(2026, 10, 4, 12, 0, 0, TimeSpan.Zero), 1, "/")],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, viewer, Oct4, "<script>alert(1)</script> sale"));
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, viewer, new DateOnly(2026, 9, 1), "Outside the period"));

        await using var ctx = ComponentContext.For(_app, null, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        var auth = ctx.SignIn(shop.User);
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-03&to=2026-10-05");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=annotation]")));

        // On the chart at 4 October, the middle of three days; as text, never as markup.
        var mark = page.Find("[data-testid=chart-annotation]");
        Assert.Equal("500", mark.QuerySelector("line")!.GetAttribute("x1"));
        Assert.Equal("4 Oct 2026: <script>alert(1)</script> sale", mark.QuerySelector("title")!.TextContent);
        var item = page.Find("[data-testid=annotation]");
        Assert.Contains("4 Oct 2026 <script>alert(1)</script> sale", item.TextContent);
        Assert.Empty(page.FindAll("[data-testid=annotations] script"));
        Assert.NotNull(item.QuerySelector("button"));   // the owner may remove the viewer's

        // Added through the form, dated the period's last day by default.
        // (Each click's render waited for: the page's other cards are still loading and rendering meanwhile.)
        page.On("[data-testid=annotate]", e => e.Click());
        Assert.Equal("2026-10-05", page.WaitForElement("[data-testid=annotation-form] input[type=date]").GetAttribute("value"));
        page.On("[data-testid=annotation-form] input[type=text]", e => e.Change("New checkout live"));
        page.On("[data-testid=annotation-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=annotation]").Count));
        Assert.Equal(["500", "1000"], page.FindAll("[data-testid=chart-annotation] line:first-of-type").Select(l => l.GetAttribute("x1")));
        page.On("[data-testid=annotate]", e => e.Click());
        page.On("[data-testid=annotation-form] input[type=text]", e => e.Change(""));
        page.On("[data-testid=annotation-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.StartsWith("Write the annotation", page.Find("[data-testid=annotations] [role=alert]").TextContent));

        // Edited in the same form, which starts from the note; moved out of the period, it leaves the list (and is put back
        // for the viewer's page below).
        Assert.Equal("Edit the annotation of 5 Oct 2026", page.FindAll("[data-testid=annotation]")[1].QuerySelector("[data-testid=annotation-edit]")!.GetAttribute("aria-label"));
        page.On("[data-testid=annotation] [data-testid=annotation-edit]", e => e.Click(), 1);
        page.WaitForAssertion(() => Assert.Equal("New checkout live", page.Find("[data-testid=annotation-form] input[type=text]").GetAttribute("value")));
        page.On("[data-testid=annotation-form] input[type=text]", e => e.Change("New checkout live at noon"));
        page.On("[data-testid=annotation-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Contains("New checkout live at noon", page.FindAll("[data-testid=annotation]")[1].TextContent));
        Assert.Empty(page.FindAll("[data-testid=annotation-form]"));
        page.On("[data-testid=annotation-edit]", e => e.Click(), 1);
        page.On("[data-testid=annotation-form] input[type=date]", e => e.Change("2026-10-06"));
        page.On("[data-testid=annotation-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Contains("Moved to 6 Oct 2026, outside this period.", page.Find("[data-testid=annotations] [role=status]").TextContent));
        Assert.Single(page.FindAll("[data-testid=annotation]"));
        Assert.Null(await _app.Get<Annotations>().UpdateAsync(shop.Site, shop.User.Id,
            (await _app.Get<Annotations>().ListAsync(shop.Site.Id, new DateOnly(2026, 10, 6), new DateOnly(2026, 10, 6))).Single().Id, new DateOnly(2026, 10, 5), "New checkout live"));

        // The viewer sees both and may remove only their own.
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, viewer.ToString()));
        var asViewer = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        asViewer.WaitForAssertion(() => Assert.Equal(2, asViewer.FindAll("[data-testid=annotation]").Count));
        Assert.Equal([true, false], asViewer.FindAll("[data-testid=annotation]").Select(li => li.QuerySelector("button") is not null));
        asViewer.On("[data-testid=annotation] button[aria-label^=Remove]", e => e.Click());
        asViewer.WaitForAssertion(() => Assert.Contains("New checkout live", Assert.Single(asViewer.FindAll("[data-testid=annotation]")).TextContent));
        Assert.Single(asViewer.FindAll("[data-testid=chart-annotation]"));
    }
}
