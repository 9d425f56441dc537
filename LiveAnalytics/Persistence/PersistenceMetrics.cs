using System.Diagnostics.Metrics;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Persistence;

/// <summary>What reached PostgreSQL, and what was set aside instead (see <see cref="SetAside"/>).</summary>
public sealed class PersistenceMetrics
{
    private static readonly KeyValuePair<string, object?> Rejected = new("table", "rejected_events"), Unreadable = new("table", "unreadable_entries");
    private readonly Counter<long> _stored, _setAside;

    public PersistenceMetrics(IMeterFactory meters)
    {
        var meter = AppMeter.Create(meters);
        _stored = meter.CreateCounter<long>("liveanalytics.events.stored", "{event}",
            "Events written to PostgreSQL by this node (redeliveries of stored events are not counted again).");
        _setAside = meter.CreateCounter<long>("liveanalytics.events.set_aside", "{event}",
            "Events PostgreSQL refused (rejected_events) and stream entries nobody could read (unreadable_entries), kept for an operator.");
    }

    public void Stored(int count)
    {
        if (count > 0) _stored.Add(count);
    }

    public void RejectedEvent() => _setAside.Add(1, Rejected);

    public void UnreadableEntries(int count)
    {
        if (count > 0) _setAside.Add(count, Unreadable);
    }
}
