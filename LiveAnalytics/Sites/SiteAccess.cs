using LiveAnalytics.Settings;

namespace LiveAnalytics.Sites;

/// <summary>
/// Which site an API key may act on: its user must be a member, and the key's scope must include it. Reading
/// (stats, streams) takes any member's key; writing (sending events) an owner's or admin's.
/// </summary>
public sealed class SiteAccess(SiteRepository sites, SiteTeam team)
{
    public async Task<Site?> FindAsync(ApiKeyPrincipal key, string domain, bool write = false)
    {
        domain = domain.Trim().ToLowerInvariant();
        // No site's domain is other than a host name: anything else (a NUL, which PostgreSQL refuses in text) names none.
        if (!Ingestion.SiteDomain.IsValid(domain)) return null;
        if (await sites.FindByDomainForUserAsync(domain, key.UserId) is not { } site || !key.Reaches(site.Id)) return null;
        return !write || await team.RoleAsync(site.Id, key.UserId) is SiteTeam.Owner or SiteTeam.Admin ? site : null;
    }
}
