namespace LiveAnalytics.Sites;

public static class SitesExtensions
{
    public static IHostApplicationBuilder AddSites(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SiteRepository>();
        builder.Services.AddSingleton<SiteExclusionRepository>();
        builder.Services.AddSingleton<SiteAccess>();
        builder.Services.AddSingleton<SiteDeletion>();
        builder.Services.AddSingleton<SiteTeam>();
        builder.Services.AddSingleton<RevenueCurrency>();
        builder.Services.AddSingleton<SiteTimeZone>();
        builder.Services.AddSingleton<SiteIdentity>();
        builder.Services.AddSingleton<SiteInvitations>();
        return builder;
    }

    public static WebApplication MapSites(this WebApplication app)
    {
        SitesApi.Map(app);
        return app;
    }
}
