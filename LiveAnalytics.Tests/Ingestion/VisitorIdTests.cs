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

    [Fact]
    public void Is_keyed_blake3_of_the_site_ip_and_user_agent_cut_to_64_bits()
    {
        using var fresh = Blake3.Hasher.NewKeyed(Salt);
        fresh.Update(new byte[] { 0, 0, 0, 0, 0, 0, 0, 7 });
        fresh.Update("203.0.113.7\nUA"u8);
        var hash = new byte[8];
        fresh.Finalize(hash);
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash), VisitorId.Compute(Salt, 7, "203.0.113.7", "UA"));
    }

    [Fact]
    public void Switching_salts_and_threads_gives_the_same_ids()
    {
        var first = VisitorId.Compute(Salt, 1, "203.0.113.7", "UA");
        var other = VisitorId.Compute(OtherSalt, 1, "203.0.113.7", "UA");
        // The same salt in another array (another node's cache, a reload): the same id.
        Assert.Equal(first, VisitorId.Compute(Salt.ToArray(), 1, "203.0.113.7", "UA"));
        Assert.Equal(other, VisitorId.Compute(OtherSalt, 1, "203.0.113.7", "UA"));
        var parallel = new long[200];
        Parallel.For(0, parallel.Length, i => parallel[i] = VisitorId.Compute(i % 2 == 0 ? Salt : OtherSalt, 1, "203.0.113.7", "UA"));
        Assert.All(parallel.Where((_, i) => i % 2 == 0), id => Assert.Equal(first, id));
        Assert.All(parallel.Where((_, i) => i % 2 == 1), id => Assert.Equal(other, id));
    }

    [Fact]
    public void Refuses_a_salt_that_is_not_32_bytes() =>
        Assert.Throws<ArgumentException>(() => VisitorId.Compute(new byte[16], 1, "203.0.113.7", "UA"));
}
