using System.Text.Json;

namespace LiveAnalytics.Stats;

/// <summary>
/// A v2 query's <c>filters</c>: <c>[["is", "visit:source", ["Google", "Bing"]], ["contains", "event:page", ["/blog"]]]</c>, all
/// of which an event or visit meets; <c>["and", [...]]</c> groups some, <c>["not", filter]</c> turns one around. <c>is</c>
/// keeps any of the values, <c>is_not</c> none, <c>contains</c> and <c>contains_not</c> the same of values holding the text,
/// <c>matches</c> and <c>matches_not</c> of values a regular expression (PostgreSQL's) finds something in; a fourth member
/// <c>{"case_sensitive": false}</c> matches letters in either case. <c>["is", "segment", [12]]</c> keeps a saved segment's
/// visits; <c>["has_done", filter]</c> the visits with an event the filter keeps (one on an event's property, or an
/// <c>and</c> or <c>or</c> of them, met by one event), every event of them (<see cref="StatsClause.Done"/>),
/// <c>has_not_done</c> those without; <c>["or", [...]]</c> any of its filters (each read alone: an <c>and</c>, a
/// <c>has_done</c> or another <c>or</c> among them is one).
/// </summary>
public static class StatsQueryFilters
{
    public static readonly string[] Operators = ["is", "is_not", "contains", "contains_not", "matches", "matches_not"];

    /// <summary>A visit's country by its English name ("Germany"), as a dimension and in filters.</summary>
    public const string CountryName = "visit:country_name";

    /// <returns>The clauses and the segments' ids, or an error that says which filter is wrong and how.</returns>
    public static (IReadOnlyList<StatsClause>? Clauses, IReadOnlyList<long>? Segments, string? Error) Read(JsonElement root)
    {
        var (clauses, segments) = (new List<StatsClause>(), new List<long>());
        if (!root.TryGetProperty("filters", out var filters) || filters.ValueKind == JsonValueKind.Null) return (clauses, segments, null);
        if (filters.ValueKind != JsonValueKind.Array) return (null, null, "'filters' must be a list of filters, e.g. [[\"is\", \"visit:source\", [\"Google\"]]].");
        var error = Add(filters, clauses, segments);
        if (error is null && clauses.Count + segments.Count > StatsFilters.MaxFilters) error = $"At most {StatsFilters.MaxFilters} filters are allowed.";
        return error is null ? (clauses, segments, null) : (null, null, error);
    }

    private static string? Add(JsonElement list, List<StatsClause> clauses, List<long> segments)
    {
        foreach (var filter in list.EnumerateArray())
            if (AddOne(filter, clauses, segments) is { } error) return error;
        return null;
    }

    /// <summary>One filter as one clause (an 'and' as all of its filters), null for none; or what is wrong with it.</summary>
    private static string? One(JsonElement filter, List<long> segments, out StatsClause? clause)
    {
        var all = new List<StatsClause>();
        var error = AddOne(filter, all, segments);
        clause = all.Count switch { 0 => null, 1 => all[0], _ => AllOf(all) };
        return error;
    }

