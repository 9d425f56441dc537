namespace LiveAnalytics.Ingestion;

/// <summary>Turns a validated payload into enriched events and appends them, one per named site.</summary>
public sealed class IngestionService(SiteDirectory sites, VisitorSalts salts, EventStream stream, TimeProvider time)
{
    public async Task<IngestResult> IngestAsync(EventPayload payload, string clientIp, string userAgent, CancellationToken ct = default)
    {
        var siteIds = new List<long>(payload.Domains.Count);
        foreach (var domain in payload.Domains)
        {
            if (await sites.FindAsync(domain, ct) is not { } id) return IngestResult.UnknownDomain(domain);
            siteIds.Add(id);
        }

        var now = time.GetUtcNow();
        var salt = await salts.ForTodayAsync(ct);
        var hostname = StripWww(payload.Url.Host);
        var referrerHost = payload.Referrer is { } r && r.Host.Length > 0 ? StripWww(r.Host) : null;
        foreach (var siteId in siteIds)
        {
            var e = new TrackedEvent(
                Guid.CreateVersion7(now), siteId, now, payload.Name, hostname, payload.Url.AbsolutePath,
                payload.Referrer?.ToString(),
                referrerHost == hostname ? null : referrerHost,
                VisitorId.Compute(salt, siteId, clientIp, userAgent),
                payload.Props, payload.RevenueAmount, payload.RevenueCurrency);
            await stream.AppendAsync(e);
        }
        return IngestResult.Accepted;
    }

    private static string StripWww(string host) =>
        host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? host[4..].ToLowerInvariant() : host.ToLowerInvariant();
}

public sealed record IngestResult(string? UnknownDomainName)
{
    public static readonly IngestResult Accepted = new((string?)null);
    public static IngestResult UnknownDomain(string domain) => new(domain);
}
