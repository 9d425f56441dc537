using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Infrastructure;

/// <summary><c>Operators:</c> where the operator's tools (metrics, the jobs dashboard, the health checks' figures) may be reached from.</summary>
public sealed class OperatorOptions
{
    public const string Section = "Operators";

    /// <summary>CIDR ranges; empty: <see cref="OperatorNetworks.Defaults"/>.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// The SHA-256 (hex) of a token that lets a monitor outside those networks (a hosted Prometheus, an uptime
    /// service) read <c>/metrics</c> and the health checks' figures with <c>Authorization: Bearer</c>. Only its hash is
    /// configured, so the settings file does not hold the secret.
    /// </summary>
    [RegularExpression("^[0-9A-Fa-f]{64}$", ErrorMessage = "Operators:MonitorTokenSha256 must be the 64 hex digits of a SHA-256, such as `printf %s \"$TOKEN\" | sha256sum` prints.")]
    public string? MonitorTokenSha256 { get; set; }
}

/// <summary>
/// Who may reach <c>/metrics</c> and <c>/jobs</c>: clients in <c>Operators:AllowedNetworks</c>, by default this machine
/// and private networks, where Prometheus and an operator's tunnel run. They name no merchant, but they tell anyone the
/// stores' traffic and the node's state; an operator who wants them public says so (<c>0.0.0.0/0</c>, <c>::/0</c>).
/// </summary>
public sealed class OperatorNetworks(IOptions<OperatorOptions> options)
{
    public static readonly string[] Defaults = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    private readonly IPNetwork[] _allowed =
        (options.Value.AllowedNetworks.Count == 0 ? Defaults : options.Value.AllowedNetworks.ToArray()).Select(n => IPNetwork.Parse(n)).ToArray();

    private readonly byte[]? _monitorToken = options.Value.MonitorTokenSha256 is { } hex ? Convert.FromHexString(hex) : null;

    /// <summary>Monitors' reads (metrics, the health checks' figures): the allowed networks, or the monitor token from anywhere.</summary>
    public bool AllowsMonitor(HttpContext context) => Allows(context) || HasMonitorToken(context);

    private bool HasMonitorToken(HttpContext context)
    {
        if (_monitorToken is null) return false;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        // Hashes compared in constant time: the time taken says nothing of how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())), _monitorToken);
    }

    /// <summary>The operator's pages: the allowed networks only (they also want an operator's sign-in).</summary>
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

    public static Task RefuseAsync(HttpContext context, string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: $"{what} are not served to this address.",
            detail: "Only clients in Operators:AllowedNetworks (by default this machine and private networks) may reach them" +
                    (what == "Metrics" ? ", or a monitor sending the token of Operators:MonitorTokenSha256." : "."))
            .ExecuteAsync(context);
}
