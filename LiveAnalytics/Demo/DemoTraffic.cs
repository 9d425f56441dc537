using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Demo;

/// <summary>
/// Simulated shoppers on the demo site, sent through the same ingestion path as real beacons,
/// so a fresh install has a moving live view. Visitors arrive, browse a few pages and leave. Before the first of them,
/// the demo's history (<see cref="DemoHistory"/>).
/// </summary>
public sealed partial class DemoTraffic(
    IServiceProvider services, IOptions<DemoOptions> options, TimeProvider time, ILogger<DemoTraffic> logger) : BackgroundService
{
    private static readonly string[] Pages = ["/", "/collections/new", "/collections/sale", "/products/linen-shirt",
        "/products/canvas-bag", "/products/wool-socks", "/cart", "/checkout", "/about", "/blog/summer-lookbook"];
    private static readonly string?[] Referrers = [null, null, "https://www.google.com/", "https://duckduckgo.com/",
        "https://www.facebook.com/", "https://news.ycombinator.com/", "https://www.reddit.com/r/malefashionadvice/"];
    // Some arrive by the store's campaign links (a newsletter, search and social ads), so that every channel tab has rows.
    private static readonly string?[] Campaigns = [null, null, null, null, null, null, "?utm_source=Newsletter&utm_medium=email&utm_campaign=autumn-sale",
        "?utm_source=Google&utm_medium=cpc&utm_campaign=linen", "?utm_source=Instagram&utm_medium=paid_social&utm_campaign=lookbook"];
    private static readonly string[] Agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"];

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!options.Value.Traffic) return;
        var ingestion = services.GetRequiredService<IngestionService>();
        try
        {
            await services.GetRequiredService<DemoHistory>().FillAsync(options.Value.Domain, DemoHistory.Days, ct);
        }
        catch (Exception ex) when (ex is StreamUnavailableException or Npgsql.NpgsqlException or TimeoutException)
        {
            LogPaused(ex.Message);   // the live shoppers come all the same
        }
        var visitors = new List<Shopper>();
        while (!ct.IsCancellationRequested)
        {
            if (visitors.Count < 25 && Random.Shared.NextDouble() < 0.35) visitors.Add(Shopper.Arrive());
            if (visitors.Count > 0)
            {
                var shopper = visitors[Random.Shared.Next(visitors.Count)];
                try
                {
                    await ingestion.IngestAsync(shopper.NextEvent(options.Value.Domain), new EventOrigin(shopper.Ip, shopper.Agent), ct);
                }
                catch (Exception ex) when (ex is StreamUnavailableException or Npgsql.NpgsqlException)
                {
                    LogPaused(ex.Message);
                }
                if (shopper.Done) visitors.Remove(shopper);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(150, 700)), time, ct);
        }
    }

    /// <summary>
    /// A visitor's journey as a store sees it: pages at random, an "Add to cart" on a product page they are looking at,
    /// then often the cart, the checkout and a purchase, so that the demo's goals, funnel and revenue read like a
    /// store's (a page's visitors never outnumber its pageviews). Each page view's engagement is reported as the
    /// shopper moves on, as the tracker does: longer and deeper on products and the lookbook than on the cart.
    /// </summary>
    /// <param name="random">Where its choices come from: the demo history's is seeded, so that every install has the same.</param>
    internal sealed class Shopper(Random random)
    {
        // A third leave after the page they landed on, as a store's visitors do; the others look at 2 to 8 things.
        private int _left = random.NextDouble() < 0.33 ? 1 : random.Next(2, 9);
        private string? _referrer = Referrers[random.Next(Referrers.Length)];
        // The landing page's query (a campaign link's), on every event of that page as the tracker sends it.
        private string? _query = Campaigns[random.Next(Campaigns.Length)];
        private string? _page;
        private bool _inCart, _leaving;
        public required string Ip { get; init; }
        public required string Agent { get; init; }
        public bool Done => _left <= 0;

        public static Shopper Arrive(Random? random = null)
        {
            random ??= Random.Shared;
            return new Shopper(random)
            {
                // TEST-NET-2 and -3: never a real visitor (DemoPlaces says where they are).
                Ip = $"{DemoPlaces.Networks[random.Next(DemoPlaces.Networks.Length)]}{random.Next(1, 255)}",
                Agent = Agents[random.Next(Agents.Length)],
            };
        }

        public EventPayload NextEvent(string domain)
        {
            _left--;
            if (_leaving)
            {
                _leaving = false;
                return NextPage(domain);
            }
            var chance = random.NextDouble();
            if (_page is { } product && product.StartsWith("/products/") && !_inCart && chance < 0.35)
            {
                _inCart = true;
                _left++;   // on to the cart, most of the time
                return Event(domain, "Add to cart", props: $$"""{"product":"{{product["/products/".Length..]}}"}""");
            }
            if (_page == "/checkout" && _inCart && chance < 0.6)
            {
                _inCart = false;
                _left = 0;
                return Event(domain, "Purchase", revenue: Math.Round(19.9m + random.Next(0, 13) * 10m, 2));
            }
            if (_page is not null)
            {
                // Moving on: the page view just left is reported first, as the tracker does.
                _leaving = true;
                _left++;
                return Engagement(domain);
            }
            return NextPage(domain);
        }

        private EventPayload NextPage(string domain)
        {
            if (_page is not null) _query = null;   // past the landing page
            _page = _inCart && random.NextDouble() < 0.7 ? (_page == "/cart" ? "/checkout" : "/cart") : Pages[random.Next(Pages.Length)];
            if (_inCart && _page == "/checkout") _left = Math.Max(_left, 1);   // the purchase may follow
            var referrer = _referrer;
            _referrer = null;
            return Event(domain, TrackedEvent.Pageview, referrer);
        }

        private EventPayload Engagement(string domain)
        {
            var reading = _page is { } page && (page.StartsWith("/products/") || page.StartsWith("/blog/"));
            var seconds = reading ? random.Next(20, 150) : random.Next(3, 40);
            var depth = reading ? random.Next(45, 101) : random.Next(20, 90);
            return Event(domain, Ingestion.Engagement.EventName) with { Engagement = new Engagement(seconds * 1000, depth, First: true) };
        }

        private EventPayload Event(string domain, string name, string? referrer = null, string? props = null, decimal? revenue = null) =>
            new(name, new Uri($"https://{domain}{_page}{_query}"), [domain], referrer is null ? null : new Uri(referrer), props,
                revenue, revenue is null ? null : "EUR");
    }

    [LoggerMessage(LogLevel.Warning, "Demo traffic paused: {Reason}")]
    private partial void LogPaused(string reason);
}
