using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace LiveAnalytics.Settings;

/// <summary>
/// API keys: 256 random bits shown once at creation; only their SHA-256 is stored. A key acts
/// for the user who made it, on the sites that user is a member of.
/// </summary>
public sealed class ApiKeys(NpgsqlDataSource db)
{
    private const string Prefix = "la_";

    public async Task<(ApiKeyInfo Info, string Secret)> CreateAsync(Guid userId, string name)
    {
        var secret = Prefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await using var conn = await db.OpenConnectionAsync();
        var info = await conn.QuerySingleAsync<ApiKeyInfo>("""
            INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES (@userId, @name, @prefix, @hash)
            RETURNING id AS Id, name AS Name, prefix AS Prefix, created_at AS CreatedAt
            """, new { userId, name, prefix = secret[..8], hash = Hash(secret) });
        return (info, secret);
    }

    /// <summary>The user a live (unrevoked) key belongs to, or null.</summary>
    public async Task<Guid?> FindUserAsync(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100) return null;
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<Guid?>(
            "SELECT user_id FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL", new { hash = Hash(secret) });
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<ApiKeyInfo>("""
            SELECT id AS Id, name AS Name, prefix AS Prefix, created_at AS CreatedAt FROM api_keys
            WHERE user_id = @userId AND revoked_at IS NULL ORDER BY created_at
            """, new { userId })).AsList();
    }

    public async Task<bool> RevokeAsync(Guid userId, long keyId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = now() WHERE id = @keyId AND user_id = @userId AND revoked_at IS NULL",
            new { keyId, userId }) == 1;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

public sealed record ApiKeyInfo(long Id, string Name, string Prefix, DateTimeOffset CreatedAt);
