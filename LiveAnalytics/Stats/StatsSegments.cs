using System.Globalization;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// A segment the team saved on the history page, named in the Stats API's filters:
/// <c>filters=segment==Google visitors from Germany;visit:device==Mobile</c> keeps what the segment's filters keep (as the
/// page does when it is picked) and what the other filters keep. A name holding a <c>;</c> is given by its id instead
/// (<c>segment==12</c>, from <c>GET /api/v1/sites/segments</c>).
/// </summary>
public static class StatsSegments
{
    public const string Property = "segment";

    /// <returns>The filters without their segments, the segments' own filters, or an error that says what is wrong (for a 400).</returns>
    /// <param name="userId">The API key's user, whose own segments it names too.</param>
    public static async Task<(string? Others, IReadOnlyList<DashboardFilter> Filters, string? Error)> ResolveAsync(Segments segments, Site site, Guid userId,
        string? filters)
    {
        var parts = (filters ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!parts.Any(IsSegment)) return (filters, [], null);
        if (parts.Length > StatsFilters.MaxFilters) return (null, [], $"At most {StatsFilters.MaxFilters} filters are allowed.");
        // The team's first: a personal one of the same name is picked by its id.
        var saved = await segments.ListAsync(site.Id, userId);
        var kept = new List<DashboardFilter>();
        foreach (var part in parts.Where(IsSegment))
        {
            var value = part[Property.Length..].TrimStart();
            if (!value.StartsWith("==", StringComparison.Ordinal))
                return (null, [], $"Filter '{Clip(part)}': a segment is only kept (segment==NAME), not left out; negate its filters one by one instead.");
            var name = value[2..].Trim();
            var found = saved.FirstOrDefault(s => s.Name == name)
                ?? (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? saved.FirstOrDefault(s => s.Id == id) : null);
            if (found is null)
                return (null, [], $"Site '{site.Domain}' has no segment named '{Clip(name)}'" + (saved.Count == 0 ? "; it has none yet."
                    : $"; it has: {string.Join(", ", saved.Take(20).Select(s => s.Name))}{(saved.Count > 20 ? ", …" : "")} (GET /api/v1/sites/segments lists them)."));
            if (Keep(found, $"'{Clip(found.Name)}'", kept) is { } error) return (null, [], error);
        }
        return (string.Join(';', parts.Where(p => !IsSegment(p))), kept, null);
    }

    /// <summary>The filters of the segments a v2 query names by id (<c>["is", "segment", [12]]</c>), or what is wrong.</summary>
    public static async Task<(IReadOnlyList<DashboardFilter>? Filters, string? Error)> ByIdsAsync(Segments segments, Site site, Guid userId,
        IReadOnlyList<long> ids)
    {
        if (ids.Count == 0) return ([], null);
        var saved = await segments.ListAsync(site.Id, userId);
        var kept = new List<DashboardFilter>();
        foreach (var id in ids)
        {
            if (saved.FirstOrDefault(s => s.Id == id) is not { } found)
                return (null, $"Site '{site.Domain}' has no segment {id}; GET /api/v1/sites/segments lists its segments.");
            if (Keep(found, id.ToString(CultureInfo.InvariantCulture), kept) is { } error) return (null, error);
        }
        return (kept, null);
    }

    /// <summary>Adds the segment's filters to those <paramref name="kept"/> already (what all the segments keep); an error
    /// when it has none, named as <paramref name="shown"/>.</summary>
    private static string? Keep(Segment found, string shown, List<DashboardFilter> kept)
    {
        // A filter a later version could not read leaves a segment none: it would keep every visit, not its own.
        if (found.Filters.Count == 0) return $"Segment {shown} has no filter this version reads; save it again from the history page.";
        kept.AddRange(found.Filters.Where(f => !kept.Contains(f)));
        return null;
    }

    private static bool IsSegment(string part) =>
        part.StartsWith(Property, StringComparison.Ordinal) && part.AsSpan(Property.Length).TrimStart() is var rest
        && (rest.StartsWith("==", StringComparison.Ordinal) || rest.StartsWith("!=", StringComparison.Ordinal));

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 60);
}
