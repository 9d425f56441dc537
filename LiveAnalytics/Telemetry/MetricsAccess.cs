using System.Net;

namespace LiveAnalytics.Telemetry;

/// <summary>
/// Who may scrape <c>/metrics</c>: clients in <c>Metrics:AllowedNetworks</c>, by default this machine and private
/// networks, where Prometheus runs. The figures name no merchant, but they tell anyone the store's traffic and the
/// node's state; an operator who wants them public says so (<c>0.0.0.0/0</c>, <c>::/0</c>).
/// </summary>
public sealed class MetricsAccess
{
    public static readonly string[] DefaultNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private readonly IPNetwork[] _allowed;

    public MetricsAccess(IReadOnlyCollection<string> configured) =>
        _allowed = (configured.Count == 0 ? DefaultNetworks : configured).Select(n => IPNetwork.Parse(n)).ToArray();

    public bool Allows(HttpContext context)
    {
        // Left by a hop that Ingestion:TrustedProxies does not name: the client behind it is unknown, and a public
        // request through a proxy on this machine would otherwise pass as local.
        if (context.Request.Headers.ContainsKey("X-Forwarded-For")) return false;
        // None on a Unix socket: only this machine reaches one.
        if (context.Connection.RemoteIpAddress is not { } ip) return true;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return _allowed.Any(n => n.Contains(ip));
    }

    public async Task RefuseAsync(HttpContext context) =>
        await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Metrics are not served to this address.",
            detail: "Only clients in Metrics:AllowedNetworks (by default this machine and private networks) may scrape them.")
            .ExecuteAsync(context);
}
