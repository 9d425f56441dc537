using System.Net;
using System.Text.RegularExpressions;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// A site's exclusions: client IP ranges (CIDR or single addresses) and page path patterns where
/// <c>*</c> stands for any characters (<c>/admin/*</c>). Matching events are dropped, not stored.
/// </summary>
public sealed class SiteExclusions
{
    public static readonly SiteExclusions None = new([], []);

    private readonly IPNetwork[] _networks;
    private readonly Regex[] _paths;

    public SiteExclusions(IEnumerable<string> ipRanges, IEnumerable<string> pathPatterns)
    {
        _networks = ipRanges.Select(r => TryParseRange(r, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>().ToArray();
        _paths = pathPatterns.Select(p => new Regex("^" + Regex.Escape(p).Replace(@"\*", ".*") + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(10))).ToArray();
    }

    public bool IsEmpty => _networks.Length == 0 && _paths.Length == 0;

    public bool Excludes(string clientIp, string path)
    {
        if (_networks.Length > 0 && IPAddress.TryParse(clientIp, out var ip))
        {
            if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
            foreach (var network in _networks)
                if (network.Contains(ip)) return true;
        }
        // Loops, not Any with a lambda: this runs for every event, and a capturing lambda is an allocation each time.
        foreach (var pattern in _paths)
            if (pattern.IsMatch(path)) return true;
        return false;
    }

    public static bool TryParseRange(string text, out IPNetwork network)
    {
        if (IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }

    public static bool IsValidPathPattern(string pattern) =>
        pattern.Length is > 0 and <= 200 && pattern[0] == '/' && !pattern.Any(char.IsControl);
}
