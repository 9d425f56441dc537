using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace LiveAnalytics.Bench;

/// <summary>The sites and widget tokens the live benchmark needs, made straight in the database.</summary>
public sealed class BenchSetup(NpgsqlDataSource db)
{
    /// <summary>A site owned by the owner of <paramref name="ownerDomain"/> (the demo merchant, whose API key reaches all their sites).</summary>
    public async Task<long> SiteAsync(string domain, string ownerDomain)
    {
        await using var conn = await db.OpenConnectionAsync();
        var id = await conn.ExecuteScalarAsync<long?>("SELECT id FROM sites WHERE domain = @domain", new { domain });
        if (id is { } existing) return existing;
        var siteId = await conn.ExecuteScalarAsync<long>(
            "INSERT INTO sites (domain, name, timezone) VALUES (@domain, @domain, 'UTC') RETURNING id", new { domain });
        await conn.ExecuteAsync("""
            INSERT INTO site_members (site_id, user_id, role)
            SELECT @siteId, m.user_id, 'owner' FROM site_members m JOIN sites s ON s.id = m.site_id WHERE s.domain = @ownerDomain
            """, new { siteId, ownerDomain });
        return siteId;
    }

    public async Task<string> WidgetTokenAsync(long siteId, params string[] widgets)
    {
        var token = "lw_bench" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO widget_tokens (site_id, name, prefix, token_hash, widgets, allowed_origins)
            VALUES (@siteId, 'bench', @prefix, @hash, @widgets, ARRAY['http://127.0.0.1'])
            """, new { siteId, prefix = token[..9], hash = SHA256.HashData(Encoding.UTF8.GetBytes(token)), widgets });
        return token;
    }
}
