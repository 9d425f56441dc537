using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Bunit.TestDoubles;
using LiveAnalytics.Accounts;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using Microsoft.AspNetCore.Components;
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

    /// <summary>
    /// Waits for the <paramref name="index"/>th element <paramref name="selector"/> finds, then finds it again and acts on it
    /// in one turn of the renderer. A page whose cards render as each of their reads ends may replace an element between
    /// finding it and clicking it, its handler gone (bUnit's UnknownEventHandlerIdException); no render comes between here.
    /// </summary>
    public static void On<T>(this IRenderedComponent<T> cut, string selector, Action<IElement> act, int index = 0) where T : IComponent
    {
        cut.WaitForAssertion(() => Assert.True(cut.FindAll(selector).Count > index, $"no element {index} of {selector}"));
        cut.InvokeAsync(() => act(cut.FindAll(selector)[index])).GetAwaiter().GetResult();
    }
}
