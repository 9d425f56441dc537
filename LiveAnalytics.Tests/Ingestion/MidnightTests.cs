using System.Net;
using System.Text;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>Salts rotate at midnight UTC, yet a visit that crosses midnight stays one visitor and one session.</summary>
public sealed class MidnightTests
{
    [Fact]
    public async Task A_visit_across_midnight_keeps_its_visitor_and_session_and_ids_still_rotate_daily()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();

        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/before-midnight"))).Dispose();
        clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/after-midnight"))).Dispose();
        // The node that appended them shows them live from memory, with the visitor the script settled.
        var live = await app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 2);
        Assert.Equal(1, live.VisitorsOnline);
        Assert.Single(live.Feed.Select(f => f.VisitorId).Distinct());
        clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's sessions are long over
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/next-visit"))).Dispose();

        var events = (await app.StreamEventsAsync()).Select(e => e.Event).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(events[0].VisitorId, events[1].VisitorId);
        Assert.Equal(events[0].SessionId, events[1].SessionId);
        Assert.NotEqual(events[0].VisitorId, events[2].VisitorId);
        Assert.Equal(events[0].VisitorId, live.Feed[0].VisitorId);
    }

    [Fact]
    public async Task An_import_running_across_midnight_keeps_its_visits_whole()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(merchant.User.Id);
        var client = app.CreateClient();
        var visitStarted = clock.GetUtcNow().AddDays(-2);
        async Task Import(string path, DateTimeOffset at)
        {
            var body = $$"""[{"name":"pageview","url":"https://{{merchant.Site.Domain}}{{path}}","domain":"{{merchant.Site.Domain}}","timestamp":"{{at:O}}","ip":"81.2.69.142","user_agent":"{{TestData.Chrome}}"}]""";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new("Bearer", key);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Import("/first", visitStarted);
        clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt: the visitor's id changes
        await Import("/second", visitStarted.AddMinutes(10));
        clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's salt is no longer tried
        await Import("/later", visitStarted.AddMinutes(20));

        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Path, long Visitor, long Session)>(
            "SELECT pathname, visitor_id, session_id FROM events WHERE site_id = @Id ORDER BY ts", new { merchant.Site.Id })).ToList();
        Assert.Equal(["/first", "/second", "/later"], rows.Select(r => r.Path));
        Assert.Equal((rows[0].Visitor, rows[0].Session), (rows[1].Visitor, rows[1].Session));
        // A day's ids cannot be linked to the next day's once yesterday's salt is past: a new visitor and visit.
        Assert.NotEqual(rows[0].Visitor, rows[2].Visitor);
        Assert.NotEqual(rows[0].Session, rows[2].Session);
    }

    private sealed class ClockedAppFactory(TimeProvider clock) : AppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }
}
