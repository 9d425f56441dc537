using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class EventIdsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void Are_version_7_with_the_rfc_variant()
    {
        var id = EventIds.NewVersion7(At);
        Assert.Equal(7, id.Version);
        Assert.Equal(0b1000, id.Variant & 0b1100);
    }

    [Fact]
    public void Carry_the_millisecond_in_the_first_48_bits_like_the_framework()
    {
        var ours = EventIds.NewVersion7(At).ToString("N")[..12];
        var framework = Guid.CreateVersion7(At).ToString("N")[..12];
        Assert.Equal(framework, ours);
        Assert.Equal(At.ToUnixTimeMilliseconds(), Convert.ToInt64(ours, 16));
    }

    [Fact]
    public void Sort_by_time_and_do_not_repeat()
    {
        var earlier = EventIds.NewVersion7(At);
        var later = EventIds.NewVersion7(At.AddMilliseconds(1));
        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
        var many = Enumerable.Range(0, 100_000).Select(_ => EventIds.NewVersion7(At)).ToHashSet();
        Assert.Equal(100_000, many.Count);
    }

    [Fact]
    public void Of_a_client_are_the_same_on_every_node_and_differ_by_site()
    {
        var client = Guid.CreateVersion7(At);
        var stored = EventIds.ForSite(client, 17);
        Assert.Equal(stored, EventIds.ForSite(client, 17));
        Assert.NotEqual(stored, EventIds.ForSite(client, 18));
        Assert.NotEqual(client, stored);
        // The client's millisecond and version stay, so its ids follow time in the index like ours.
        Assert.Equal(client.ToString("N")[..16], stored.ToString("N")[..16]);
        Assert.Equal(0b1000, stored.Variant & 0b1100);
    }

    [Fact]
    public void Of_a_client_stay_distinct_within_a_site()
    {
        var clients = Enumerable.Range(0, 100_000).Select(_ => Guid.CreateVersion7(At)).ToList();
        Assert.Equal(100_000, clients.Select(c => EventIds.ForSite(c, 42)).ToHashSet().Count);
        // Ids that differ in one bit of their random tail too.
        var one = Guid.CreateVersion7(At).ToByteArray(bigEndian: true);
        var twin = (byte[])one.Clone();
        twin[15] ^= 1;
        Assert.NotEqual(EventIds.ForSite(new Guid(one, bigEndian: true), 42), EventIds.ForSite(new Guid(twin, bigEndian: true), 42));
    }
}
