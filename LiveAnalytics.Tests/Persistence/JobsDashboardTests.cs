using System.Net;
using System.Text.RegularExpressions;
using Hangfire;
using LiveAnalytics.Accounts;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Persistence;

/// <summary>/jobs: Hangfire's dashboard, for operators signed in from the operators' networks.</summary>
public sealed class JobsDashboardTests
{
    private static readonly IPAddress OperatorsNetwork = IPAddress.Parse("10.20.30.40"), Internet = IPAddress.Parse("203.0.113.7");

    [Fact]
    public async Task An_operator_sees_the_jobs_and_acts_on_them_until_the_role_is_taken_back()
    {
        await using var app = new RemoteAddressAppFactory(OperatorsNetwork);
        // This app's own Hangfire schema: a recurring job for the page to list (test apps run no jobs of their own).
        app.Get<IRecurringJobManager>().AddOrUpdate("nightly-check", () => Console.WriteLine(), Cron.Never);
        var user = await app.UserAsync();
        Assert.Equal(0, await RunCommandAsync(app, user.Email, grant: true, "is an operator now"));
        Assert.Equal(0, await RunCommandAsync(app, user.Email, grant: true, "was an operator already"));
        var listed = new StringWriter();
        Assert.Equal(0, await OperatorCommand.ListAsync(app.Get<Operators>(), listed));
        Assert.Contains($"{user.Email}  (since ", listed.ToString());
        var client = await SignedInAsync(app, user);

        using var page = await client.GetAsync("/jobs/recurring");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{page.StatusCode}: {html}");
        Assert.Contains("LiveAnalytics jobs", html);
        Assert.Contains("nightly-check", html);
        Assert.Contains("js-jobs-list-command", html);   // the buttons that trigger and delete
        Assert.Contains("href=\"/jobs\"", await client.GetStringAsync("/sites"));   // the app's bar links to it

        // Run it now: a command takes the page's antiforgery token, and is refused without it.
        var monitoring = app.Get<JobStorage>().GetMonitoringApi();
        Assert.Equal(0, monitoring.EnqueuedCount("default"));
        using (var forged = await client.PostAsync("/jobs/recurring/trigger", Trigger("nightly-check")))
            Assert.Contains(forged.StatusCode, (HttpStatusCode[])[HttpStatusCode.BadRequest, HttpStatusCode.Forbidden]);   // ASP.NET Core's check or Hangfire's
        Assert.Equal(0, monitoring.EnqueuedCount("default"));
        using var trigger = new HttpRequestMessage(HttpMethod.Post, "/jobs/recurring/trigger") { Content = Trigger("nightly-check") };
        trigger.Headers.Add(Meta(html, "csrf-header"), Meta(html, "csrf-token"));
        using (var triggered = await client.SendAsync(trigger))
            Assert.True(triggered.IsSuccessStatusCode, $"{triggered.StatusCode}: {await triggered.Content.ReadAsStringAsync()}");
        Assert.Equal(1, monitoring.EnqueuedCount("default"));

        // Taken back: refused at the next request, the same sign-in.
        Assert.Equal(0, await RunCommandAsync(app, user.Email, grant: false, "is no longer an operator"));
        Assert.Equal(0, await RunCommandAsync(app, user.Email, grant: false, "was not an operator"));
        listed = new StringWriter();
        await OperatorCommand.ListAsync(app.Get<Operators>(), listed);
        Assert.DoesNotContain(user.Email, listed.ToString());
        using var refused = await client.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only operators", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_merchant_is_refused_with_the_reason_and_no_one_is_made_an_operator_of_an_unknown_address()
    {
        await using var app = new RemoteAddressAppFactory(OperatorsNetwork);
        var client = await SignedInAsync(app, await app.UserAsync());
        using var response = await client.GetAsync("/jobs");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Only operators", body);
        Assert.Contains("operator EMAIL", body);
        Assert.DoesNotContain("LiveAnalytics jobs", body);
        Assert.DoesNotContain("href=\"/jobs\"", await client.GetStringAsync("/sites"));

        Assert.Equal(1, await RunCommandAsync(app, "nobody@nowhere.example", grant: true, "No account has the e-mail address nobody@nowhere.example"));
    }

    [Fact]
    public async Task Signed_out_the_operators_network_is_asked_to_sign_in_and_comes_back()
    {
        await using var app = new RemoteAddressAppFactory(OperatorsNetwork);
        using var response = await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"{AccountsExtensions.LoginPath}?ReturnUrl=%2Fjobs%2Frecurring", response.Headers.Location?.PathAndQuery);
    }

    [Theory]
    [InlineData(false, null)]              // the internet
    [InlineData(true, null)]               // the internet, with an operator's password
    [InlineData(true, "198.51.100.1")]     // through a proxy not trusted: unknown client
    public async Task Anyone_else_is_refused(bool operatorSignedIn, string? forwardedFor)
    {
        await using var app = new RemoteAddressAppFactory(forwardedFor is null ? Internet : IPAddress.Loopback);
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (operatorSignedIn)
        {
            var user = await app.UserAsync();
            await app.Get<Operators>().SetAsync(user.Id, isOperator: true);
            client = await SignedInAsync(app, user);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/jobs");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);   // not a login page: signing in would not help
        Assert.Contains("not served to this address", body);
        Assert.DoesNotContain("LiveAnalytics jobs", body);
    }

    [Fact]
    public async Task Turned_off_there_is_none()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Persistence:JobsDashboard"] = "false" });
        using var response = await app.CreateClient().GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<HttpClient> SignedInAsync(AppFactory app, AppUser user)
    {
        var client = app.CreateClient();
        var page = await StaticForm.SubmitAsync(client, AccountsExtensions.LoginPath, "login",
            new() { ["Input.Email"] = user.Email, ["Input.Password"] = TestData.Password });
        Assert.DoesNotContain("login-submit", page);
        return client;
    }

    private static async Task<int> RunCommandAsync(AppFactory app, string email, bool grant, string says)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await OperatorCommand.RunAsync(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>(), app.Get<Operators>(),
            email, grant, output, errors);
        Assert.Contains(says, (code == 0 ? output : errors).ToString());
        return code;
    }

    private static FormUrlEncodedContent Trigger(string job) => new([new("jobs[]", job)]);

    private static string Meta(string html, string name) =>
        Regex.Match(html, $"<meta name=\"{name}\" content=\"([^\"]+)\"") is { Success: true } m ? m.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"No {name} on the page:\n{html}");
}
