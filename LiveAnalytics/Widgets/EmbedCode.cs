using System.Text.Encodings.Web;

namespace LiveAnalytics.Widgets;

/// <summary>The iframe a merchant pastes, built from the generator's choices.</summary>
/// <param name="Event">The custom event recent-events counts, and <paramref name="Label"/> what it calls them.</param>
public sealed record EmbedCode(string BaseUri, string Token, string Kind, string Theme, string? Page, int Width, int Height,
    string? Event = null, string? Label = null)
{
    public string Url
    {
        get
        {
            var query = $"token={Uri.EscapeDataString(Token)}&theme={Uri.EscapeDataString(Theme)}";
            if (Kind == WidgetKind.PageViewers) query += $"&page={Uri.EscapeDataString(string.IsNullOrWhiteSpace(Page) ? "/" : Page.Trim())}";
            if (Kind == WidgetKind.RecentEvents)
            {
                query += $"&event={Uri.EscapeDataString(string.IsNullOrWhiteSpace(Event) ? "Purchase" : Event.Trim())}";
                if (!string.IsNullOrWhiteSpace(Label)) query += $"&label={Uri.EscapeDataString(Label.Trim())}";
            }
            return $"{BaseUri.TrimEnd('/')}/widget/{Kind}?{query}";
        }
    }

    public string Html
    {
        get
        {
            var enc = HtmlEncoder.Default;
            var transparent = Theme == "transparent" ? " allowtransparency=\"true\"" : "";
            return $"""<iframe src="{enc.Encode(Url)}" width="{Width}" height="{Height}" style="border:0;overflow:hidden" loading="lazy" title="Live visitors"{transparent}></iframe>""";
        }
    }

    /// <summary>
    /// For the page-viewers widget the embedding page usually fills in its own path; this snippet
    /// does that, so one snippet serves every product page.
    /// </summary>
    public string PerPageScript
    {
        get
        {
            var src = $"{BaseUri.TrimEnd('/')}/widget/{WidgetKind.PageViewers}?token={Uri.EscapeDataString(Token)}&theme={Uri.EscapeDataString(Theme)}&page=";
            return $$"""<script>(function(){var f=document.createElement('iframe');f.src='{{src}}'+encodeURIComponent(location.pathname);f.width='{{Width}}';f.height='{{Height}}';f.style.border='0';f.title='Live visitors';document.currentScript.replaceWith(f);})();</script>""";
        }
    }
}
