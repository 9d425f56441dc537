using Dapper;
using Npgsql;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Applies the embedded, numbered <c>Migrations/*.sql</c> files in order, each once, under a
/// Postgres advisory lock so that app nodes starting together do not race.
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource db, ILogger<Migrator> logger)
{
    private const long LockKey = 0x4C41_4D49_4752; // "LAMIGR"

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey });
        try
        {
            await conn.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """);
            var applied = (await conn.QueryAsync<string>("SELECT version FROM schema_migrations")).ToHashSet();
            foreach (var (version, sql) in LoadScripts())
            {
                if (applied.Contains(version)) continue;
                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(sql, transaction: tx);
                await conn.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, tx);
                await tx.CommitAsync(ct);
                LogApplied(version);
            }
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    private static IEnumerable<(string Version, string Sql)> LoadScripts()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "LiveAnalytics.Persistence.Migrations.";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (name[prefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }

    [LoggerMessage(LogLevel.Information, "Applied migration {Version}")]
    private partial void LogApplied(string version);
}

/// <summary>Runs the migrations before anything else starts, so every later service sees the schema.</summary>
internal sealed class MigrationHostedService(Migrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => migrator.MigrateAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
