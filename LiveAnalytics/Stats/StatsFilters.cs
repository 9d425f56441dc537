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
            ["visit:channel"] = ("channel", "channel", "(not set)"),
            ["visit:utm_source"] = ("utm_source", "utm_source", "(not set)"),
            ["visit:utm_medium"] = ("utm_medium", "utm_medium", "(not set)"),
            ["visit:utm_campaign"] = ("utm_campaign", "utm_campaign", "(not set)"),
            ["visit:utm_content"] = ("utm_content", "utm_content", "(not set)"),
            ["visit:utm_term"] = ("utm_term", "utm_term", "(not set)"),
            ["visit:device"] = ("device", "device", "(not set)"),
            ["visit:browser"] = ("browser", "browser", "(not set)"),
            ["visit:os"] = ("os", "os", "(not set)"),
            ["visit:country"] = ("country", "country", "(not set)"),
            ["visit:region_name"] = ("region", "region_name", "(not set)"),
            ["visit:city_name"] = ("city", "city_name", "(not set)"),
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
    public static (EventFilter Filter, string? Error) Parse(string? filters, IReadOnlyList<Dashboard.DashboardFilter>? segment = null)
    {
        var (clauses, error) = Read(filters);
        return clauses is null ? (EventFilter.None, error) : Build(clauses, segment);
    }

    /// <summary>The v1 filter text as clauses: <c>event:page==/blog*|/news</c> is one, of a pattern and a value.</summary>
    public static (IReadOnlyList<StatsClause>? Clauses, string? Error) Read(string? filters)
    {
        var clauses = new List<StatsClause>();
        if (string.IsNullOrWhiteSpace(filters)) return (clauses, null);
        var parts = filters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > MaxFilters) return (null, $"At most {MaxFilters} filters are allowed.");
        foreach (var part in parts)
        {
            var negate = part.Contains("!=", StringComparison.Ordinal);
            var at = part.IndexOf(negate ? "!=" : "==", StringComparison.Ordinal);
            if (at <= 0) return (null, $"Filter '{Clip(part)}' must look like property==value (or !=), e.g. visit:source==Google.");
            var values = part[(at + 2)..].Split('|');
            if (CheckValues(part, values) is { } error) return (null, error);
            var property = part[..at].Trim();
            // A page goal's label holds its own pattern (Visit /thank-you*), read as the goal's.
            clauses.Add(new StatsClause(property, negate, values.Select(v => property != Goal && v.Contains('*')
                ? new StatsValue(Like(v), StatsMatch.Like) : new StatsValue(v, StatsMatch.Value)).ToList()));
        }
        return (clauses, null);
    }

    /// <summary>What is wrong with a filter's values, or null: the length, or a control character.</summary>
    internal static string? CheckValues(string filter, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0 || values.Any(v => v.Length is 0 or > 2000)) return $"Filter '{Clip(filter)}' needs values of 1 to 2,000 characters.";
        // Ingestion refuses them, so no stored value has one (and PostgreSQL refuses a NUL in any text).
        return values.Any(v => v.Any(char.IsControl)) ? $"Filter '{Clip(filter)}' holds a control character, which no stored value has." : null;
    }

    /// <summary>The clauses as SQL conditions, or an error naming a property that cannot filter.</summary>
    /// <param name="segment">A saved segment's filters (<see cref="StatsSegments"/>), kept as well.</param>
    /// <param name="among">Also: only the events whose column (a custom property's when it names one) holds one of
    /// these values, '' for none: a breakdown's rows, to read what each is without some of the filters.</param>
    public static (EventFilter Filter, string? Error) Build(IReadOnlyList<StatsClause> clauses, IReadOnlyList<Dashboard.DashboardFilter>? segment = null,
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
        var n = 0;
        foreach (var clause in clauses)
        {
            var (sql, needs, columns, error) = Condition(clause, parameters, ref n);
            if (error is not null) return (EventFilter.None, error);
            built.Add($" AND {sql}", needs, columns);
        }
        return (built.Build(), null);
    }

    /// <summary>
    /// A clause as a condition on each event: a filter's predicate; any of several (a v2 <c>or</c> over properties) or all
    /// of them (a <c>has_done</c> over an <c>and</c>), one event meeting them; with <see cref="StatsClause.Done"/>, the
    /// visit's session has (or has not) an event of the period that meets it, which every event of the visit then meets.
    /// </summary>
    private static (string? Sql, VisitFacts Needs, string[] Columns, string? Error) Condition(StatsClause clause, DynamicParameters parameters, ref int n)
    {
        string? sql;
        VisitFacts needs;
        string[] columns;
        if ((clause.Any ?? clause.All) is { } group)
        {
            var parts = new List<(string Sql, VisitFacts Needs, string[] Columns)>();
            foreach (var part in group)
            {
                var (partSql, partNeeds, partColumns, partError) = Condition(part, parameters, ref n);
                if (partError is not null) return (null, VisitFacts.None, [], partError);
                parts.Add((partSql!, partNeeds, partColumns));
            }
            (sql, needs, columns) = ($"({string.Join(clause.Any is null ? " AND " : " OR ", parts.Select(p => p.Sql))})",
                parts.Aggregate(VisitFacts.None, (a, p) => a | p.Needs), [.. parts.SelectMany(p => p.Columns).Distinct()]);
        }
        else
        {
            string? error;
            (sql, needs, columns, error) = Predicate(clause, parameters, ref n);
            if (error is not null) return (null, VisitFacts.None, [], error);
        }
        // has_done reads the events' own columns only (the parser allows no other), so its events need nothing of their visits.
        return clause.Done is { } done
            ? ($"session_id {(done ? "" : "NOT ")}IN (SELECT session_id FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to AND {sql})",
                VisitFacts.None, ["session_id"], null)
            : (sql, needs, columns, null);
    }

    /// <summary>One filter as an SQL predicate, its values as parameters (named f0, f1…), with what it needs of the visits
    /// and the columns it reads; or an error naming a property that cannot filter.</summary>
    private static (string? Sql, VisitFacts Needs, string[] Columns, string? Error) Predicate(StatsClause clause, DynamicParameters parameters, ref int n)
    {
        var alternatives = new List<string>();
        if (clause.Property == Goal)
        {
            foreach (var value in clause.Values)
            {
                var name = $"f{n++}";
                var page = value.Text.StartsWith(PageGoalPrefix, StringComparison.Ordinal);
                parameters.Add(name, page ? Like(value.Text[PageGoalPrefix.Length..]) : value.Text);
                alternatives.Add(Matches(page ? "pathname" : "name", name, page ? StatsMatch.Like : StatsMatch.Value, value.IgnoreCase));
            }
            return (Condition(alternatives, clause.Negate), VisitFacts.None, ["name", "pathname"], null);
        }
        string column;
        var (propKey, propError) = PropKey(clause.Property);
        if (propError is not null) return (null, VisitFacts.None, [], propError);
        if (propKey is not null)
        {
            var keyName = $"f{n++}";
            parameters.Add(keyName, propKey);
            column = PropColumn(keyName);
        }
        else if (Properties.TryGetValue(clause.Property, out var p)) column = p.Column;
        else return (null, VisitFacts.None, [], $"Filter property '{Clip(clause.Property)}' is not supported; use one of {Supported}, or {StatsSegments.Property}==NAME for a saved segment.");
        foreach (var value in clause.Values)
        {
            var name = $"f{n++}";
            parameters.Add(name, value.Text);
            // Stored events hold no value as null (or '' in the table of visits).
            alternatives.Add(value == StatsValue.Missing ? $"coalesce({column}, '') = @{name}" : Matches(column, name, value.Match, value.IgnoreCase));
        }
        return (Condition(alternatives, clause.Negate), PeriodEvents.Needs(column), [propKey is null ? column : "props"], null);
    }

    /// <summary>The column matched against the parameter <paramref name="name"/> (case aside, as the database's locale folds
    /// letters).</summary>
    private static string Matches(string column, string name, StatsMatch match, bool ignoreCase) => (match, ignoreCase) switch
    {
        (StatsMatch.Like, false) => $"{column} LIKE @{name}",
        (StatsMatch.Like, true) => $"{column} ILIKE @{name}",
        (StatsMatch.Regex, false) => $"{column} ~ @{name}",
        (StatsMatch.Regex, true) => $"{column} ~* @{name}",
        (_, false) => $"{column} = @{name}",
        (_, true) => $"lower({column}) = lower(@{name})",
    };

    /// <summary>
    /// What a conversion rate divides by: the clauses without those on a goal or a custom event's name
    /// (<c>event:goal==Signup;visit:source==Google</c> gives <c>visit:source==Google</c>), and whether it had one;
    /// null when such a filter is negated (the share of visitors who did not convert is not a conversion rate).
    /// </summary>
    public static (IReadOnlyList<StatsClause>? Others, bool HadGoal) WithoutGoals(IReadOnlyList<StatsClause> clauses)
    {
        // A has_done of a goal keeps whole visits, the converted and the rest of their events: no conversion of its own.
        var goals = clauses.Where(c => c.Property is Goal or "event:name" && c.Done is null).ToList();
        return goals.Any(c => c.Negate) ? (null, true) : (clauses.Except(goals).ToList(), goals.Count > 0);
    }

    /// <summary>One filter: any of its values; negated, none of them (a missing value matches none).</summary>
    private static string Condition(List<string> alternatives, bool negate)
    {
        var any = $"({string.Join(" OR ", alternatives)})";
        return negate ? $"NOT coalesce({any}, false)" : any;
    }

    /// <summary>A glob with * as SQL LIKE, LIKE's own wildcards and escape taken literally.</summary>
    internal static string Like(string glob) =>
        glob.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_").Replace('*', '%');

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 60);
}

