using System.Text;
using Dapper;

namespace LiveAnalytics.Stats;

/// <summary>
/// Conditions on the events of a period, as SQL (<c> AND …</c>) with its parameters. Columns come only from fixed
/// tables (<see cref="StatsFilters"/>, the dashboard's dimensions); values only ever travel as parameters.
/// </summary>
/// <param name="Needs">What the conditions read of the events' visits (their attribution, which the events of a visit
/// after its first do not carry; their entry and exit pages): the period's events are then read with it.</param>
public sealed record EventFilter(string Sql, DynamicParameters Parameters, VisitFacts Needs)
{
    public static EventFilter None => new("", new DynamicParameters(), VisitFacts.None);

    /// <summary>No condition: every event of the period counts, so the rollups answer.</summary>
    public bool IsEmpty => Sql.Length == 0;

    /// <summary>The conditions on an event's own columns (<see cref="VisitFacts.None"/>): an event the filter keeps meets them all itself.</summary>
    public string EventSql { get; init; } = "";

    /// <summary>The conditions on a visit's attribution: its first event meets them all, on its own columns.</summary>
    public string AttributionSql { get; init; } = "";

    /// <summary>The columns the conditions read (<c>props</c> for a custom property's).</summary>
    public IReadOnlySet<string> Columns { get; init; } = new HashSet<string>();
}

/// <summary>Builds an <see cref="EventFilter"/> condition by condition, each with what it needs of the visits.</summary>
public sealed class EventFilterBuilder
{
    private readonly StringBuilder _sql = new(), _events = new(), _attribution = new();
    private readonly HashSet<string> _columns = new(StringComparer.Ordinal);
    private VisitFacts _needs;

    public DynamicParameters Parameters { get; } = new();

    /// <param name="condition">SQL starting with <c> AND </c>, on columns of <see cref="PeriodEvents"/>.</param>
    /// <param name="columns">The columns it reads.</param>
    public void Add(string condition, VisitFacts needs, params string[] columns)
    {
        _sql.Append(condition);
        _needs |= needs;
        _columns.UnionWith(columns);
        if (needs == VisitFacts.None) _events.Append(condition);
        else if (needs == VisitFacts.Attribution) _attribution.Append(condition);
    }

    public EventFilter Build() => new(_sql.ToString(), Parameters, _needs)
    {
        EventSql = _events.ToString(), AttributionSql = _attribution.ToString(), Columns = _columns,
    };
}
