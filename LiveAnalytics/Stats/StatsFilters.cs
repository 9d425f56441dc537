using System.Text;
using Dapper;

namespace LiveAnalytics.Stats;

/// <summary>
/// Plausible v1 properties and filters, mapped onto the events table. Columns come only from the
/// fixed table below; values only ever travel as parameters.
/// </summary>
public static class StatsFilters
{
    /// <summary>Property → (column, result key, what a missing value is called).</summary>
    public static readonly IReadOnlyDictionary<string, (string Column, string Key, string Missing)> Properties =
        new Dictionary<string, (string, string, string)>
        {
            ["event:page"] = ("pathname", "page", "(none)"),
            ["event:name"] = ("name", "name", "(none)"),
            ["event:hostname"] = ("hostname", "hostname", "(none)"),
            ["visit:source"] = ("source", "source", "Direct / None"),
            ["visit:referrer"] = ("referrer", "referrer", "Direct / None"),
            ["visit:utm_source"] = ("utm_source", "utm_source", "(not set)"),
            ["visit:utm_medium"] = ("utm_medium", "utm_medium", "(not set)"),
            ["visit:utm_campaign"] = ("utm_campaign", "utm_campaign", "(not set)"),
            ["visit:utm_content"] = ("utm_content", "utm_content", "(not set)"),
            ["visit:utm_term"] = ("utm_term", "utm_term", "(not set)"),
            ["visit:device"] = ("device", "device", "(not set)"),
            ["visit:browser"] = ("browser", "browser", "(not set)"),
            ["visit:os"] = ("os", "os", "(not set)"),
            ["visit:country"] = ("country", "country", "(not set)"),
        };

    public const int MaxFilters = 10;

    /// <summary>
    /// Parses <c>visit:source==Google|Twitter;event:page!=/admin*</c> into SQL conditions. <c>*</c> matches
    /// any run of characters. Returns an error naming the part that is wrong.
    /// </summary>
    public static (EventFilter Filter, string? Error) Parse(string? filters)
    {
        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        var byVisit = false;
        if (string.IsNullOrWhiteSpace(filters)) return (EventFilter.None, null);
        var parts = filters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > MaxFilters) return (EventFilter.None, $"At most {MaxFilters} filters are allowed.");
        var n = 0;
        foreach (var part in parts)
        {
            var negate = part.Contains("!=", StringComparison.Ordinal);
            var op = negate ? "!=" : "==";
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0) return (EventFilter.None, $"Filter '{Clip(part)}' must look like property==value (or !=), e.g. visit:source==Google.");
            var property = part[..at].Trim();
            if (!Properties.TryGetValue(property, out var p))
                return (EventFilter.None, $"Filter property '{Clip(property)}' is not supported; use one of {string.Join(", ", Properties.Keys)}.");
            byVisit |= PeriodEvents.Attribution.Contains(p.Column);
            var values = part[(at + 2)..].Split('|');
            if (values.Any(v => v.Length is 0 or > 2000)) return (EventFilter.None, $"Filter '{Clip(part)}' needs values of 1 to 2,000 characters.");
            var alternatives = new List<string>();
            foreach (var value in values)
            {
                var name = $"f{n++}";
                if (value.Contains('*'))
                {
                    parameters.Add(name, Like(value));
                    alternatives.Add($"{p.Column} LIKE @{name}");
                }
                else
                {
                    parameters.Add(name, value);
                    alternatives.Add($"{p.Column} = @{name}");
                }
            }
            var any = $"({string.Join(" OR ", alternatives)})";
            sql.Append(negate ? $" AND NOT coalesce({any}, false)" : $" AND {any}");
        }
        return (new EventFilter(sql.ToString(), parameters, byVisit), null);
    }

    /// <summary>A glob with * as SQL LIKE, LIKE's own wildcards and escape taken literally.</summary>
    internal static string Like(string glob) =>
        glob.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_").Replace('*', '%');

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
