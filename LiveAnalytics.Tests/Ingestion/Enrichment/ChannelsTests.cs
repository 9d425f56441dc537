using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

/// <summary>GA4's default channel groups, from the real referrer list the build copies next to the app.</summary>
public sealed class ChannelsTests
{
    private static readonly Enricher Enricher = new(Options.Create(new EnrichmentOptions()),
        new GeoLookup(Options.Create(new EnrichmentOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeoLookup>.Instance), []);

    [Theory]
    [InlineData("https://shop.example/", null, "Direct")]
    [InlineData("https://shop.example/cart", "https://shop.example/", null)]   // a page of the visit, not its start
    [InlineData("https://shop.example/", "https://www.google.com/search?q=hat", "Organic Search")]
    [InlineData("https://shop.example/", "https://duckduckgo.com/", "Organic Search")]
    [InlineData("https://shop.example/?utm_source=newsletter&utm_medium=organic", null, "Organic Search")]
    [InlineData("https://shop.example/", "https://www.facebook.com/", "Organic Social")]
    [InlineData("https://shop.example/", "https://news.ycombinator.com/item?id=1", "Organic Social")]
    [InlineData("https://shop.example/?utm_source=ig&utm_medium=story", null, "Organic Social")]
    [InlineData("https://shop.example/", "https://www.youtube.com/watch?v=1", "Organic Video")]
    [InlineData("https://shop.example/", "https://www.amazon.de/dp/1", "Organic Shopping")]
    [InlineData("https://shop.example/?utm_source=partner&utm_campaign=winter-shopping", null, "Organic Shopping")]
    [InlineData("https://shop.example/?utm_source=partner&utm_campaign=eshop-launch", null, "Organic Shopping")]
    [InlineData("https://shop.example/?utm_source=partner&utm_campaign=workshop", null, "Unassigned")]
    [InlineData("https://shop.example/?gclid=abc", "https://www.google.com/", "Paid Search")]
    [InlineData("https://shop.example/?msclkid=abc", null, "Paid Search")]
    [InlineData("https://shop.example/?utm_source=google&utm_medium=cpc", null, "Paid Search")]
    [InlineData("https://shop.example/?utm_source=Bing&utm_medium=paid_search", null, "Paid Search")]
    [InlineData("https://shop.example/?utm_source=fb&utm_medium=paid-social", null, "Paid Social")]
    [InlineData("https://shop.example/?utm_source=facebook.com&utm_medium=cpc", null, "Paid Social")]
    [InlineData("https://shop.example/?ttclid=abc", null, "Paid Social")]
    [InlineData("https://shop.example/?utm_source=youtube&utm_medium=cpv", null, "Paid Video")]
    [InlineData("https://shop.example/?utm_source=amazon&utm_medium=ppc", null, "Paid Shopping")]
    [InlineData("https://shop.example/?utm_source=spring&utm_medium=cpc", null, "Paid Other")]
    [InlineData("https://shop.example/?utm_source=spring&utm_medium=cpm", null, "Display")]
    [InlineData("https://shop.example/?utm_source=network&utm_medium=banner", null, "Display")]
    [InlineData("https://shop.example/?dclid=abc", null, "Display")]
    [InlineData("https://shop.example/?utm_source=pmax&utm_medium=cpc&utm_campaign=Cross-Network%20Q4", null, "Cross-network")]
    [InlineData("https://shop.example/", "https://mail.google.com/mail/u/0/", "Email")]
    [InlineData("https://shop.example/?utm_source=weekly&utm_medium=newsletter", null, "Email")]
    [InlineData("https://shop.example/?utm_source=spring-newsletter&utm_medium=blast", null, "Email")]
    [InlineData("https://shop.example/", "https://someblog.example/post", "Referral")]
    [InlineData("https://shop.example/?utm_source=partner&utm_medium=referral", null, "Referral")]
    [InlineData("https://shop.example/?utm_source=partner&utm_medium=affiliate", null, "Affiliates")]
    [InlineData("https://shop.example/?utm_source=show&utm_medium=podcast", null, "Audio")]
    [InlineData("https://shop.example/?utm_source=sms&utm_medium=text", null, "SMS")]
    [InlineData("https://shop.example/?utm_source=app&utm_medium=web-push", null, "Mobile Push Notifications")]
    [InlineData("https://shop.example/?utm_source=flyer&utm_medium=qr", null, "Unassigned")]
    public void Names_the_channel_by_GA4s_default_groups(string page, string? referrer, string? channel)
    {
        var a = Enricher.Attribute(new Uri(page), referrer is null ? null : new Uri(referrer));
        Assert.Equal(channel, a.Channel);
        Assert.True(channel is null || Channels.All.Contains(channel));
    }

    [Theory]
    [InlineData("paid", "TikTok", "https://www.tiktok.com/", null, null, "Paid Social")]       // a click id's: kept as paid, not which
    [InlineData("paid", "spring", null, "spring", "banner", "Display")]
    [InlineData("referral", "someblog.example", "https://someblog.example/post", null, null, "Referral")]
    [InlineData("search", "Google", "https://shop.example/", null, "organic", "Organic Search")]   // tagged link inside the store
    [InlineData(null, null, "https://shop.example/", null, null, null)]
    public void Works_out_a_stored_visit_starts_channel(string? medium, string? source, string? referrer, string? utmSource, string? utmMedium, string? channel) =>
        Assert.Equal(channel, Channels.OfStored(medium, source, referrer, "shop.example", utmMedium, utmSource, null, Enricher.Referrers));
}
