using System.Net;
using Hangfire;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Persistence;

/// <summary>/jobs: Hangfire's dashboard, read-only, for the operator's networks.</summary>
public sealed class JobsDashboardTests
{
    [Fact]
    public async Task The_operators_network_sees_the_jobs_read_only()
    {
        await using var app = new RemoteAddressAppFactory(IPAddress.Parse("10.20.30.40"));
        // This app's own Hangfire schema: a recurring job for the page to list (test apps run no jobs of their own).
        app.Get<IRecurringJobManager>().AddOrUpdate("nightly-check", () => Console.WriteLine(), Cron.Never);
        using var page = await app.CreateClient().GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("LiveAnalytics jobs", html);
        Assert.Contains("nightly-check", html);
        // Read-only: no button that triggers or deletes a job.
        Assert.DoesNotContain("js-jobs-list-command", html);
    }

    [Theory]
    [InlineData("203.0.113.7", null)]              // the internet
    [InlineData("127.0.0.1", "198.51.100.1")]      // through a proxy not trusted: unknown client
    public async Task Anyone_else_is_refused(string remote, string? forwardedFor)
    {
        await using var app = new RemoteAddressAppFactory(IPAddress.Parse(remote));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/jobs");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await app.CreateClient().SendAsync(request);
        Assert.Contains(response.StatusCode, (HttpStatusCode[])[HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden]);
        Assert.DoesNotContain("LiveAnalytics jobs", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Turned_off_there_is_none()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Persistence:JobsDashboard"] = "false" });
        using var response = await app.CreateClient().GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
