using LiveAnalytics.Ingestion.Enrichment;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using Npgsql;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Turns a validated payload into enriched events, one per named site, and appends them to the
/// stream. Bots and excluded visitors are dropped here, before anything is stored.
/// </summary>
public sealed partial class IngestionService(
    SiteDirectory sites, VisitorSalts salts, Enricher enricher, EventStream stream, StreamAppender appender, EventWriter writer,
    RateLimits limits, TimeProvider time, ILogger<IngestionService> logger)
{
    /// <exception cref="StreamUnavailableException">The events could not be made durable.</exception>
    public async Task<IngestResult> IngestAsync(EventPayload payload, EventOrigin origin, CancellationToken ct = default)
    {
        var (result, events) = await PrepareAsync(payload, origin, ct);
        await appender.AppendAsync(events);
        return result;
    }

    /// <summary>
    /// For large server-side batches: settles sessions in Redis, COPYs the events into Postgres (durable
    /// on commit), then puts the recent ones on the stream for the live views only. A batch then costs
    /// Postgres one COPY and the persist group nothing, instead of queueing behind the beacons' backlog.
    /// With Postgres away the events go on the stream unstored, as beacons do, and wait there.
    /// </summary>
    /// <exception cref="StreamUnavailableException">Neither Postgres nor Redis could make them durable.</exception>
    public async Task StoreAsync(IReadOnlyList<PendingEvent> events)
    {
        var now = time.GetUtcNow();
        var settled = await stream.SettleAsync(events);
        try
        {
            // Not the request's token: once started, a COPY commits or rolls back whole, never half-acknowledged.
            await writer.WriteAsync(settled.Where(e => !e.IsLeave).ToArray(), mayBeRedelivered: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogStoreFailed(ex, settled.Length);
            await stream.AppendSettledAsync(settled, stored: false);
            return;
        }
        // A backfill's events, older than the live views' longest window, would show in none of them (only
        // as stale lines in the live feed): they stay off the stream, which spares Redis holding them for
        // that window and every node's feed reading them. An import of days of history at full speed would
        // otherwise keep gigabytes in Redis.
        var live = Array.FindAll(settled, e => LiveSnapshot.IsLive(e, now));
        if (live.Length == 0) return;
        try
        {
            await stream.AppendSettledAsync(live, stored: true);
        }
        catch (StreamUnavailableException ex)
        {
            // Stored and acknowledged; only the live views miss these.
            LogLiveAppendFailed(ex, live.Length);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Storing a batch of {Count} events in Postgres failed; it goes through the stream instead")]
    private partial void LogStoreFailed(Exception ex, int count);

    [LoggerMessage(LogLevel.Warning, "A stored batch of {Count} events could not be put on the stream; live views miss it")]
    private partial void LogLiveAppendFailed(Exception ex, int count);

    /// <summary>Validates against the sites and enriches, without touching the stream: callers append many at once.</summary>
    /// <remarks>A ValueTask: with the site and the salt cached it completes at once, and a batch calls it for every item.</remarks>
    public async ValueTask<(IngestResult Result, IReadOnlyList<PendingEvent> Events)> PrepareAsync(
        EventPayload payload, EventOrigin origin, CancellationToken ct = default)
    {
        var (clientIp, userAgent) = (origin.ClientIp, origin.UserAgent);
        var now = time.GetUtcNow();
        var routes = new List<SiteRoute>(payload.Domains.Count);
        foreach (var domain in payload.Domains)
        {
            if (await sites.FindAsync(domain, ct) is not { } route) return (IngestResult.UnknownDomain(domain), []);
            if (!limits.AllowSite(route.Id)) return (IngestResult.RateLimited(domain), []);
            if (origin.Timestamp is { } stamped && route.KeepEventsDays is { } days && stamped < EventRetention.Cutoff(now, days))
                return (IngestResult.Refused("timestamp", $"'timestamp' is older than site '{domain}' keeps its raw events ({days} days)."), []);
            if (payload.RevenueCurrency is { } currency && route.RevenueCurrency is { } siteCurrency && currency != siteCurrency)
                return (IngestResult.Refused("revenue", $"Site '{domain}' takes revenue in {siteCurrency} only (its settings), not {currency}."), []);
            routes.Add(route);
        }
        // A server-side source (an order webhook) may have no browser behind it: no agent, no bot verdict.
        ClientInfo? client = null;
        if (!(origin.ServerSide && userAgent.Length == 0) && (client = enricher.Client(userAgent)) is null)
            return (IngestResult.Dropped(Outcomes.Bot), []);

        // A store that routes by the fragment (#/products/hat) has its pages there.
        var path = payload.HashRouting && payload.Url.Fragment.Length > 1 ? payload.Url.AbsolutePath + payload.Url.Fragment : payload.Url.AbsolutePath;
        for (var i = routes.Count - 1; i >= 0; i--)
            if (routes[i].Exclusions.Excludes(clientIp, path)) routes.RemoveAt(i);
        if (routes.Count == 0) return (IngestResult.Dropped(Outcomes.Excluded), []);

        // Stamped further back than a visit lasts: history (or a late webhook), settled by its own time and under its own day's salt.
        var importedAt = origin.Timestamp is { } at && at < now - stream.SessionTimeout ? origin.Timestamp : null;
        var (salt, earlierSalts) = await salts.ForEventAsync(now, importedAt, stream.SessionTimeout, ct);
        var attribution = enricher.Attribute(payload.Url, payload.Referrer);
        var place = enricher.Locate(clientIp);
        var hostname = Attribution.StripWww(payload.Url.Host);

        var events = new List<PendingEvent>(routes.Count);
        foreach (var route in routes)
        {
            events.Add(new PendingEvent(new TrackedEvent
            {
                Id = payload.Id is { } named ? EventIds.ForSite(named, route.Id) : origin.EventId ?? EventIds.NewVersion7(now), SiteId = route.Id, Timestamp = origin.Timestamp ?? now,
                Name = payload.Name, Hostname = hostname, Pathname = path,
                VisitorId = VisitorId.Compute(salt, route.Id, clientIp, userAgent), SessionId = 0,
                Referrer = payload.Referrer?.ToString(), Source = attribution.Source, Medium = attribution.Medium,
                Channel = attribution.Channel,
                UtmSource = attribution.UtmSource, UtmMedium = attribution.UtmMedium, UtmCampaign = attribution.UtmCampaign,
                UtmContent = attribution.UtmContent, UtmTerm = attribution.UtmTerm,
                Browser = client?.Browser, BrowserVersion = client?.BrowserVersion, Os = client?.Os, OsVersion = client?.OsVersion,
                Device = client?.Device, Country = place.Country, Region = place.Region, City = place.City,
                Props = payload.Props, RevenueAmount = payload.RevenueAmount, RevenueCurrency = payload.RevenueCurrency,
                Engagement = payload.Engagement,
            }, EarlierIds(earlierSalts, route.Id, clientIp, userAgent), importedAt is not null));
        }
        return (IngestResult.Accepted, events);
    }

    private static long[]? EarlierIds(byte[][] salts, long siteId, string clientIp, string userAgent)
    {
        if (salts.Length == 0) return null;
        var ids = new long[salts.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = VisitorId.Compute(salts[i], siteId, clientIp, userAgent);
        return ids;
    }
}

/// <summary>Who sent an event, as far as the server can tell; never stored as such.</summary>
/// <param name="Timestamp">When it happened, for server-side sources; null: now.</param>
/// <param name="EventId">The id a batch item is answered with: the client's (stored as <see cref="EventIds.ForSite"/>) or a new one.</param>
public sealed record EventOrigin(string ClientIp, string UserAgent, DateTimeOffset? Timestamp = null, Guid? EventId = null, bool ServerSide = false);

/// <summary>
/// Accepted (stored), dropped on purpose (<see cref="Outcomes.Bot"/>, <see cref="Outcomes.Excluded"/>: answered as accepted),
/// an unknown domain, a site over its rate, or a field the site's settings refuse (a timestamp past its retention,
/// revenue in another currency than its own).
/// </summary>
public sealed record IngestResult(string? UnknownDomainName = null, string? DroppedBecause = null, string? RateLimitedSite = null,
    FieldError? RefusedField = null)
{
    public static readonly IngestResult Accepted = new();
    public static IngestResult UnknownDomain(string domain) => new(UnknownDomainName: domain);
    public static IngestResult Dropped(string reason) => new(DroppedBecause: reason);
    public static IngestResult RateLimited(string domain) => new(RateLimitedSite: domain);
    public static IngestResult Refused(string field, string message) => new(RefusedField: new FieldError(field, message));
}

/// <summary>What a 400 (or a rejected batch item) says: the field and the rule it broke.</summary>
public sealed record FieldError(string Field, string Message)
{
    public Dictionary<string, string[]> Errors => new() { [Field] = [Message] };
}
