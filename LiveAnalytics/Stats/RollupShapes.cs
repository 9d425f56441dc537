namespace LiveAnalytics.Stats;

/// <summary>SQL both rollup paths share, so that a rebuilt hour and an incrementally kept one hold the same rows.</summary>
internal static class RollupShapes
{
    // The visit's dimensions, from a row aliased v that carries them. Attribution (source to os) is the
    // visit's first event's; '' stands for none. Events count under them with the visit's values.
    public const string VisitDimensions = """
        ('source', coalesce(v.source, '')), ('referrer', coalesce(v.referrer, '')),
        ('utm_source', coalesce(v.utm_source, '')), ('utm_medium', coalesce(v.utm_medium, '')),
        ('utm_campaign', coalesce(v.utm_campaign, '')), ('country', coalesce(v.country, '')),
        ('device', coalesce(v.device, '')), ('browser', coalesce(v.browser, '')), ('os', coalesce(v.os, '')),
        ('entry_page', coalesce(v.entry_page, ''))
        """;

    // The exit page moves with every pageview of a visit, and a visitor sketch cannot forget a visitor:
    // so exit rows hold whole visits only (visits, bounces, length, and the visit's pageviews, events and
    // revenue, in the hour the visit began), never a visitor sketch.
    public const string ExitDimension = "('exit_page', coalesce(v.exit_page, ''))";

    // Adds the rows of temp table delta (lh, dim, val, visitors, pageviews, events, revenue, visits, bounces, seconds)
    // to the site's hours and days: sums added, sketches merged.
    public const string AddDelta = """
        INSERT INTO rollup_hours AS r (site_id, hour, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, lh, dim, val, visitors, pageviews, events, revenue, visits, bounces, seconds FROM delta
        ON CONFLICT (site_id, dimension, hour, value) DO UPDATE SET
            visitors = hll_union(r.visitors, excluded.visitors), pageviews = r.pageviews + excluded.pageviews,
            events = r.events + excluded.events, revenue = r.revenue + excluded.revenue, visits = r.visits + excluded.visits,
            bounces = r.bounces + excluded.bounces, visit_seconds = r.visit_seconds + excluded.visit_seconds;

        INSERT INTO rollup_days AS r (site_id, day, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, lh::date, dim, val, hll_union_agg(visitors), sum(pageviews), sum(events), sum(revenue), sum(visits), sum(bounces), sum(seconds)
        FROM delta GROUP BY 2, 3, 4
        ON CONFLICT (site_id, dimension, day, value) DO UPDATE SET
            visitors = hll_union(r.visitors, excluded.visitors), pageviews = r.pageviews + excluded.pageviews,
            events = r.events + excluded.events, revenue = r.revenue + excluded.revenue, visits = r.visits + excluded.visits,
            bounces = r.bounces + excluded.bounces, visit_seconds = r.visit_seconds + excluded.visit_seconds;
        """;
}
