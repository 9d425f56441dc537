using Dapper;

namespace LiveAnalytics.Stats;

/// <summary>
/// Conditions on the events of a period, as SQL (<c> AND …</c>) with its parameters. Columns come only from fixed
/// tables (<see cref="StatsFilters"/>, the dashboard's dimensions); values only ever travel as parameters.
/// </summary>
/// <param name="ByVisit">The conditions read a visit's attribution (<see cref="PeriodEvents.Attribution"/>), which the
/// events of a visit after its first do not carry: the period's events are then read with their visit's.</param>
public sealed record EventFilter(string Sql, DynamicParameters Parameters, bool ByVisit)
{
    public static EventFilter None => new("", new DynamicParameters(), false);
}
