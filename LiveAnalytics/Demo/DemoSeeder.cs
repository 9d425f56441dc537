using LiveAnalytics.Accounts;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Demo;

/// <summary>Creates the demo merchant (an operator too), site and API key once; later runs find them and change nothing.</summary>
public sealed partial class DemoSeeder(IServiceProvider services, IOptions<DemoOptions> options, ILogger<DemoSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Seed) return;
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(o.Email);
        if (user is null)
        {
            user = new AppUser { Email = o.Email };
            var created = await users.CreateAsync(user, o.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException("Demo user: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            // Whoever tries the product out runs it too: the background jobs are theirs to look at (once, so that a
            // revoke made later stands).
            await scope.ServiceProvider.GetRequiredService<Operators>().SetAsync(user.Id, isOperator: true);
            LogCreated(o.Email);
        }
        var sites = scope.ServiceProvider.GetRequiredService<SiteRepository>();
        if (await sites.FindByDomainForUserAsync(o.Domain, user.Id) is null
            && await sites.CreateAsync(user.Id, new NewSite { Domain = o.Domain, Name = "Demo shop", Timezone = "UTC" }) is { } site)
        {
            // What the simulated shoppers do, as a merchant would set it up: the history shows a goal and a funnel at once.
            await scope.ServiceProvider.GetRequiredService<Goals>().AddAsync(site, user.Id, Goal.Event, "Add to cart");
            await scope.ServiceProvider.GetRequiredService<Goals>().AddAsync(site, user.Id, Goal.Event, "Purchase");
            await scope.ServiceProvider.GetRequiredService<RevenueCurrency>().SetAsync(site, user.Id, "EUR");
            await scope.ServiceProvider.GetRequiredService<Funnels>().AddAsync(site, user.Id, "Checkout",
                [(Goal.Page, "/products/*"), (Goal.Event, "Add to cart"), (Goal.Page, "/cart"), (Goal.Page, "/checkout")]);
        }
        if (o.KeyFile is { } file && !File.Exists(file))
        {
            var (_, secret) = await scope.ServiceProvider.GetRequiredService<ApiKeys>().CreateAsync(user.Id, "Demo key");
            await File.WriteAllTextAsync(file, secret + "\n", ct);
            LogKeyWritten(file);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "The demo API key is in {File}; it is shown nowhere else")]
    private partial void LogKeyWritten(string file);

    [LoggerMessage(LogLevel.Information, "Created demo merchant {Email}")]
    private partial void LogCreated(string email);
}
