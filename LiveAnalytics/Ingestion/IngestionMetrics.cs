using System.Diagnostics.Metrics;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// What the ingestion endpoints did with what they received, and how much waits to be stored. Tagged by
/// endpoint and outcome only: a tag per site would grow without bound and tell every scraper who is busy.
/// </summary>
public sealed class IngestionMetrics
{
    private static readonly KeyValuePair<string, object?> BeaconTag = new("endpoint", "beacon"), BatchTag = new("endpoint", "batch");
    private readonly Counter<long> _received;

    public IngestionMetrics(IMeterFactory meters, BacklogMonitor backlog)
    {
        var meter = AppMeter.Create(meters);
        _received = meter.CreateCounter<long>("liveanalytics.events.received", "{event}",
            "Beacons and batch items received, by endpoint and outcome: accepted, bot, excluded, invalid, " +
            "unknown_site, forbidden (an API key without the site), rate_limited, or refused (503: not made durable).");
        meter.CreateObservableGauge("liveanalytics.stream.backlog", () => backlog.Backlog, "{event}",
            "Events acknowledged but not yet stored in PostgreSQL, as last measured; new events are refused at the high-water mark.");
    }

    /// <summary>Counts one beacon and hands its answer through.</summary>
    public IResult Beacon(string outcome, IResult answer)
    {
        _received.Add(1, BeaconTag, new("outcome", outcome));
        return answer;
    }

    public void BatchItems(string outcome, int count)
    {
        if (count > 0) _received.Add(count, BatchTag, new("outcome", outcome));
    }
}

/// <summary>The <c>outcome</c> tag's values.</summary>
public static class Outcomes
{
    public const string Accepted = "accepted", Bot = "bot", Excluded = "excluded", Invalid = "invalid", UnknownSite = "unknown_site",
        Forbidden = "forbidden", RateLimited = "rate_limited", Refused = "refused";
}
