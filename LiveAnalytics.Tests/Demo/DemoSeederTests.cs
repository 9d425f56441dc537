using LiveAnalytics.Accounts;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Demo;

/// <summary>What <c>./run.sh</c> seeds on its first run: a merchant (an operator), a site with a goal and a funnel, an API key; the next run changes nothing.</summary>
public sealed class DemoSeederTests
{
    [Fact]
    public async Task The_first_run_seeds_the_demo_and_the_next_finds_it()
    {
        var (email, domain, keyFile) = ($"demo{Guid.NewGuid():N}@test.example", TestData.UniqueDomain(), Path.GetTempFileName());
        File.Delete(keyFile);
        var settings = new Dictionary<string, string?>
        {
            ["Demo:Seed"] = "true", ["Demo:Email"] = email, ["Demo:Password"] = TestData.Password, ["Demo:Domain"] = domain, ["Demo:KeyFile"] = keyFile,
        };
        try
        {
            for (var run = 1; run <= 2; run++)
            {
                await using var app = new AppFactory(settings);
                _ = app.Server;   // starts it: the seeder runs
                await using var scope = app.Services.CreateAsyncScope();
                var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
                Assert.NotNull(user);
                var site = await app.Get<SiteRepository>().FindByDomainForUserAsync(domain, user.Id);
                Assert.NotNull(site);
                Assert.Equal(["Add to cart", "Purchase"], (await app.Get<Goals>().ListAsync(site.Id)).Select(g => g.Label));
                Assert.Equal(["Checkout: Visit /products/* → Add to cart → Visit /cart → Visit /checkout"],
                    (await app.Get<Funnels>().ListAsync(site.Id)).Select(f => $"{f.Name}: {f.Path}"));
                Assert.Equal("EUR", await app.Get<RevenueCurrency>().GetAsync(site.Id));
                Assert.StartsWith("la_", File.ReadAllText(keyFile));
                // An operator (the jobs dashboard); made one once, so that the second run, after a revoke, leaves it revoked.
                Assert.Equal(run == 1, await app.Get<Operators>().IsOperatorAsync(user.Id));
                if (run == 1) await app.Get<Operators>().SetAsync(user.Id, isOperator: false);
            }
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
