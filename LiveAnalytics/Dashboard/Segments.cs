using Dapper;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>A set of the history dashboard's filters saved under a name, for the site's team (or its author alone) to pick again.</summary>
/// <param name="Author">The author's address, or null once their account is deleted.</param>
/// <param name="Personal">Whether only its author sees it.</param>
public sealed record Segment(long Id, string Name, IReadOnlyList<DashboardFilter> Filters, Guid? AuthorId, string? Author, bool Personal = false)
{
    /// <summary>Whether these are the view's filters, in any order (never no filters: a segment saved some, though a filter
    /// a later version no longer reads would leave it none).</summary>
    public bool Matches(IReadOnlyList<DashboardFilter> filters) => Filters.Count > 0 && filters.Count == Filters.Count && filters.All(Filters.Contains);
}

/// <summary>
/// A site's segments. Any member saves one, a viewer too (<see cref="AuthoredRows"/>), for the team or for themselves; a
/// personal one only its author sees, picks, changes and removes.
/// </summary>
public sealed class Segments(NpgsqlDataSource db, SiteTeam team, TimeProvider time)
{
    public const int MaxPerSite = 100, MaxNameLength = 60;

    /// <summary>The site's segments by name, the team's and <paramref name="userId"/>'s own (none without one). The caller
    /// has checked the user's membership.</summary>
    public async Task<IReadOnlyList<Segment>> ListAsync(long siteId, Guid? userId = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, string Name, string[] Filters, Guid? AuthorId, string? Author, bool Personal)>("""
            SELECT s.id, s.name, s.filters, s.created_by, u.email, s.personal
            FROM segments s LEFT JOIN users u ON u.id = s.created_by
            WHERE s.site_id = @siteId AND (NOT s.personal OR s.created_by = @userId) ORDER BY lower(s.name), s.personal, s.id
            """, new { siteId, userId });
        // Saved as the page's address takes them, so read as it reads them.
        return rows.Select(r => new Segment(r.Id, r.Name, DashboardView.Parse(null, null, null, null, r.Filters, null).View.Filters, r.AuthorId, r.Author,
            r.Personal)).ToList();
    }

    /// <param name="personal">For its author alone: a name needs only be unique among theirs.</param>
    /// <returns>Why not, or null when saved.</returns>
    public async Task<Refusal?> SaveAsync(Site site, Guid userId, string name, IReadOnlyList<DashboardFilter> filters, bool personal = false)
    {
        if (await team.RoleAsync(site.Id, userId) is null) return Refusal.NotAllowed("Only the site's members save its segments.");
        if (Check(ref name, filters, out var texts) is { } error) return error;
        await using var conn = await db.OpenConnectionAsync();
        var saved = await conn.ExecuteAsync("""
            INSERT INTO segments (site_id, name, filters, created_by, created_at, personal)
            SELECT @Id, @name, @texts, @userId, @now, @personal WHERE (SELECT count(*) FROM segments WHERE site_id = @Id) < @max
            ON CONFLICT DO NOTHING
            """, new { site.Id, name, texts, userId, now = time.GetUtcNow().UtcDateTime, personal, max = MaxPerSite });
        if (saved == 1) return null;
        return (await ListAsync(site.Id, userId)).Any(s => s.Name == name && s.Personal == personal) ? Taken(name)
            : Refusal.Conflict($"A site can have at most {MaxPerSite} segments; remove one first.");
    }

    /// <summary>Renames a segment or gives it other filters (its author, or an owner or admin for the team's, as who removes it).</summary>
    /// <param name="personal">Also shares it or keeps it to its author, in the same statement (so that a refused share
    /// leaves the rename undone): null leaves it as it is. The caller has checked that the user is its author; the
    /// statement leaves another's as it is.</param>
    /// <returns>Why not, or null when changed.</returns>
    public async Task<Refusal?> UpdateAsync(Site site, Guid userId, long segmentId, string name, IReadOnlyList<DashboardFilter> filters, bool? personal = null)
    {
        if (Check(ref name, filters, out var texts) is { } error) return error;
        try
        {
            return await AuthoredRows.UpdateAsync(db, team, "segments", "segment", site.Id, userId, segmentId,
                "name = @name, filters = @texts, personal = CASE WHEN created_by = @userId THEN coalesce(@share, personal) ELSE personal END",
                new DynamicParameters(new { name, texts, share = personal }), personal: "personal");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Taken(name);
        }
    }

    /// <summary>Shares its author's segment with the team, or makes one of theirs their own alone (its author only: an owner
    /// hides no one's segment from the team).</summary>
    /// <returns>Why not, or null when done (or so already).</returns>
    public async Task<Refusal?> ShareAsync(Site site, Guid userId, long segmentId, bool personal)
    {
        if (await team.RoleAsync(site.Id, userId) is null) return Refusal.NotAllowed("Only the site's members change its segments.");
        await using var conn = await db.OpenConnectionAsync();
        try
        {
            var changed = await conn.QuerySingleOrDefaultAsync<string?>("""
                UPDATE segments SET personal = @personal WHERE id = @segmentId AND site_id = @Id AND created_by = @userId RETURNING name
                """, new { site.Id, segmentId, userId, personal });
            if (changed is not null) return null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Refusal.Conflict($"{(personal ? "You have a segment of your own" : "The team has a segment")} of that name already: rename this one first.");
        }
        return (await ListAsync(site.Id, userId)).Any(s => s.Id == segmentId)
            ? NotAuthor
            : Refusal.Gone("That segment was removed meanwhile.");
    }

    /// <returns>Why not, or null when removed (or gone already).</returns>
    public Task<Refusal?> RemoveAsync(Site site, Guid userId, long segmentId) =>
        AuthoredRows.RemoveAsync(db, team, "segments", "segment", site.Id, userId, segmentId, personal: "personal");

    /// <summary>The name trimmed and the filters as stored, or what is wrong with them.</summary>
    private static Refusal? Check(ref string name, IReadOnlyList<DashboardFilter> filters, out string[] texts)
    {
        name = name.Trim();
        texts = filters.Select(f => f.ToString()).ToArray();
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
            return Refusal.Invalid($"Name the segment in 1 to {MaxNameLength} characters, e.g. Google visitors from Germany.");
        if (filters.Count == 0) return Refusal.Invalid("Filter the page first: a segment saves the filters it shows.");
        return DashboardView.Parse(null, null, null, null, texts, null).Error is { } error ? Refusal.Invalid(error) : null;
    }

    public static readonly Refusal NotAuthor = Refusal.NotAllowed("Only its author shares a segment or keeps it to themselves.");

    private static Refusal Taken(string name) => Refusal.Conflict($"A segment named '{name}' exists already: pick another name, or remove that one first.");
}
