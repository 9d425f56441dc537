using LiveAnalytics.Stats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

public sealed class DatabaseUnavailableFilterTests
{
    private static async Task<(int Status, string RetryAfter, string Body, object? Passed)> InvokeAsync(EndpointFilterDelegate next)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        var body = new MemoryStream();
        http.Response.Body = body;
        var result = await new DatabaseUnavailableFilter(NullLogger<DatabaseUnavailableFilter>.Instance)
            .InvokeAsync(EndpointFilterInvocationContext.Create(http), next);
        if (result is IResult answer) await answer.ExecuteAsync(http);
        return (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString(), System.Text.Encoding.UTF8.GetString(body.ToArray()), result);
    }

    [Fact]
    public async Task A_database_that_is_away_or_too_slow_is_a_503_with_retry_after_not_a_500()
    {
        foreach (var failure in (Exception[])[new NpgsqlException("Connection refused"), new NpgsqlException("Exception while reading from stream", new TimeoutException()), new TimeoutException()])
        {
            var (status, retryAfter, body, _) = await InvokeAsync(_ => throw failure);
            Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
            Assert.Equal("5", retryAfter);
            Assert.Contains("retry shortly", body);
            Assert.Contains("\"error\"", body);   // Plausible's clients read this member
        }
    }

    [Fact]
    public async Task Answers_and_other_failures_pass_through()
    {
        var (_, _, _, passed) = await InvokeAsync(_ => ValueTask.FromResult<object?>("ok"));
        Assert.Equal("ok", passed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeAsync(_ => throw new InvalidOperationException("a bug")));
    }
}
