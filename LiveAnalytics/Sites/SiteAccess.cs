using LiveAnalytics.Settings;

namespace LiveAnalytics.Sites;

/// <summary>Which site an API key may act on: its user must be a member, and the key's scope must include it.</summary>
public sealed class SiteAccess(SiteRepository sites)
{
    public async Task<Site?> FindAsync(ApiKeyPrincipal key, string domain)
    {
        domain = domain.Trim().ToLowerInvariant();
        if (domain.Length is 0 or > Ingestion.SiteDomain.MaxLength) return null;
        return await sites.FindByDomainForUserAsync(domain, key.UserId) is { } site && key.Reaches(site.Id) ? site : null;
    }
}
