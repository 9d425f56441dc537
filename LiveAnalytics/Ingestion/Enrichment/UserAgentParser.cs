using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace LiveAnalytics.Ingestion.Enrichment;

public sealed record ClientInfo(string Browser, string? BrowserVersion, string Os, string? OsVersion, string Device);

/// <summary>
/// Browser, OS and device class from the uap-core regex database (first matching rule wins, as
/// uap-core specifies). Callers cache by User-Agent: real traffic repeats a few hundred strings.
/// </summary>
public sealed class UserAgentParser
{
    public const int MaxLength = 512;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(25);

    private readonly Rule[] _browsers, _systems, _devices;

    public UserAgentParser(string yamlPath)
    {
        var doc = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<string, List<Dictionary<string, string>>>>(File.ReadAllText(yamlPath));
        _browsers = Rules(doc["user_agent_parsers"], "family_replacement", "v1_replacement");
        _systems = Rules(doc["os_parsers"], "os_replacement", "os_v1_replacement");
        _devices = Rules(doc["device_parsers"], "device_replacement", null);
    }

    public ClientInfo Parse(string userAgent)
    {
        if (userAgent.Length > MaxLength) userAgent = userAgent[..MaxLength];
        var (browser, browserVersion) = First(_browsers, userAgent);
        var (os, osVersion) = First(_systems, userAgent);
        var (device, _) = First(_devices, userAgent);
        return new ClientInfo(browser ?? "Other", browserVersion, os ?? "Other", osVersion, DeviceClass(device, os, userAgent));
    }

    /// <summary>desktop, mobile, tablet or bot, from uap's device family and the usual UA markers.</summary>
    private static string DeviceClass(string? device, string? os, string ua)
    {
        if (device == "Spider") return "bot";
        if (device is not null && (device.Contains("iPad") || device.Contains("Tablet") || device.Contains("Kindle"))) return "tablet";
        if (os == "Android" && !ua.Contains("Mobile")) return "tablet";
        if (ua.Contains("Mobi") || os is "iOS" or "Android" or "Windows Phone" || device == "iPhone") return "mobile";
        return "desktop";
    }

    private static (string?, string?) First(Rule[] rules, string ua)
    {
        foreach (var rule in rules)
        {
            Match match;
            try { match = rule.Regex.Match(ua); }
            catch (RegexMatchTimeoutException) { continue; }   // a hostile UA must not stall ingestion
            if (!match.Success) continue;
            var name = Expand(rule.Name, match, 1);
            var version = Expand(rule.Version, match, 2);
            return (string.IsNullOrWhiteSpace(name) ? null : name.Trim(), string.IsNullOrWhiteSpace(version) ? null : version.Trim());
        }
        return (null, null);
    }

    private static string? Expand(string? template, Match match, int group) =>
        template is null ? Group(match, group)
            : Regex.Replace(template, @"\$(\d)", m => Group(match, m.Groups[1].Value[0] - '0') ?? "");

    private static string? Group(Match match, int i) => i < match.Groups.Count && match.Groups[i].Success ? match.Groups[i].Value : null;

    private static Rule[] Rules(List<Dictionary<string, string>> entries, string nameKey, string? versionKey)
    {
        var rules = new List<Rule>(entries.Count);
        foreach (var e in entries)
        {
            var options = RegexOptions.CultureInvariant | (e.GetValueOrDefault("regex_flag") == "i" ? RegexOptions.IgnoreCase : 0);
            try
            {
                rules.Add(new Rule(new Regex(e["regex"], options, MatchTimeout), e.GetValueOrDefault(nameKey),
                    versionKey is null ? null : e.GetValueOrDefault(versionKey)));
            }
            catch (ArgumentException)
            {
                // A PCRE-only construct .NET does not accept: that one rule is skipped.
            }
        }
        return [.. rules];
    }

    private sealed record Rule(Regex Regex, string? Name, string? Version);
}
