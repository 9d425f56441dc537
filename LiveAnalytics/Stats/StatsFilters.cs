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
            ["visit:entry_page"] = (PeriodEvents.EntryPage, "entry_page", "(none)"),
            ["visit:exit_page"] = (PeriodEvents.ExitPage, "exit_page", "(none)"),
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

    /// <summary>A custom property of events (<c>la('Signup', { props: { plan: 'pro' } })</c>): <c>event:props:plan</c>.</summary>
    public const string PropsPrefix = "event:props:";

    /// <summary>
    /// A goal, as the dashboard labels it: <c>event:goal==Signup</c> (the custom event) or <c>event:goal==Visit /thank-you*</c>
    /// (an event on a matching page).
    /// </summary>
    public const string Goal = "event:goal";

    /// <summary>How a page goal's label starts.</summary>
    public const string PageGoalPrefix = "Visit ";

    /// <summary>The properties a request may name, for error messages.</summary>
    public static string Supported => string.Join(", ", Properties.Keys.Append(Goal).Append(PropsPrefix + "NAME"));

    /// <summary>The custom property <paramref name="property"/> names (<c>event:props:NAME</c>), or null; an error when the name cannot be one.</summary>
    public static (string? Key, string? Error) PropKey(string property)
    {
        if (!property.StartsWith(PropsPrefix, StringComparison.Ordinal)) return (null, null);
        var key = property[PropsPrefix.Length..];
        return key.Length is 0 or > Ingestion.EventPayloadParser.MaxPropKeyLength || key.Any(char.IsControl)
            ? (null, $"'{Clip(property)}' must name a property of 1 to {Ingestion.EventPayloadParser.MaxPropKeyLength} characters, e.g. {PropsPrefix}plan.")
            : (key, null);
    }

    /// <summary>A custom property's value as SQL; its name travels as the parameter <paramref name="parameter"/>.</summary>
    public static string PropColumn(string parameter) => $"(props ->> @{parameter})";

    /// <summary>
    /// Parses <c>visit:source==Google|Twitter;event:page!=/admin*</c> into SQL conditions. <c>*</c> matches
    /// any run of characters. Returns an error naming the part that is wrong.
    /// </summary>
    /// <param name="segment">A saved segment's filters (<see cref="StatsSegments"/>), kept as well.</param>
    /// <param name="among">Also: only the events whose column (a custom property's when it names one) holds one of
    /// these values, '' for none: a breakdown's rows, to read what each is without some of the filters.</param>
    public static (EventFilter Filter, string? Error) Parse(string? filters, IReadOnlyList<Dashboard.DashboardFilter>? segment = null,
        (string Column, string? PropKey, string[] Values)? among = null)
    {
        var built = new EventFilterBuilder();
        var parameters = built.Parameters;
        Dashboard.DashboardQueries.Add(built, segment ?? []);
        if (among is { } a)
        {
            var column = a.Column;
            if (a.PropKey is not null)
            {
                parameters.Add("amongKey", a.PropKey);
                column = PropColumn("amongKey");
            }
            parameters.Add("among", a.Values);
            built.Add($" AND coalesce({column}, '') = ANY(@among)", PeriodEvents.Needs(column), a.PropKey is null ? column : "props");
        }
        if (string.IsNullOrWhiteSpace(filters)) return (built.Build(), null);
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
            var values = part[(at + 2)..].Split('|');
            if (values.Any(v => v.Length is 0 or > 2000)) return (EventFilter.None, $"Filter '{Clip(part)}' needs values of 1 to 2,000 characters.");
            // Ingestion refuses them, so no stored value has one (and PostgreSQL refuses a NUL in any text).
            if (values.Any(v => v.Any(char.IsControl))) return (EventFilter.None, $"Filter '{Clip(part)}' holds a control character, which no stored value has.");
            var alternatives = new List<string>();
            if (property == Goal)
            {
                foreach (var value in values)
                {
                    var name = $"f{n++}";
                    var page = value.StartsWith(PageGoalPrefix, StringComparison.Ordinal);
                    parameters.Add(name, page ? Like(value[PageGoalPrefix.Length..]) : value);
                    alternatives.Add(page ? $"pathname LIKE @{name}" : $"name = @{name}");
                }
                built.Add(Condition(alternatives, negate), VisitFacts.None, "name", "pathname");
                continue;
            }
            string column;
            var (propKey, propError) = PropKey(property);
            if (propError is not null) return (EventFilter.None, propError);
            if (propKey is not null)
            {
                var keyName = $"f{n++}";
                parameters.Add(keyName, propKey);
                column = PropColumn(keyName);
            }
            else if (Properties.TryGetValue(property, out var p)) column = p.Column;
            else return (EventFilter.None, $"Filter property '{Clip(property)}' is not supported; use one of {Supported}, or {StatsSegments.Property}==NAME for a saved segment.");
            foreach (var value in values)
            {
                var name = $"f{n++}";
                if (value.Contains('*'))
                {
                    parameters.Add(name, Like(value));
                    alternatives.Add($"{column} LIKE @{name}");
                }
                else
                {
                    parameters.Add(name, value);
                    alternatives.Add($"{column} = @{name}");
                }
            }
            built.Add(Condition(alternatives, negate), PeriodEvents.Needs(column), propKey is null ? column : "props");
        }
        return (built.Build(), null);
    }

    /// <summary>
    /// What a conversion rate divides by: <paramref name="filters"/> without its filters on a goal or a custom event's
    /// name (<c>event:goal==Signup;visit:source==Google</c> gives <c>visit:source==Google</c>), and whether it had one;
    /// null when such a filter is negated (the share of visitors who did not convert is not a conversion rate).
    /// </summary>
    public static (string? Others, bool HadGoal) WithoutGoals(string? filters)
    {
        var (rest, hadGoal) = (new List<string>(), false);
        foreach (var part in (filters ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.StartsWith(Goal, StringComparison.Ordinal) && !part.StartsWith("event:name", StringComparison.Ordinal)) rest.Add(part);
            else if (part.Contains("!=", StringComparison.Ordinal)) return (null, true);
            else hadGoal = true;
        }
        return (string.Join(';', rest), hadGoal);
    }

    /// <summary>One filter: any of its values; negated, none of them (a missing value matches none).</summary>
    private static string Condition(List<string> alternatives, bool negate)
    {
        var any = $"({string.Join(" OR ", alternatives)})";
        return negate ? $" AND NOT coalesce({any}, false)" : $" AND {any}";
    }

    /// <summary>A glob with * as SQL LIKE, LIKE's own wildcards and escape taken literally.</summary>
    internal static string Like(string glob) =>
        glob.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_").Replace('*', '%');

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 60);
}
