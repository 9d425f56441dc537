using Dapper;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>A note on a day of a site's history ("Black Friday sale"), by one of its members.</summary>
/// <param name="Author">The author's address, or null once their account is deleted.</param>
public sealed record Annotation(long Id, DateOnly Day, string Text, Guid? AuthorId, string? Author);

/// <summary>
/// A site's annotations, shown on its history chart at their (local) day. Every member may annotate, a viewer too: a
/// note is what the team saw happen, not a setting (<see cref="AuthoredRows"/>).
/// </summary>
public sealed class Annotations(NpgsqlDataSource db, SiteTeam team, TimeProvider time)
{
    public const int MaxLength = 200, MaxPerSite = 2000;

    /// <summary>How far ahead a note may be dated: a sale or a launch is noted before it happens.</summary>
    public const int DaysAhead = 366;

    private static readonly DateOnly Earliest = new(2000, 1, 1);

    /// <summary>The site's annotations of the days [<paramref name="first"/>, <paramref name="last"/>], by day. The
    /// caller has checked the user's membership.</summary>
    public Task<IReadOnlyList<Annotation>> ListAsync(long siteId, DateOnly first, DateOnly last) => ReadAsync(siteId, first, last, id: null);

    /// <summary>One of the site's annotations, or null when it has none of that id.</summary>
    public async Task<Annotation?> FindAsync(long siteId, long id) => (await ReadAsync(siteId, DateOnly.MinValue, DateOnly.MaxValue, id)).SingleOrDefault();

    private async Task<IReadOnlyList<Annotation>> ReadAsync(long siteId, DateOnly first, DateOnly last, long? id)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, DateTime Day, string Text, Guid? AuthorId, string? Author)>("""
            SELECT a.id, a.day, a.text, a.created_by, u.email
            FROM annotations a LEFT JOIN users u ON u.id = a.created_by
            WHERE a.site_id = @siteId AND a.day >= @first AND a.day <= @last AND (@id IS NULL OR a.id = @id)
            ORDER BY a.day, a.id
            """, new { siteId, first, last, id });
        return rows.Select(r => new Annotation(r.Id, DateOnly.FromDateTime(r.Day), r.Text, r.AuthorId, r.Author)).ToList();
    }

    /// <returns>Why not, or null when added.</returns>
    public async Task<Refusal?> AddAsync(Site site, Guid userId, DateOnly day, string text) => (await CreateAsync(site, userId, day, text)).Error;

    /// <returns>The annotation added, or why not.</returns>
    public async Task<(long? Id, Refusal? Error)> CreateAsync(Site site, Guid userId, DateOnly day, string text)
    {
        if (await team.RoleAsync(site.Id, userId) is null) return (null, Refusal.NotAllowed("Only the site's members annotate its history."));
        if (Check(site, day, ref text) is { } error) return (null, error);
        await using var conn = await db.OpenConnectionAsync();
        var id = await conn.QuerySingleOrDefaultAsync<long?>("""
            INSERT INTO annotations (site_id, day, text, created_by, created_at)
            SELECT @Id, @day, @text, @userId, @now WHERE (SELECT count(*) FROM annotations WHERE site_id = @Id) < @max
            RETURNING id
            """, new { site.Id, day, text, userId, now = time.GetUtcNow().UtcDateTime, max = MaxPerSite });
        return id is null ? (null, Refusal.Conflict($"A site can have at most {MaxPerSite} annotations; remove old ones first.")) : (id, null);
    }

    /// <summary>Gives a note another day or text (its author, or an owner or admin, as who removes it).</summary>
    /// <returns>Why not, or null when changed.</returns>
    public async Task<Refusal?> UpdateAsync(Site site, Guid userId, long annotationId, DateOnly day, string text) =>
        Check(site, day, ref text) ?? await AuthoredRows.UpdateAsync(db, team, "annotations", "annotation", site.Id, userId, annotationId,
            "day = @day, text = @text", new DynamicParameters(new { day, text }));

    /// <summary>The text trimmed, or what is wrong with it or the day.</summary>
    private Refusal? Check(Site site, DateOnly day, ref string text)
    {
        text = text.Trim();
        if (text.Length is 0 or > MaxLength || text.Any(char.IsControl))
            return Refusal.Invalid($"Write the annotation in 1 to {MaxLength} characters on one line, e.g. Black Friday sale started.");
        var latest = SiteClock.Today(site, time).AddDays(DaysAhead);
        return day < Earliest || day > latest ? Refusal.Invalid($"Date the annotation between {Earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}.") : null;
    }

    /// <returns>Why not, or null when removed (or gone already).</returns>
    public Task<Refusal?> RemoveAsync(Site site, Guid userId, long annotationId) =>
        AuthoredRows.RemoveAsync(db, team, "annotations", "annotation", site.Id, userId, annotationId);
}
