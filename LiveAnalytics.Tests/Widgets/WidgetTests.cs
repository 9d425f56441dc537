using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;
using LiveAnalytics.Widgets;

namespace LiveAnalytics.Tests.Widgets;

public sealed partial class WidgetTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private WidgetTokens Tokens => _app.Get<WidgetTokens>();

    private async Task<(Merchant Merchant, string Token, long TokenId)> TokenAsync(params string[] widgets)
    {
        var merchant = await _app.MerchantAsync();
        var created = await Tokens.CreateAsync(merchant.User.Id, merchant.Site.Id, "Storefront",
            widgets.Length == 0 ? WidgetKind.All.ToArray() : widgets, ["https://shop.example.com", "https://*.example.org"], ["Purchase", "Click 10", "Refund"]);
        Assert.NotNull(created);
        return (merchant, created.Value.Token, created.Value.Info.Id);
    }

    private async Task PageviewAsync(string domain, string path, int browser)
    {
        using var r = await _app.CreateClient().SendAsync(TestData.Pageview(domain, path, TestData.Browser(browser)));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    private static JsonElement StateOf(string html) =>
        JsonDocument.Parse(StateScript().Match(html).Groups[1].Value).RootElement;

    [GeneratedRegex("""<script type="application/json" id="widget-state">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex StateScript();

    [Fact]
    public async Task A_tokens_last_use_is_noted_and_listed_with_it()
    {
        var (merchant, token, tokenId) = await TokenAsync();
        DateTimeOffset? LastUsed(IReadOnlyList<WidgetTokenInfo> tokens) => tokens.Single(t => t.Id == tokenId).LastUsedAt;
        Assert.Null(LastUsed(await Tokens.ListAsync(merchant.User.Id, merchant.Site.Id)));
        Assert.Null(await Tokens.AuthenticateAsync(token[..^2] + "xx"));

        Assert.NotNull(await Tokens.AuthenticateAsync(token));
        var used = LastUsed(await Tokens.ListAsync(merchant.User.Id, merchant.Site.Id));
        Assert.NotNull(used);
        Assert.InRange(used.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Only_owners_and_admins_of_the_site_create_tokens_and_only_hashes_are_stored()
    {
        var (merchant, token, _) = await TokenAsync();
        var stranger = await _app.UserAsync();
        Assert.Null(await Tokens.CreateAsync(stranger.Id, merchant.Site.Id, "theft", [WidgetKind.Visitors], ["https://evil.example"]));
        Assert.Empty(await Tokens.ListAsync(stranger.Id, merchant.Site.Id));
        var listed = Assert.Single(await Tokens.ListAsync(merchant.User.Id, merchant.Site.Id));
        Assert.StartsWith(listed.Prefix, token);
        Assert.True(listed.Prefix.Length < token.Length / 2);
        await using var conn = await _app.Get<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM widget_tokens WHERE encode(token_hash, 'escape') LIKE '%' || @t || '%' OR prefix = @t", conn);
        cmd.Parameters.AddWithValue("t", token);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_widget_page_is_static_html_framed_only_by_the_allowed_origins()
    {
        var (merchant, token, _) = await TokenAsync();
        await PageviewAsync(merchant.Site.Domain, "/hats", 1);
        await _app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.VisitorsOnline == 1);

        using var response = await _app.CreateClient().GetAsync($"/widget/visitors?token={token}&theme=dark");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'self' https://shop.example.com https://*.example.org;", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("class=\"theme-dark\"", html);
        Assert.DoesNotContain("blazor", html, StringComparison.OrdinalIgnoreCase);   // no circuit per viewer
        Assert.Equal(1, StateOf(html).GetProperty("visitors").GetInt32());
    }

    [Fact]
    public async Task Page_viewers_count_those_on_the_page_and_visitor_text_stays_inert()
    {
        var (merchant, token, _) = await TokenAsync();
        await PageviewAsync(merchant.Site.Domain, "/hats", 1);
        await PageviewAsync(merchant.Site.Domain, "/hats", 2);
        await PageviewAsync(merchant.Site.Domain, "/shoes", 3);
        const string hostile = "</script><img src=x onerror=alert(1)>";
        using (var custom = await _app.CreateClient().SendAsync(TestData.Beacon(
            $$"""{"n":"{{hostile}}","u":"https://{{merchant.Site.Domain}}/cart","d":"{{merchant.Site.Domain}}"}""", TestData.Browser(4))))
            Assert.Equal(HttpStatusCode.Accepted, custom.StatusCode);
        await _app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.VisitorsOnline == 4);

        var client = _app.CreateClient();
        var html = await client.GetStringAsync($"/widget/page-viewers?token={token}&page={Uri.EscapeDataString("https://shop.example.com/hats?color=red")}");
        var state = StateOf(html);
        Assert.Equal(2, state.GetProperty("viewers").GetInt32());
        Assert.Equal("/hats", state.GetProperty("page").GetString());

        html = await client.GetStringAsync($"/widget/feed?token={token}");
        Assert.DoesNotContain("<img", html);
        var items = StateOf(html).GetProperty("items");
        Assert.Equal(4, items.GetArrayLength());
        var first = items[0];
        Assert.Equal(["time", "name", "page"], first.EnumerateObject().Select(p => p.Name).Take(3));
        Assert.False(first.TryGetProperty("visitor_id", out _));   // nothing that identifies a visitor
        Assert.Contains(items.EnumerateArray(), i => i.GetProperty("name").GetString() == hostile);   // kept as data, not markup
    }

    [Fact]
    public async Task Recent_events_count_one_custom_event_without_its_revenue_and_the_label_stays_text()
    {
        var (merchant, token, _) = await TokenAsync();
        async Task SendAsync(string name, int browser)
        {
            using var r = await _app.CreateClient().SendAsync(TestData.Beacon(
                $$$"""{"n":"{{{name}}}","u":"https://{{{merchant.Site.Domain}}}/checkout","d":"{{{merchant.Site.Domain}}}","$":{"amount":120,"currency":"EUR"}}""", TestData.Browser(browser)));
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        }
        await SendAsync("Purchase", 1);
        await SendAsync("Purchase", 2);
        await SendAsync("Signup", 3);
        // More than the live view's top ten names: the widget counts its own event however rare.
        for (var i = 0; i < 11; i++) await SendAsync($"Click {i}", 4);
        await SendAsync("Click 0", 5);
        await _app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 15);

        var client = _app.CreateClient();
        var html = await client.GetStringAsync($"/widget/recent-events?token={token}&event=Purchase&label={Uri.EscapeDataString("<b>orders</b>")}");
        var state = StateOf(html);
        Assert.Equal(2, state.GetProperty("events").GetInt32());
        Assert.Equal("Purchase", state.GetProperty("event").GetString());
        Assert.Equal(30, state.GetProperty("window_minutes").GetInt32());
        Assert.DoesNotContain("120", state.GetRawText());   // counts, never takings
        Assert.Contains("data-label=\"&lt;b&gt;orders&lt;/b&gt;\"", html);
        Assert.Equal(1, StateOf(await client.GetStringAsync($"/widget/recent-events?token={token}&event=Click%2010")).GetProperty("events").GetInt32());
        Assert.Equal(0, StateOf(await client.GetStringAsync($"/widget/recent-events?token={token}&event=Refund")).GetProperty("events").GetInt32());
        // Only the events the token names: a visitor who edits the address learns nothing else.
        using (var other = await client.GetAsync($"/widget/recent-events?token={token}&event=Signup"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
            var message = await other.Content.ReadAsStringAsync();
            Assert.Contains("does not count 'Signup'", message);
            Assert.DoesNotContain("Purchase", message);
        }
        Assert.Single(await Tokens.ListAsync(merchant.User.Id, merchant.Site.Id), t => t.Events.SequenceEqual(["Purchase", "Click 10", "Refund"]));

        var embed = new EmbedCode("https://stats.example/", token, WidgetKind.RecentEvents, "light", null, 260, 110, " Purchase ", "orders");
        Assert.Equal($"https://stats.example/widget/recent-events?token={token}&theme=light&event=Purchase&label=orders", embed.Url);
    }

    [Theory]
    [InlineData("Purchase, Signup ,Purchase", null)]
    [InlineData("", "Name the custom events")]
    [InlineData(" , ", "Name the custom events")]
    [InlineData("Purchase,Pur\u0000chase", "is not an event's name")]
    public void A_tokens_events_are_names_separated_by_commas(string text, string? error)
    {
        var (events, message) = WidgetRequest.ParseEvents(text);
        if (error is null) Assert.Equal(["Purchase", "Signup"], events);
        else Assert.Contains(error, message);
        Assert.Contains("at most 20", WidgetRequest.ParseEvents(string.Join(",", Enumerable.Range(0, 21).Select(i => $"E{i}"))).Error);
    }

    [Theory]
    [InlineData("/widget/recent-events?token={token}", HttpStatusCode.BadRequest, "'event' is required")]
    [InlineData("/widget/recent-events?token={token}&event=Pur%00chase", HttpStatusCode.BadRequest, "'event' must be")]
    [InlineData("/widget/recent-events?token={token}&event=Purchase&label=orders%0Anow", HttpStatusCode.BadRequest, "'label' must be")]
    [InlineData("/widget/visitors?token=lw_nope", HttpStatusCode.Unauthorized, "unknown or was revoked")]
    [InlineData("/widget/visitors", HttpStatusCode.Unauthorized, "'token' is required")]
    [InlineData("/widget/visitors?token={token}&theme=neon", HttpStatusCode.BadRequest, "'theme' must be one of")]
    [InlineData("/widget/page-viewers?token={token}", HttpStatusCode.BadRequest, "'page' is required")]
    [InlineData("/widget/page-viewers?token={token}&page=javascript:alert(1)", HttpStatusCode.BadRequest, "'page' must be a path")]
    [InlineData("/widget/top-pages?token={token}", HttpStatusCode.Forbidden, "does not allow the 'top-pages' widget")]
    [InlineData("/widget/secrets?token={token}", HttpStatusCode.NotFound, "There is no widget")]
    [InlineData("/widget/visitors/stream?token=lw_nope", HttpStatusCode.Unauthorized, "unknown or was revoked")]
    public async Task Bad_requests_get_a_clear_4xx(string url, HttpStatusCode status, string message)
    {
        var (_, token, _) = await TokenAsync(WidgetKind.Visitors, WidgetKind.PageViewers);
        using var response = await _app.CreateClient().GetAsync(url.Replace("{token}", token));
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_stream_pushes_updates_and_ends_when_the_token_is_revoked()
    {
        var (merchant, token, tokenId) = await TokenAsync();
        await using var stream = await SseClient.OpenAsync(_app.CreateClient(), $"/widget/visitors/stream?token={token}");
        Assert.Equal(0, (await stream.NextAsync("update")).Json.GetProperty("visitors").GetInt32());
        await PageviewAsync(merchant.Site.Domain, "/", 1);
        await PageviewAsync(merchant.Site.Domain, "/", 2);
        await stream.NextAsync("update", f => f.Json.GetProperty("visitors").GetInt32() == 2);
        Assert.Equal(1, _app.Get<WidgetHub>().Viewers);

        Assert.True(await Tokens.RevokeAsync(merchant.User.Id, tokenId));
        SseFrame? frame;
        while ((frame = await stream.NextAsync(TimeSpan.FromSeconds(10))) is not null) { }   // the server ends the stream
        using var again = await _app.CreateClient().GetAsync($"/widget/visitors?token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }
}
