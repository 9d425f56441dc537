using System.IO.Compression;
using System.Security.Claims;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>The history dashboard's export as a signed-in user's request runs it, and the CSV files of its zip.</summary>
public static class Exports
{
    public static async Task<(int Status, byte[] Body)> RunAsync(AppFactory app, long siteId, Guid userId, string query)
    {
        var (status, _, body) = await RunAsync(app, userId, query, http => DashboardExport.HandleAsync(siteId, http, app.Get<SiteRepository>(),
            app.Get<DashboardQueries>(), app.Get<Funnels>(), app.Get<CustomProperties>(), app.Get<RevenueCurrency>(), app.Get<Annotations>(), TimeProvider.System));
        return (status, body);
    }

    /// <summary>An export's handler run for a signed-in user with a query string: its status, content type and body.</summary>
    public static async Task<(int Status, string? Type, byte[] Body)> RunAsync(AppFactory app, Guid userId, string query, Func<HttpContext, Task<IResult>> handle)
    {
        using var scope = app.Services.CreateScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString())], "test"));
        http.Request.QueryString = new QueryString(query);
        var body = new MemoryStream();
        http.Response.Body = body;
        await (await handle(http)).ExecuteAsync(http);
        return (http.Response.StatusCode, http.Response.ContentType, body.ToArray());
    }

    /// <summary>A CSV file's lines.</summary>
    public static string[] Read(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }
}
