using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using LiveAnalytics.Accounts;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Infrastructure;

public static class ComponentContext
{
    /// <summary>What the history page and its cards read, for <see cref="For"/>: the site, its figures, retention, currency,
    /// funnels, properties, annotations, segments and team (the live hub, when the page follows today, the caller's).</summary>
    public static readonly Type[] HistoryPage =
    [
        typeof(SiteRepository), typeof(DashboardQueries), typeof(EventRetention), typeof(RevenueCurrency), typeof(Funnels),
        typeof(CustomProperties), typeof(Annotations), typeof(Segments), typeof(SiteTeam),
    ];

    /// <summary>
    /// A bUnit context for a component of the app: MudBlazor, loose JS interop, silent loggers, the running app's own
    /// instances of <paramref name="services"/> (the real database behind them), and <paramref name="user"/> signed in
    /// (null: nobody, as through a shared link).
    /// </summary>
    public static BunitContext For(AppFactory app, AppUser? user, params Type[] services)
    {
        var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(Microsoft.Extensions.Logging.Abstractions.NullLogger<>));
        foreach (var service in services) ctx.Services.AddSingleton(service, app.Services.GetRequiredService(service));
        if (user is not null) ctx.SignIn(user);
        return ctx;
    }

    /// <summary>Signs the user in for the components this context renders: the claim the app reads their id from.</summary>
    public static BunitAuthorizationContext SignIn(this BunitContext ctx, AppUser user)
    {
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(user.Email!);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        return auth;
    }
}