/// <summary>One filter: a property, any of its values (none of them when negated).</summary>
public sealed record StatsClause(string Property, bool Negate, IReadOnlyList<StatsValue> Values)
{
    /// <summary>A v2 <c>or</c> of filters of several properties: any of them (this clause's own property and values unused).</summary>
    public IReadOnlyList<StatsClause>? Any { get; init; }

    /// <summary>All of some filters (this clause's own property and values unused): a v2 <c>has_done</c> over an <c>and</c>,
    /// met by one event, or the <c>not</c> of an <c>or</c> within another group.</summary>
    public IReadOnlyList<StatsClause>? All { get; init; }

    /// <summary>
    /// A v2 <c>has_done</c> (true) or <c>has_not_done</c> (false): the filter keeps whole visits, those with (or without) an
    /// event of the period that meets the rest of the clause, every event of them counted; null for a plain filter, which
    /// keeps the events that meet it.
    /// </summary>
    public bool? Done { get; init; }
}

/// <param name="Match">How <paramref name="Text"/> matches: as the value, an SQL LIKE pattern (from a glob, or a v2
/// <c>contains</c>), or a PostgreSQL regular expression (a v2 <c>matches</c>).</param>
/// <param name="IgnoreCase">Whether letters match in either case (a v2 filter's <c>{"case_sensitive": false}</c>).</param>
public sealed record StatsValue(string Text, StatsMatch Match, bool IgnoreCase = false)
{
    /// <summary>No value: a visit without a source, an event without the property. (A request's filters cannot name it:
    /// <see cref="StatsFilters.CheckValues"/> refuses an empty value.)</summary>
    public static readonly StatsValue Missing = new("", StatsMatch.Value);
}

public enum StatsMatch { Value, Like, Regex }
