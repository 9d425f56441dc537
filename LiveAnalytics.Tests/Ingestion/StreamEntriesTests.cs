using System.Text;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Tests.Infrastructure;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class StreamEntriesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Lines(IReadOnlyList<TrackedEvent> events, bool compress = false)
    {
        using var packed = StreamEntries.Pack(events, compress);
        return packed.WrittenSpan.ToArray();
    }

    private static StreamEntries.Fields Packed(byte[] blob, string? sessions = null) =>
        StreamEntries.Of([StreamEntries.Batch, blob, .. sessions is null ? Array.Empty<RedisValue>() : [StreamEntries.Sessions, sessions], StreamEntries.Node, "node-a"]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Many_events_travel_in_one_entry_with_the_sessions_settled_for_each(bool compressed)
    {
        var events = Enumerable.Range(1, 3).Select(i => TestData.Event(7, At, visitor: i, $"/p{i}\nwith a newline")).ToArray();
        var fields = Packed(Lines(events, compressed), "11 101 -12 102 13 103");

        var read = new List<(int Index, TrackedEvent Event)>();
        Assert.Equal(0, StreamEntries.Unpack(fields, read));
        Assert.Equal(3, StreamEntries.Count(fields));

        Assert.Equal([0, 1, 2], read.Select(r => r.Index));
        Assert.Equal(events.Select(e => e.Pathname), read.Select(r => r.Event.Pathname));
        Assert.Equal([11L, -12L, 13L], read.Select(r => r.Event.VisitorId));
        Assert.Equal([101L, 102L, 103L], read.Select(r => r.Event.SessionId));
        Assert.Equal("node-a", (string?)fields.Node);
        Assert.False(fields.IsStored);
    }

    [Fact]
    public void An_unreadable_event_costs_only_itself_and_the_others_keep_their_places()
    {
        var good = Encoding.UTF8.GetString(Lines([TestData.Event(7, At, 1, "/a"), TestData.Event(7, At, 2, "/c")])).Split('\n');
        var blob = Encoding.UTF8.GetBytes($"{good[0]}\n{{\"name\":null}}\n{good[1]}");

        var read = new List<(int Index, TrackedEvent Event)>();
        Assert.Equal(1, StreamEntries.Unpack(Packed(blob), read));
        Assert.Equal([(0, "/a"), (2, "/c")], read.Select(r => (r.Index, r.Event.Pathname)));
    }

    [Fact]
    public void Sessions_that_do_not_match_the_events_make_the_entry_unreadable()
    {
        var blob = Lines([TestData.Event(7, At, 1), TestData.Event(7, At, 2)]);
        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(Packed(blob, "1 1"), []));
        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(Packed(blob, "1 1 2 2 3 3"), []));
        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(StreamEntries.Of(["other", "x"]), []));
    }

    [Fact]
    public void A_busy_sites_entry_is_compressed_to_a_fraction_and_a_damaged_one_is_unreadable()
    {
        // A group commit of a busy store: similar events of many visitors.
        var events = Enumerable.Range(0, 18).Select(i => TestData.Event(7, At.AddMilliseconds(i), visitor: 1000 + i, $"/products/item-{i % 5}") with
        {
            Referrer = "https://www.google.com/", Source = "Google", Medium = "search", Browser = "Chrome", BrowserVersion = "131.0",
            Os = "Windows", OsVersion = "10", Device = "desktop", Country = "DE",
        }).ToArray();
        var plain = Lines(events);
        var compressed = Lines(events, compress: true);
        Assert.True(compressed.Length * 4 < plain.Length, $"{compressed.Length} bytes compressed of {plain.Length}");
        var read = new List<(int Index, TrackedEvent Event)>();
        StreamEntries.Unpack(Packed(compressed), read);
        Assert.Equal(events, read.Select(r => r.Event));

        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(Packed(compressed[..^4]), []));   // cut short
        var wrongLength = compressed.ToArray();
        wrongLength[8] = 0x7F;   // the lines' length says 2 GB
        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(Packed(wrongLength), []));
        Assert.Throws<InvalidDataException>(() => StreamEntries.Unpack(Packed(compressed[..5]), []));
    }

    [Fact]
    public void A_single_event_entry_is_still_read()
    {
        var e = TestData.Event(7, At, 1, "/old");
        var read = new List<(int Index, TrackedEvent Event)>();
        StreamEntries.Unpack(StreamEntries.Of([StreamEntries.Single, StreamEntries.Encode(e), "v", "42", "s", "43"]), read);
        Assert.Equal((0, "/old", 42L, 43L), (read[0].Index, read[0].Event.Pathname, read[0].Event.VisitorId, read[0].Event.SessionId));
    }

    [Fact]
    public void Event_ids_name_each_event_of_an_entry_in_stream_order()
    {
        var entry = new StreamId(1732780800000, 3);
        var ids = Enumerable.Range(0, StreamEntries.MaxEvents).Select(i => StreamId.OfEvent(entry, i)).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.True(ids[^1] < StreamId.OfEvent(new StreamId(1732780800000, 4), 0));
        Assert.True(ids[^1] < StreamId.OfEvent(new StreamId(1732780800001, 0), 0));
        Assert.Equal((entry, StreamEntries.MaxEvents - 1), ids[^1].Entry);
        Assert.Equal("1732780800000-3072", ids[0].ToString());
        Assert.True(StreamEntries.MaxEvents <= StreamId.EventsPerEntry);
    }
}
