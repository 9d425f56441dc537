using System.Text;
using LiveAnalytics.Accounts;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// GET /sites/{id}/history/list/{dimension}/export: a "See all" list as one CSV table (the page's query string: the view,
/// its search and ranking), up to <see cref="MaxRows"/> values, with every metric the dashboard's export gives.
/// </summary>
public static class TopValuesExport
{
    /// <summary>More than the page lists (<see cref="TopValues.MaxRows"/>): a store's whole catalogue of product pages, as
    /// many as a page of the Stats API gives.</summary>
    public const int MaxRows = 10_000;

    public static async Task<IResult> HandleAsync(long siteId, string dimension, HttpContext http, SiteRepository sites, TopValues values,
        RevenueCurrency currency, TimeProvider time)
    {
        // Not a member is answered like a site that does not exist: ids are not probed.
        if (await sites.FindForUserAsync(siteId, http.User.UserId()) is not { } site)
            return TypedResults.Problem("No such site.", statusCode: StatusCodes.Status404NotFound);
        if (DashboardDimensions.Find(dimension) is not { } listed || !TopValues.Lists(listed))
            return TypedResults.Problem($"'{Infrastructure.Quoted.Clip(dimension, 40)}' has no list of its own; the lists are: " +
                string.Join(", ", DashboardDimensions.All.Where(TopValues.Lists).Select(d => d.Key)) + ".", statusCode: StatusCodes.Status404NotFound);
        var q = http.Request.Query;
        var (view, error) = DashboardView.Parse(q);
        if (error is not null) return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);

        var today = SiteClock.Today(site, time);
        var rows = await values.ReadAsync(site, view, today, listed, q["q"], q["sort"] == "revenue", 0, MaxRows);
        var range = view.Resolve(today);
        var csv = DashboardExport.TopCsv(listed, rows, await currency.GetAsync(site.Id));
        return TypedResults.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"{site.Domain}-{listed.Key}-{range.First:yyyyMMdd}-{range.Last:yyyyMMdd}.csv");
    }
}
