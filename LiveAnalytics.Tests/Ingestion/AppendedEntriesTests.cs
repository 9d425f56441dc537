using LiveAnalytics.Ingestion;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class AppendedEntriesTests
{
    private static readonly TrackedEvent[] One = [TestData.Event(1, DateTimeOffset.UnixEpoch, 1)];

    [Fact]
    public void An_entry_is_taken_once_and_entries_the_feed_passed_are_forgotten()
    {
        var entries = new AppendedEntries();
        entries.Add(new StreamId(10, 0), One);
        entries.Add(new StreamId(10, 1), One);
        entries.Add(new StreamId(11, 0), One);

        Assert.True(entries.TryTake(new StreamId(10, 0), out var taken));
        Assert.Same(One, taken);
        Assert.False(entries.TryTake(new StreamId(10, 0), out _));

        entries.ForgetUpTo(new StreamId(10, 5));
        Assert.False(entries.TryTake(new StreamId(10, 1), out _));
        Assert.True(entries.TryTake(new StreamId(11, 0), out _));
        Assert.Equal(0, entries.Count);
    }

    [Fact]
    public void It_stays_bounded_when_nothing_takes_from_it()
    {
        var entries = new AppendedEntries();
        for (var i = 0; i < 10_000; i++) entries.Add(new StreamId(i, 0), One);
        Assert.InRange(entries.Count, 1, 512);
    }
}
