using System.Globalization;
using Dapper;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Sites;

/// <summary>
/// The currency a site reports revenue in, set by its owners and admins. Revenue is summed into one figure a
/// period, so amounts in two currencies would make it meaningless: once set, events carrying revenue in another
/// currency are refused (a clear 400 naming the rule), and dashboards label the figures with it. Without one,
/// amounts are summed as they come, as before it existed.
/// </summary>
public sealed class RevenueCurrency(NpgsqlDataSource db, SiteDirectory directory, SiteTeam team)
{
    /// <summary>The currencies of every region .NET knows (ICU's ISO 4217 list).</summary>
    public static readonly IReadOnlySet<string> Known = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(c => { try { return new RegionInfo(c.Name).ISOCurrencySymbol; } catch (ArgumentException) { return null; } })
        .Where(c => c is { Length: 3 }).Select(c => c!).ToHashSet(StringComparer.Ordinal);

    public async Task<string?> GetAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>("SELECT revenue_currency FROM sites WHERE id = @siteId", new { siteId });
    }

    /// <summary>The currencies of those of <paramref name="siteIds"/> that have one, in one query (the sites list).</summary>
    public async Task<IReadOnlyDictionary<long, string>> OfAsync(IReadOnlyCollection<long> siteIds)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long Id, string Currency)>(
            "SELECT id, revenue_currency FROM sites WHERE id = ANY(@siteIds) AND revenue_currency IS NOT NULL", new { siteIds = siteIds.ToArray() });
        return rows.ToDictionary(r => r.Id, r => r.Currency);
    }

    /// <param name="code">An ISO 4217 code (any case), or null or blank to unset it.</param>
    /// <returns>An error message, or null when saved.</returns>
    public async Task<string?> SetAsync(Site site, Guid userId, string? code)
    {
        code = string.IsNullOrWhiteSpace(code) ? null : code.Trim().ToUpperInvariant();
        if (code is not null && !Known.Contains(code)) return $"'{code}' is not an ISO 4217 currency code such as EUR, USD or GBP.";
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE sites SET revenue_currency = @code WHERE id = @Id", new { code, site.Id });
        // Ingestion checks events against it: every node's copy of the site must learn it.
        await directory.ChangedAsync(site.Domain);
        return null;
    }
}
