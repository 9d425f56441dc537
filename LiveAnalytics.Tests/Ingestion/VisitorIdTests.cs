using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class VisitorIdTests
{
    private static readonly byte[] Salt = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] OtherSalt = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Is_stable_for_the_same_inputs() =>
        Assert.Equal(VisitorId.Compute(Salt, 1, "203.0.113.7", "UA"), VisitorId.Compute(Salt, 1, "203.0.113.7", "UA"));

    [Fact]
    public void Differs_by_salt_site_ip_and_user_agent()
    {
        var ids = new[]
        {
            VisitorId.Compute(Salt, 1, "203.0.113.7", "UA"),
            VisitorId.Compute(OtherSalt, 1, "203.0.113.7", "UA"),
            VisitorId.Compute(Salt, 2, "203.0.113.7", "UA"),
            VisitorId.Compute(Salt, 1, "203.0.113.8", "UA"),
            VisitorId.Compute(Salt, 1, "203.0.113.7", "UA2"),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void Cannot_be_confused_by_moving_characters_between_ip_and_user_agent() =>
        Assert.NotEqual(VisitorId.Compute(Salt, 1, "1.2.3.4", "5 UA"), VisitorId.Compute(Salt, 1, "1.2.3.45", " UA"));
}
