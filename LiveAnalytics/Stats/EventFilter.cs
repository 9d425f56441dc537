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
}