    private static string? AddOne(JsonElement filter, List<StatsClause> clauses, List<long> segments)
    {
        var text = Shown(filter);
        if (filter.ValueKind != JsonValueKind.Array || filter.GetArrayLength() == 0 || filter[0].ValueKind != JsonValueKind.String)
            return $"Filter {text} must look like [\"is\", \"visit:source\", [\"Google\"]].";
        var op = filter[0].GetString()!;
        if (op == "and")
        {
            if (filter.GetArrayLength() != 2 || filter[1].ValueKind != JsonValueKind.Array) return $"Filter {text}: 'and' takes one list of filters.";
            return Add(filter[1], clauses, segments);
        }
        if (op is "has_done" or "has_not_done")
        {
            // The visits with (or without) an event that meets a filter on an event's own properties (or an 'and' or 'or' of
            // such filters, met by one event), all their events counted.
            var oneSegments = new List<long>();
            if (filter.GetArrayLength() != 2 || filter[1].ValueKind != JsonValueKind.Array) return $"Filter {text}: '{op}' takes one filter.";
            if (One(filter[1], oneSegments, out var one) is { } inner) return inner;
            if (one is null || oneSegments.Count > 0 || !OfEvents(one))
                return $"Filter {text}: '{op}' is supported over filters of an event's properties (event:goal, event:name, event:page, " +
                    $"event:hostname, event:props:NAME): one, or an 'and' or 'or' of them, e.g. [\"{op}\", [\"is\", \"event:goal\", [\"Signup\"]]].";
            clauses.Add(one with { Done = op == "has_done" });
            return null;
        }
        if (op == "not")
        {
            // The opposite of one filter, however it is made (see Opposite).
            var oneSegments = new List<long>();
            if (filter.GetArrayLength() != 2 || filter[1].ValueKind != JsonValueKind.Array) return $"Filter {text}: 'not' takes one filter.";
            if (One(filter[1], oneSegments, out var one) is { } inner) return inner;
            if (one is null || oneSegments.Count > 0)
                return $"Filter {text}: 'not' is supported over filters of properties and their groups (not of a segment), e.g. [\"not\", [\"is\", \"visit:source\", [\"Google\"]]].";
            var opposite = Opposite(one);
            // All of some filters at the top is each of them.
            if (opposite.All is { } each && opposite.Done is null) clauses.AddRange(each);
            else clauses.Add(opposite);
            return null;
        }
        if (op == "or")
        {
            // Any of some filters: on one property, one filter of all their values, each matched as its own was;
            // on several, a condition of each event (or visit) that any of them keeps.
            var (any, anySegments) = (new List<StatsClause>(), new List<long>());
            if (filter.GetArrayLength() != 2 || filter[1].ValueKind != JsonValueKind.Array) return $"Filter {text}: 'or' takes one list of filters.";
            foreach (var member in filter[1].EnumerateArray())
            {
                // Each read alone: an 'and' among them (or a 'not' of an 'or') is all of its filters, one member of the 'or'.
                if (One(member, anySegments, out var one) is { } inner) return inner;
                if (one is not null) any.Add(one);
            }
            if (any.Count == 0 || anySegments.Count > 0)
                return $"Filter {text}: 'or' is supported over filters of properties and their groups (not of segments), " +
                    "e.g. [\"or\", [[\"is\", \"visit:source\", [\"Google\"]], [\"contains\", \"event:page\", [\"/blog\"]]]].";
            // An 'or' within an 'or' is its filters among the others'.
            any = [.. any.SelectMany(c => c.Any is { } nested && c.Done is null ? nested : [c])];
            clauses.Add(any.All(c => Plain(c) && !c.Negate && c.Property == any[0].Property)
                ? new StatsClause(any[0].Property, Negate: false, [.. any.SelectMany(c => c.Values)])
                : AnyOf(any));
            return null;
        }
        if (!Operators.Contains(op))
            return $"Filter {text}: '{StatsQuery.Clip(op)}' is not supported in this version; use {string.Join(", ", Operators)}, 'and', 'not' " +
                "(of one filter), 'or', 'has_done' and 'has_not_done' (of filters of an event's properties).";
        if (filter.GetArrayLength() is < 3 or > 4 || filter[1].ValueKind != JsonValueKind.String || filter[2].ValueKind != JsonValueKind.Array)
            return $"Filter {text} must look like [\"{op}\", \"visit:source\", [\"Google\"]].";
        var ignoreCase = false;
        if (filter.GetArrayLength() == 4 && !CaseSensitive(filter[3], out ignoreCase))
            return $"Filter {text}: the one modifier taken is {{\"case_sensitive\": false}} (or true, as without it).";
        var property = filter[1].GetString()!;
        if (property == StatsSegments.Property)
        {
            if (op != "is" || filter[2].EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out _)) || filter[2].GetArrayLength() != 1)
                return $"Filter {text}: a segment is kept by its id, [\"is\", \"segment\", [12]] (GET /api/v1/sites/segments lists them).";
            segments.Add(filter[2][0].GetInt64());
            return null;
        }
        if (filter[2].EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String)) return $"Filter {text} takes its values as strings.";
        var values = filter[2].EnumerateArray().Select(v => v.GetString()!).ToList();
        if (StatsFilters.CheckValues(text, values) is { } valueError) return valueError;
        var contains = op.StartsWith("contains", StringComparison.Ordinal);
        if (op.StartsWith("contains", StringComparison.Ordinal) || op.StartsWith("matches", StringComparison.Ordinal))
        {
            if (property == StatsFilters.Goal) return $"Filter {text}: a goal is kept by its name, with 'is' or 'is_not'.";
            if (property == CountryName && !contains) return $"Filter {text}: a country's name is kept with 'is', 'is_not', 'contains' or 'contains_not'.";
        }
        var negate = op.EndsWith("_not", StringComparison.Ordinal);
        if (property == CountryName)
        {
            // The events keep the code; the names are .NET's English ones.
            var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var codes = Live.CountryNames.Codes(name => values.Any(v => contains ? name.Contains(v, comparison) : name.Equals(v, comparison)));
            if (codes.Count == 0 || (!contains && codes.Count < values.Count))
                return $"Filter {text}: {(contains ? "no country's name holds that" : "not every value is a country's name")}; names are English, e.g. Germany, United States.";
            clauses.Add(new StatsClause("visit:country", negate, [.. codes.Select(c => new StatsValue(c, StatsMatch.Value))]));
            return null;
        }
        clauses.Add(new StatsClause(property, negate, values.Select(v => op.StartsWith("matches", StringComparison.Ordinal) ? new StatsValue(v, StatsMatch.Regex, ignoreCase)
            : contains ? new StatsValue($"%{Escape(v)}%", StatsMatch.Like, ignoreCase) : new StatsValue(v, StatsMatch.Value, ignoreCase)).ToList()));
        return null;
    }

    /// <summary>The regular expressions of <c>matches</c> filters, for the database to check before they are run.</summary>
    public static IReadOnlyList<string> Regexes(IReadOnlyList<StatsClause> clauses) =>
        [.. Leaves(clauses).SelectMany(c => c.Values).Where(v => v.Match == StatsMatch.Regex).Select(v => v.Text).Distinct()];

    /// <summary>The filters of one property within the clauses' groups, however deep.</summary>
    private static IEnumerable<StatsClause> Leaves(IEnumerable<StatsClause> clauses) =>
        clauses.SelectMany(c => (c.Any ?? c.All) is { } group ? Leaves(group) : [c]);

    /// <summary>Any of some filters (<see cref="StatsClause.Any"/>).</summary>
    private static StatsClause AnyOf(IReadOnlyList<StatsClause> clauses) => new("or", Negate: false, []) { Any = clauses };

    /// <summary>All of some filters (<see cref="StatsClause.All"/>).</summary>
    private static StatsClause AllOf(IReadOnlyList<StatsClause> clauses) => new("and", Negate: false, []) { All = clauses };

    /// <summary>One filter of one property's values: no group, no has_done.</summary>
    private static bool Plain(StatsClause clause) => clause.Any is null && clause.All is null && clause.Done is null;

    /// <summary>Whether a filter (or each of a group's) is on an event's own properties, which an event of the visit meets
    /// alone (no visit property, no has_done within).</summary>
    private static bool OfEvents(StatsClause clause) => clause.Done is null && ((clause.Any ?? clause.All) is { } group
        ? group.All(OfEvents) : clause.Property.StartsWith("event:", StringComparison.Ordinal));

    /// <summary>
    /// A filter turned around: the visits without what has_done keeps (and with what has_not_done left out); all of an
    /// 'or''s filters turned around, any of an 'and''s; none of a filter's values where it kept any.
    /// </summary>
    private static StatsClause Opposite(StatsClause clause) =>
        clause.Done is { } done ? clause with { Done = !done }
        : clause.Any is { } any ? AllOf([.. any.Select(Opposite)])
        : clause.All is { } all ? AnyOf([.. all.Select(Opposite)])
        : clause with { Negate = !clause.Negate };

    /// <summary><c>{"case_sensitive": false}</c> matches letters in either case; true (as without it) in theirs.</summary>
    private static bool CaseSensitive(JsonElement modifiers, out bool ignoreCase)
    {
        ignoreCase = modifiers.ValueKind == JsonValueKind.Object && modifiers.TryGetProperty("case_sensitive", out var c) && c.ValueKind == JsonValueKind.False;
        return modifiers.ValueKind == JsonValueKind.Object
            && modifiers.EnumerateObject().All(m => m.Name == "case_sensitive" && m.Value.ValueKind is JsonValueKind.True or JsonValueKind.False);
    }

    /// <summary>Text taken literally in a LIKE pattern.</summary>
    private static string Escape(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    private static string Shown(JsonElement filter) => StatsQuery.Clip(filter.GetRawText());
}
