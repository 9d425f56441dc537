using System.Globalization;

namespace LiveAnalytics.Live.Streaming;

/// <summary>
/// A Redis stream id ("1732780800000-3"), or an event's id within one: the resume point clients send
/// back as Last-Event-ID. A stream entry carries up to <see cref="EventsPerEntry"/> events, so event i
/// of entry ms-s is ms-(s × 1024 + i): ids stay in stream order and each names one event.
/// </summary>
public readonly record struct StreamId(long Milliseconds, long Sequence) : IComparable<StreamId>
{
    public const int EventsPerEntry = 1024;

    /// <summary>The id of the <paramref name="index"/>th event of an entry.</summary>
    public static StreamId OfEvent(StreamId entry, int index) => new(entry.Milliseconds, entry.Sequence * EventsPerEntry + index);

    /// <summary>For an event id: the entry holding that event and the event's place in it.</summary>
    public (StreamId Entry, int Index) Entry => (new StreamId(Milliseconds, Sequence / EventsPerEntry), (int)(Sequence % EventsPerEntry));

    public static bool TryParse(string? s, out StreamId id)
    {
        id = default;
        var dash = s?.IndexOf('-') ?? -1;
        if (s is null || s.Length > 41 || dash <= 0) return false;
        if (!long.TryParse(s.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(s.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return false;
        id = new StreamId(ms, seq);
        return true;
    }

    public int CompareTo(StreamId other) =>
        Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
