namespace LiveAnalytics.Dashboard;

/// <summary>A breakdown the dashboard shows: its rollup dimension, and the events column that filters and breaks it down from raw events.</summary>
/// <param name="Column">As the raw queries read it (<see cref="Stats.PeriodEvents"/>: entry and exit pages are the visit's).</param>
/// <param name="Missing">How a missing value ('' in rollups) is shown.</param>
public sealed record DashboardDimension(string Key, string Label, string Column, string Missing)
{
    /// <summary>A custom property's name (<see cref="DashboardDimensions.Property"/>), whose values are <c>props ->> name</c>.</summary>
    public string? PropertyName { get; init; }

    public string Display(string value) => value.Length == 0 ? Missing : Key == "country" ? Live.CountryNames.Of(value) : value;
}

public static class DashboardDimensions
{
    public static readonly DashboardDimension Page = new("page", "Page", "pathname", "(none)");
    public static readonly DashboardDimension EntryPage = new("entry_page", "Entry page", Stats.PeriodEvents.EntryPage, "(none)");
    public static readonly DashboardDimension ExitPage = new("exit_page", "Exit page", Stats.PeriodEvents.ExitPage, "(none)");
    public static readonly DashboardDimension Source = new("source", "Source", "source", "Direct / None");
    /// <summary>The acquisition channel (GA4's default channel groups: Organic Search, Paid Social, Email…).</summary>
    public static readonly DashboardDimension Channel = new("channel", "Channel", "channel", "(not set)");
    public static readonly DashboardDimension Referrer = new("referrer", "Referrer", "referrer", "Direct / None");
    public static readonly DashboardDimension UtmSource = new("utm_source", "UTM source", "utm_source", "(not set)");
    public static readonly DashboardDimension UtmMedium = new("utm_medium", "UTM medium", "utm_medium", "(not set)");
    public static readonly DashboardDimension UtmCampaign = new("utm_campaign", "UTM campaign", "utm_campaign", "(not set)");
    public static readonly DashboardDimension Country = new("country", "Country", "country", "Unknown");
    /// <summary>The country's first subdivision and the city, by their English names (a MaxMind City database gives them).</summary>
    public static readonly DashboardDimension Region = new("region", "Region", "region", "Unknown");
    public static readonly DashboardDimension City = new("city", "City", "city", "Unknown");
    public static readonly DashboardDimension Device = new("device", "Device", "device", "(not set)");
    public static readonly DashboardDimension Browser = new("browser", "Browser", "browser", "(not set)");
    public static readonly DashboardDimension Os = new("os", "OS", "os", "(not set)");
    public static readonly DashboardDimension Event = new("event", "Custom event", "name", "(none)");

    /// <summary>
    /// One of the site's goals as a filter, by its label: a custom event's name, or <c>Visit /thank-you*</c> for the events
    /// on matching pages. Not a list (the goals card lists them): only a filter, set by a click on a goal.
    /// </summary>
    public static readonly DashboardDimension Goal = new("goal", "Goal", "goal", "(none)");

    public static readonly IReadOnlyList<DashboardDimension> All =
        [Page, EntryPage, ExitPage, Source, Channel, Referrer, UtmSource, UtmMedium, UtmCampaign, Country, Region, City, Device, Browser, Os, Event];

    /// <summary>The lists on the dashboard cards' first tabs: read with the page; the other tabs are read when opened.</summary>
    public static readonly IReadOnlyList<DashboardDimension> ShownFirst = [Page, Source, Country, Device, Event];

    /// <summary>How a custom property's filter starts in the URL: <c>f=prop:plan:pro</c>.</summary>
    public const string PropertyPrefix = "prop:";

    public static DashboardDimension? Find(string key) =>
        All.FirstOrDefault(d => d.Key == key) ?? (key == Goal.Key ? Goal
            : key.StartsWith(PropertyPrefix, StringComparison.Ordinal) ? Property(key[PropertyPrefix.Length..]) : null);

    /// <summary>
    /// A custom property of events as a filter, or null for a name the dashboard cannot carry in its URL (a colon ends the
    /// name there; the Stats API takes any name).
    /// </summary>
    public static DashboardDimension? Property(string name) =>
        name.Length is 0 or > Ingestion.EventPayloadParser.MaxPropKeyLength || name.Contains(':') || name.Any(char.IsControl) ? null
            : new DashboardDimension(PropertyPrefix + name, name, "props", "(none)") { PropertyName = name };
}
