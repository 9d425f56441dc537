using LiveAnalytics.Dashboard;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>Which days a day rollup (a funnel's, the properties') keeps, remakes or leaves to the raw events.</summary>
public sealed class DayPlanTests
{
    private static DateOnly Oct(int day) => new(2026, 10, day);
    private static readonly Dictionary<DateOnly, long> Totals = new() { [Oct(2)] = 10, [Oct(3)] = 5, [Oct(4)] = 7, [Oct(5)] = 3, [Oct(6)] = 1 };

    [Fact]
    public void A_day_reaching_its_neighbours_holds_while_their_events_do_and_yesterday_stays_open()
    {
        var days = DayPlan.Days(Oct(1), Oct(8));
        // 2 October kept with other numbers, but its raw events are gone; 3 October's hold; 4 October's changed.
        var stored = new Dictionary<DateOnly, long> { [Oct(2)] = 99, [Oct(3)] = 22, [Oct(4)] = 14 };
        var plan = DayPlan.Choose(days, today: Oct(6), reach: 1, firstWhole: Oct(3), Totals, stored);
        Assert.Equal([Oct(2), Oct(3)], plan.Stored);
        Assert.Equal([Oct(4), Oct(5), Oct(6)], plan.Fresh);   // 1 October had no events; the 7th and 8th are to come
        Assert.Equal([Oct(4)], plan.Store);
        Assert.Equal([5L + 7 + 3], plan.Events);

        var none = DayPlan.Choose(days, today: Oct(6), reach: 1, firstWhole: Oct(3), Totals, new Dictionary<DateOnly, long>());
        Assert.Equal([Oct(2), Oct(3), Oct(4), Oct(5), Oct(6)], none.Fresh);
        Assert.Equal([Oct(3), Oct(4)], none.Store);
        Assert.Equal([10L + 5 + 7, 5L + 7 + 3], none.Events);
    }

    [Fact]
    public void A_day_of_its_own_events_holds_while_they_do_and_closes_at_midnight()
    {
        var stored = new Dictionary<DateOnly, long> { [Oct(2)] = 10, [Oct(3)] = 4, [Oct(5)] = 3 };
        var plan = DayPlan.Choose(DayPlan.Days(Oct(1), Oct(6)), today: Oct(6), reach: 0, firstWhole: DateOnly.MinValue, Totals, stored);
        Assert.Equal([Oct(2), Oct(5)], plan.Stored);   // yesterday is closed
        Assert.Equal([Oct(3), Oct(4), Oct(6)], plan.Fresh);
        Assert.Equal([Oct(3), Oct(4)], plan.Store);
        Assert.Equal([5L, 7L], plan.Events);
        Assert.Equal(plan with { Stored = [], Fresh = [Oct(4)], Store = [Oct(4)], Events = [7L] }, plan.Making(1..2), new PlanComparer());
    }

    [Fact]
    public void A_job_reads_a_month_at_most_at_once()
    {
        var start = new DateOnly(2026, 1, 1);
        DateOnly[] scattered = [start, start.AddDays(1), start.AddDays(30), start.AddDays(31), start.AddDays(100)];
        Assert.Equal([0..3, 3..4, 4..5], DayPlan.Chunks(scattered));
        Assert.Equal([0..31, 31..40], DayPlan.Chunks(DayPlan.Days(start, start.AddDays(39))));
        Assert.Empty(DayPlan.Chunks([]));
        Assert.Empty(DayPlan.Days(start, start.AddDays(-1)));
    }

    [Fact]
    public void Fresh_days_far_apart_are_read_apart()
    {
        DateOnly[] fresh = [Oct(1), Oct(2), Oct(4), Oct(9)];
        // A funnel's day reads a day each side: 2 and 4 October share a read, 9 October is one of its own.
        Assert.Equal([[Oct(1), Oct(2), Oct(4)], [Oct(9)]], DayPlan.Runs(fresh, reach: 1));
        Assert.Equal([[Oct(1), Oct(2)], [Oct(4)], [Oct(9)]], DayPlan.Runs(fresh, reach: 0));
        Assert.Empty(DayPlan.Runs([], reach: 0));
    }

    [Fact]
    public async Task A_job_goes_on_past_an_owner_that_went_meanwhile()
    {
        var plan = DayPlan.Choose(DayPlan.Days(Oct(2), Oct(4)), today: Oct(10), reach: 0, firstWhole: DateOnly.MinValue, Totals, new Dictionary<DateOnly, long>());
        var madeFor = new List<string>();
        var made = await DayPlan.MakeAsync(["removed funnel", "kept funnel"], _ => Task.FromResult<DayPlan?>(plan),
            (owner, _) => owner == "removed funnel"
                ? throw new Npgsql.PostgresException("insert violates foreign key constraint", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.ForeignKeyViolation)
                : Task.CompletedTask,
            (owner, chunk) => madeFor.Add($"{owner}: {chunk.Store.Length}"), TimeProvider.System, TimeSpan.FromMinutes(1));
        Assert.Equal(3, made);
        Assert.Equal(["kept funnel: 3"], madeFor);
    }

    [Fact]
    public async Task A_long_period_to_keep_is_made_a_month_a_statement_before_its_read()
    {
        var start = new DateOnly(2026, 1, 1);
        DayPlan Plan(int days) => new([], DayPlan.Days(start, start.AddDays(days - 1)), DayPlan.Days(start, start.AddDays(days - 1)), new long[days]);
        var made = new List<int>();
        var again = new DayPlan([start], [], [], []);

        var prepared = await DayPlan.PreparedAsync(Plan(45), chunk => { made.Add(chunk.Store.Length); return Task.CompletedTask; }, () => Task.FromResult(again), TimeProvider.System);
        Assert.Equal([31, 14], made);
        Assert.Same(again, prepared);   // planned again: the days made are kept ones now

        made.Clear();
        var month = Plan(DayPlan.DaysPerStatement);
        Assert.Same(month, await DayPlan.PreparedAsync(month, chunk => { made.Add(chunk.Store.Length); return Task.CompletedTask; }, () => Task.FromResult(again), TimeProvider.System));
        Assert.Empty(made);   // one statement reads and keeps it
    }

    // Records compare arrays by reference: compare their days.
    private sealed class PlanComparer : IEqualityComparer<DayPlan>
    {
        public bool Equals(DayPlan? a, DayPlan? b) => a is not null && b is not null && a.Stored.SequenceEqual(b.Stored)
            && a.Fresh.SequenceEqual(b.Fresh) && a.Store.SequenceEqual(b.Store) && a.Events.SequenceEqual(b.Events);
        public int GetHashCode(DayPlan p) => p.Store.Length;
    }
}
