using System.ComponentModel.DataAnnotations;
using Dapper;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Sites;

/// <summary>
/// A site's name and domain, changed by its owners and admins. A new domain (a store that moved, or was renamed) keeps
/// the site's history, team, keys and settings; for <see cref="Grace"/> after the change the old domain still names the
/// site too, so that beacons from pages and caches still carrying the old snippet keep arriving while the store's
/// pages are updated, and no other site can take it meanwhile.
/// </summary>
public sealed class SiteIdentity(NpgsqlDataSource db, SiteTeam team, SiteDirectory directory, TimeProvider time)
{
    public static readonly TimeSpan Grace = TimeSpan.FromHours(72);

    /// <summary>
    /// SQL: the <c>sites</c> row (columns prefixed with <paramref name="alias"/>) that the domain in the parameter
    /// <paramref name="domain"/> names: its own, or its previous one while in its grace (parameter <c>@now</c>).
    /// </summary>
    public static string Names(string domain, string alias = "") =>
        $"({alias}domain = {domain} OR ({alias}previous_domain = {domain} AND {alias}previous_domain_until > @now))";

    /// <summary>The domain the site had before its last change, while it still names the site.</summary>
    public async Task<(string Domain, DateTimeOffset Until)?> PreviousAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<(string, DateTimeOffset)?>("""
            SELECT previous_domain, previous_domain_until FROM sites
            WHERE id = @siteId AND previous_domain IS NOT NULL AND previous_domain_until > @now
            """, new { siteId, now = time.GetUtcNow() });
    }

    /// <returns>The site as it is now, or why not, with an error message for the form.</returns>
    public async Task<SiteChange> ChangeAsync(Site site, Guid userId, string name, string domain)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteChange.Refused(SiteChangeRefusal.NotAllowed, SiteTeam.SettingsRefused);
        var changed = new NewSite { Domain = SiteDomain.Normalize(domain), Name = name.Trim(), Timezone = site.Timezone };
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(changed, new ValidationContext(changed), problems, validateAllProperties: true))
            return SiteChange.Refused(SiteChangeRefusal.Invalid, string.Join(" ", problems.Select(p => p.ErrorMessage)));

        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var current = await conn.QuerySingleAsync<string>("SELECT domain FROM sites WHERE id = @Id FOR UPDATE", new { site.Id }, tx);
        if (changed.Domain != current)
        {
            // Taken: another site's domain, or another site's previous domain still in its grace.
            var taken = await conn.ExecuteScalarAsync<bool>($"""
                SELECT EXISTS (SELECT 1 FROM sites WHERE id <> @Id AND {Names("@Domain")})
                """, new { site.Id, changed.Domain, now }, tx);
            if (taken) return SiteChange.Refused(SiteChangeRefusal.Taken, $"{changed.Domain} is registered to another site.");
            // Another site's previous domain whose grace is over is free: it stops being one.
            await conn.ExecuteAsync("UPDATE sites SET previous_domain = NULL, previous_domain_until = NULL WHERE previous_domain IN (@Domain, @current) AND id <> @Id",
                new { site.Id, changed.Domain, current }, tx);
        }
        Site updated;
        try
        {
            updated = await conn.QuerySingleAsync<Site>("""
                UPDATE sites SET name = @Name,
                    domain = @Domain,
                    previous_domain = CASE WHEN @Domain <> domain THEN domain ELSE previous_domain END,
                    previous_domain_until = CASE WHEN @Domain <> domain THEN @until ELSE previous_domain_until END
                WHERE id = @Id
                RETURNING id AS Id, domain AS Domain, name AS Name, timezone AS Timezone
                """, new { site.Id, changed.Name, changed.Domain, until = now + Grace }, tx);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another site took the domain between the check and the change.
            return SiteChange.Refused(SiteChangeRefusal.Taken, $"{changed.Domain} is registered to another site.");
        }
        await tx.CommitAsync();
        if (changed.Domain != current)
        {
            // Every node forgets both: the new domain was unknown, the old one now names the site for a while only.
            await directory.ChangedAsync(current);
            await directory.ChangedAsync(changed.Domain);
        }
        return new SiteChange(updated, null, SiteChangeRefusal.None);
    }
}

public enum SiteChangeRefusal { None, NotAllowed, Invalid, Taken }

/// <param name="Site">The site as it is after the change; null when refused.</param>
public sealed record SiteChange(Site? Site, string? Error, SiteChangeRefusal Refusal)
{
    public static SiteChange Refused(SiteChangeRefusal why, string error) => new(null, error, why);
}
