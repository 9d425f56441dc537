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

    /// <summary>The conditions on a visit's attribution: its first event meets them all, on its own columns (of an 'or' with
    /// an event's own columns, its first event or the event kept does).</summary>
    public string AttributionSql { get; init; } = "";

    /// <summary>The conditions on a visit's own dimensions (<see cref="KeptVisits.Columns"/>): a visit's row in the table of visits meets them.</summary>
    public string VisitSql { get; init; } = "";

    /// <summary>
    /// The conditions on an event's own columns that the table of visits does not hold (a page, an event's name, a goal,
    /// the hostname, a custom property): an event the filter keeps meets them itself.
    /// </summary>
    public string EventOnlySql { get; init; } = "";

    /// <summary>Whether every condition is one of <see cref="VisitSql"/> and <see cref="EventOnlySql"/>: the table of visits and the events answer it.</summary>
    public bool ByVisits { get; init; }
}

/// <summary>Builds an <see cref="EventFilter"/> condition by condition, each with what it needs of the visits.</summary>
public sealed class EventFilterBuilder
{
    private readonly StringBuilder _sql = new(), _events = new(), _attribution = new(), _visit = new(), _eventOnly = new();
    private VisitFacts _needs;
    private bool _byVisits = true;

    public DynamicParameters Parameters { get; } = new();

    /// <param name="condition">SQL starting with <c> AND </c>, on columns of <see cref="PeriodEvents"/>.</param>
    /// <param name="columns">The columns it reads.</param>
    public void Add(string condition, VisitFacts needs, params string[] columns)
    {
        _sql.Append(condition);
        _needs |= needs;
        if (needs == VisitFacts.None) _events.Append(condition);
        else if (needs == VisitFacts.Attribution) _attribution.Append(condition);
        if (columns.Length > 0 && columns.All(KeptVisits.Columns.Contains)) _visit.Append(condition);
        else if (needs == VisitFacts.None) _eventOnly.Append(condition);
        else _byVisits = false;   // a visit's dimension the table does not keep (utm_content, utm_term)
    }

    public EventFilter Build() => new(_sql.ToString(), Parameters, _needs)
    {
        EventSql = _events.ToString(), AttributionSql = _attribution.ToString(), VisitSql = _visit.ToString(), EventOnlySql = _eventOnly.ToString(),
        ByVisits = _byVisits,
    };
}
