using System.Net;
using System.Runtime.CompilerServices;

namespace LiveAnalytics.Live;

/// <summary>
/// What a live card renders of an item every open page shares (a feed item, a snapshot's list), made once and kept as
/// long as the item lives. The live page stays open for hours in many tabs, and each of its components keeps two render
/// trees (the one shown and the one before): a row's cells as one markup string cost each page one frame instead of a
/// dozen, and the text one string for every page instead of one per page; a row that did not change is the same string,
/// so an update sends only the rows that did. Only for parts with nothing to click in them; whoever makes the markup
/// encodes every string in it with <see cref="LiveMarkup.Encode"/>.
/// </summary>
/// <typeparam name="TContext">What the rendering depends on besides the item (the site's time zone; any constant when
/// nothing): made again when it differs.</typeparam>
internal sealed class RenderCache<TItem, TContext, TValue>(Func<TItem, TContext, TValue> make) where TItem : class
{
    private readonly ConditionalWeakTable<TItem, Made> _made = new();

    private sealed record Made(TContext Context, TValue Value);

    public TValue For(TItem item, TContext context)
    {
        if (_made.TryGetValue(item, out var made) && EqualityComparer<TContext>.Default.Equals(made.Context, context)) return made.Value;
        // Two pages rendering it at once may both make it: the same value, and the last one stays.
        var value = make(item, context);
        _made.AddOrUpdate(item, new Made(context, value));
        return value;
    }
}

/// <summary>Pieces of the live cards' markup that <see cref="RenderCache{TItem, TContext, TValue}"/> holds.</summary>
internal static class LiveMarkup
{
    /// <summary>Text as markup shows it, quotes too (it goes into attributes as well): visitors' strings are never markup.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text) ?? "";

    /// <summary>A row's bar behind its value: its share of the busiest row's count.</summary>
    public static string Bar(int count, int max) => $"<div class=\"now-bar\" style=\"width:{count * 100 / max}%\"></div>";
}
