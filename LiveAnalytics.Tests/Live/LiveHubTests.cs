using System.Net;
using System.Threading.Channels;
using LiveAnalytics.Live;
using LiveAnalytics.Live.Hub;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Tests.Infrastructure;
using LiveAnalytics.Widgets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Live;

/// <summary>The public SignalR hub, on two nodes joined by the Redis backplane.</summary>
public sealed class LiveHubTests
{
    private static HubConnection Connect(AppFactory node, string token, string? domain)
    {
        var url = new Uri(node.Server.BaseAddress, LiveHub.Path + (domain is null ? "" : $"?site_id={domain}"));
        return new HubConnectionBuilder()
            .WithUrl(url, o =>
            {
                o.Transports = HttpTransportType.LongPolling;   // the test server speaks HTTP only
                o.HttpMessageHandlerFactory = _ => node.Server.CreateHandler();
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            // The hub speaks snake_case JSON, like the rest of the API.
            .AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower)
            .Build();
    }

    private static async Task SendAsync(AppFactory node, string domain, string path, int browser)
    {
        using var r = await node.CreateClient().SendAsync(TestData.Pageview(domain, path, TestData.Browser(browser)));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    private static async Task<AppFactory> PublisherOfAsync(params AppFactory[] nodes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (nodes.FirstOrDefault(n => n.Get<HubPublisher>().IsPublisher) is { } publisher) return publisher;
            await Task.Delay(50);
        }
        throw new TimeoutException("No node took the hub publisher lease.");
    }

    [Fact]
    public async Task A_client_on_one_node_gets_events_ingested_on_another_once_and_in_order()
    {
        await using var a = new AppFactory();
        await using var b = new AppFactory(keyPrefix: a.KeyPrefix);
        var publisher = await PublisherOfAsync(a, b);
        var other = publisher == a ? b : a;
        var merchant = await a.MerchantAsync();
        var key = await a.ApiKeyAsync(merchant.User.Id);

        // Connected to the node that does not publish: everything it gets came through the backplane.
        await using var client = Connect(other, key, merchant.Site.Domain);
        var events = Channel.CreateUnbounded<PublicEvent>();
        var counters = Channel.CreateUnbounded<PublicCounters>();
        client.On<PublicEvent[]>("Events", batch => { foreach (var e in batch) events.Writer.TryWrite(e); });
        client.On<PublicCounters>("Counters", c => counters.Writer.TryWrite(c));
        await client.StartAsync();

        for (var i = 0; i < 6; i++) await SendAsync(i % 2 == 0 ? a : b, merchant.Site.Domain, $"/p{i}", browser: i);
        var received = new List<PublicEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (received.Count < 6) received.Add(await events.Reader.ReadAsync(timeout.Token));
        Assert.Equal(["/p0", "/p1", "/p2", "/p3", "/p4", "/p5"], received.Select(e => e.Pathname));
        Assert.Equal(received.Select(e => e.Id).Order(StringComparer.Ordinal), received.Select(e => e.Id));
        PublicCounters latest;
        do latest = await counters.Reader.ReadAsync(timeout.Token); while (latest.VisitorsOnline < 6);
        Assert.Equal(6, latest.VisitorsOnline);
        await Task.Delay(500);
        Assert.False(events.Reader.TryRead(out _));   // nothing doubled by the second node

        // Back after a break: what was missed comes from Resync, after the last id seen.
        await client.StopAsync();
        await SendAsync(a, merchant.Site.Domain, "/missed", browser: 9);
        await client.StartAsync();
        var resync = await client.InvokeAsync<ResyncResult>("Resync", received[^1].Id);
        Assert.Equal(["/missed"], resync.Events.Select(e => e.Pathname));
        Assert.Equal(7, resync.Counters.VisitorsOnline);
    }

    [Fact]
    public async Task Events_of_a_site_nobody_listens_to_are_not_sent_and_a_new_listener_gets_the_next_ones()
    {
        await using var node = new AppFactory();
        var publisher = (await PublisherOfAsync(node)).Get<HubPublisher>();
        var merchant = await node.MerchantAsync();
        var before = publisher.Events;

        await SendAsync(node, merchant.Site.Domain, "/unheard", browser: 1);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (publisher.Events.Skipped == before.Skipped && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(before.Skipped + 1, publisher.Events.Skipped);

        await using var client = Connect(node, await node.ApiKeyAsync(merchant.User.Id), merchant.Site.Domain);
        var events = Channel.CreateUnbounded<PublicEvent>();
        client.On<PublicEvent[]>("Events", batch => { foreach (var e in batch) events.Writer.TryWrite(e); });
        await client.StartAsync();
        // StartAsync returns after the handshake, possibly before the server has marked the site and joined
        // the group (OnConnectedAsync); an invocation is answered only after that, so the event below is
        // one the listener subscribed before, which is what the publisher promises to send.
        await client.InvokeAsync<ResyncResult>("Resync", (string?)null);
        await SendAsync(node, merchant.Site.Domain, "/heard", browser: 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.Equal("/heard", (await events.Reader.ReadAsync(timeout.Token)).Pathname);
        // The publisher counts a batch once the send to the group has returned, which may be after the client got it.
        while (publisher.Events.Sent == before.Sent && !timeout.IsCancellationRequested) await Task.Delay(20);
        Assert.Equal(before.Sent + 1, publisher.Events.Sent);
    }

    [Fact]
    public async Task A_node_that_takes_the_lease_sends_every_sites_counters_once()
    {
        await using var node = new AppFactory();
        var publisher = (await PublisherOfAsync(node)).Get<HubPublisher>();
        var merchant = await node.MerchantAsync();
        var created = await node.Get<WidgetTokens>().CreateAsync(merchant.User.Id, merchant.Site.Id, "panel", [WidgetKind.Visitors], ["https://admin.example.com"]);
        await using var widget = Connect(node, created!.Value.Token, null);
        var counters = Channel.CreateUnbounded<PublicCounters>();
        widget.On<PublicCounters>("Counters", c => counters.Writer.TryWrite(c));
        await widget.StartAsync();

        // Another holder takes the lease for 4 s (as after a Redis timeout of this node's renewal): a visitor arrives meanwhile.
        await node.Redis.StringSetAsync($"{node.KeyPrefix}:hub-publisher", "another-node", TimeSpan.FromSeconds(4));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (publisher.IsPublisher && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(publisher.IsPublisher);
        await SendAsync(node, merchant.Site.Domain, "/while-nobody-published", browser: 1);

        // Nothing else happens on the site: only the lease taken back sends the visitor.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        PublicCounters latest;
        do latest = await counters.Reader.ReadAsync(timeout.Token); while (latest.VisitorsOnline == 0);
        Assert.Equal(1, latest.VisitorsOnline);
        Assert.True(publisher.IsPublisher);
    }

    [Fact]
    public async Task A_client_gets_the_counters_as_they_are_when_it_connects()
    {
        await using var node = new AppFactory();
        var merchant = await node.MerchantAsync();
        await SendAsync(node, merchant.Site.Domain, "/before-anyone-listened", browser: 1);
        await node.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.VisitorsOnline == 1);
        var created = await node.Get<WidgetTokens>().CreateAsync(merchant.User.Id, merchant.Site.Id, "panel", [WidgetKind.Visitors], ["https://admin.example.com"]);
        await using var widget = Connect(node, created!.Value.Token, null);
        var counters = Channel.CreateUnbounded<PublicCounters>();
        widget.On<PublicCounters>("Counters", c => counters.Writer.TryWrite(c));

        await widget.StartAsync();

        // Nothing happens on the site after the connection: the counters come all the same, without asking.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await counters.Reader.ReadAsync(timeout.Token)).VisitorsOnline);
    }

    [Fact]
    public async Task Widget_tokens_get_counters_but_never_events_and_bad_tokens_are_refused()
    {
        await using var node = new AppFactory();
        await PublisherOfAsync(node);
        var merchant = await node.MerchantAsync();
        var created = await node.Get<WidgetTokens>().CreateAsync(merchant.User.Id, merchant.Site.Id, "panel", [WidgetKind.Visitors], ["https://admin.example.com"]);
        await using var widget = Connect(node, created!.Value.Token, null);
        var counters = Channel.CreateUnbounded<PublicCounters>();
        var events = 0;
        widget.On<PublicCounters>("Counters", c => counters.Writer.TryWrite(c));
        widget.On<PublicEvent[]>("Events", _ => Interlocked.Increment(ref events));
        await widget.StartAsync();

        await SendAsync(node, merchant.Site.Domain, "/", browser: 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        PublicCounters latest;
        do latest = await counters.Reader.ReadAsync(timeout.Token); while (latest.VisitorsOnline == 0);
        Assert.Equal(1, latest.VisitorsOnline);
        await Task.Delay(300);
        Assert.Equal(0, events);
        Assert.Empty((await widget.InvokeAsync<ResyncResult>("Resync", "0-0")).Events);

        var stranger = await node.MerchantAsync();
        var strangersKey = await node.ApiKeyAsync(stranger.User.Id);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Connect(node, strangersKey, merchant.Site.Domain).StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        refused = await Assert.ThrowsAsync<HttpRequestException>(() => Connect(node, "lw_forged", null).StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
