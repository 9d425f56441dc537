namespace LiveAnalytics.Live;

/// <summary>
/// The site's time zone for the live cards' clock times, cascaded by the site's page: a merchant reads "14:02:11" in
/// the zone the history dashboard counts days in, not the server's UTC.
/// </summary>
public sealed record LiveClock(TimeZoneInfo Zone)
{
    public static readonly LiveClock Utc = new(TimeZoneInfo.Utc);

    public static LiveClock For(string timezone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var zone) ? new(zone) : Utc;

    /// <summary>What the cards say the times are in: the zone's IANA name.</summary>
    public string Label => Zone.Id;

    // The same zone is the same clock: compared by its name, not by its rules one by one (markup made for one page's
    // clock serves every page of the site, and is checked on every render).
    public bool Equals(LiveClock? other) => other is not null && Zone.Id == other.Zone.Id;

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Zone.Id);

    public string Format(DateTimeOffset at, string format = "HH:mm:ss") =>
        TimeZoneInfo.ConvertTime(at, Zone).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
