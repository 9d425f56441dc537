using System.Globalization;

namespace LiveAnalytics.Live.Streaming;

/// <summary>A Redis stream id ("1732780800000-3"): the resume point clients send back as Last-Event-ID.</summary>
public readonly record struct StreamId(long Milliseconds, long Sequence) : IComparable<StreamId>
{
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
