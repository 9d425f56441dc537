using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL and Redis that ./test.sh starts, named by LA_TEST_POSTGRES and LA_TEST_REDIS.
/// A missing or unreachable service fails the test with a message that says what to do; never a skip.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<string> PostgresValue = new(() => Require("LA_TEST_POSTGRES", CheckPostgres));
    private static readonly Lazy<string> RedisValue = new(() => Require("LA_TEST_REDIS", CheckRedis));

    public static string Postgres => PostgresValue.Value;
    public static string Redis => RedisValue.Value;

    private static string Require(string variable, Action<string> check)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                $"{variable} is not set. These tests need the PostgreSQL and Redis that ./test.sh starts: run ./test.sh " +
                "(or start them yourself and set LA_TEST_POSTGRES to an Npgsql connection string and LA_TEST_REDIS to host:port).");
        check(value);
        return value;
    }

    private static void CheckPostgres(string connectionString)
    {
        try
        {
            using var conn = new NpgsqlConnection(connectionString);
            conn.Open();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"PostgreSQL at LA_TEST_POSTGRES is not reachable: {e.Message}. Run the tests through ./test.sh.", e);
        }
    }

    private static void CheckRedis(string endpoint)
    {
        try
        {
            using var redis = ConnectionMultiplexer.Connect(endpoint);
            redis.GetDatabase().Ping();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"Redis at LA_TEST_REDIS is not reachable: {e.Message}. Run the tests through ./test.sh.", e);
        }
    }
}
