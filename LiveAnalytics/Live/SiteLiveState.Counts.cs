namespace LiveAnalytics.Live;

// The counters a site's live state keeps: custom events with their revenue, and visitors per value.
internal sealed partial class SiteLiveState
{
    /// <summary>How many of one custom event, and the revenue they carried in each currency.</summary>
    private sealed class EventTotal
    {
        public int Events;
        private Dictionary<string, decimal>? _revenue;

        public void Add(decimal? amount, string? currency)
        {
            Events++;
            if (amount is not { } a) return;
            _revenue ??= new(StringComparer.Ordinal);
            _revenue[currency ?? ""] = _revenue.GetValueOrDefault(currency ?? "") + a;
        }

        public void Add(EventTotal other)
        {
            Events += other.Events;
            if (other._revenue is null) return;
            _revenue ??= new(StringComparer.Ordinal);
            foreach (var (currency, amount) in other._revenue) _revenue[currency] = _revenue.GetValueOrDefault(currency) + amount;
        }

        public Money[] Revenue() => _revenue is null ? []
            : _revenue.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new Money(r.Value, r.Key == "" ? null : r.Key)).ToArray();
    }

    /// <summary>Visitors per value; values at zero are dropped so the tally stays as small as what is live.</summary>
    private sealed class Tally
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public void Add(string value, int delta)
        {
            var n = _counts.GetValueOrDefault(value) + delta;
            if (n <= 0) _counts.Remove(value);
            else _counts[value] = n;
        }

        public int Of(string value) => _counts.GetValueOrDefault(value);

        public RankedCount[] Top(int size = LiveSnapshot.TopSize) => _counts
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(size).Select(c => new RankedCount(c.Key, c.Value)).ToArray();
    }
}
