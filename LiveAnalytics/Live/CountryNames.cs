using System.Globalization;

namespace LiveAnalytics.Live;

public static class CountryNames
{
    /// <summary>"Germany (DE)" for an ISO code .NET knows; the value itself otherwise ("Unknown").</summary>
    public static string Of(string code) => Name(code) is { } name ? $"{name} ({code})" : code;

    /// <summary>The English name of an ISO 3166 code ("Germany" for DE), or null for none .NET knows.</summary>
    public static string? Name(string code) => code.Length == 2 && ByCode.Value.TryGetValue(code.ToUpperInvariant(), out var name) ? name : null;

    /// <summary>The codes whose English name <paramref name="matches"/> ("Germany" is DE's).</summary>
    public static IReadOnlyList<string> Codes(Func<string, bool> matches) => [.. ByCode.Value.Where(c => matches(c.Value)).Select(c => c.Key)];

    // Every two-letter code RegionInfo takes, found once: .NET has no list of regions to read.
    private static readonly Lazy<Dictionary<string, string>> ByCode = new(() =>
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var a = 'A'; a <= 'Z'; a++)
            for (var b = 'A'; b <= 'Z'; b++)
            {
                var code = $"{a}{b}";
                try
                {
                    var region = new RegionInfo(code);
                    if (region.TwoLetterISORegionName == code) names[code] = region.EnglishName;
                }
                catch (ArgumentException)
                {
                    // not a region .NET knows
                }
            }
        return names;
    });
}
