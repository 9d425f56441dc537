using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class SiteExclusionsTests
{
    private readonly SiteExclusions _rules = new(["203.0.113.0/24", "2001:db8::1"], ["/admin/*", "/preview"]);

    [Theory]
    [InlineData("203.0.113.77", "/", true)]
    [InlineData("::ffff:203.0.113.77", "/", true)]
    [InlineData("2001:db8::1", "/", true)]
    [InlineData("198.51.100.1", "/admin/orders/7", true)]
    [InlineData("198.51.100.1", "/preview", true)]
    [InlineData("198.51.100.1", "/preview/other", false)]
    [InlineData("198.51.100.1", "/products/admin", false)]
    [InlineData("", "/", false)]
    public void Matches_ip_ranges_and_path_patterns(string ip, string path, bool excluded) =>
        Assert.Equal(excluded, _rules.Excludes(ip, path));
}
