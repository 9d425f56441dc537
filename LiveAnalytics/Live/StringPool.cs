namespace LiveAnalytics.Live;

/// <summary>
/// One shared instance per distinct value (a page, an event name, a country…) for state that lives for
/// minutes. Every event brings fresh copies of the same few strings; kept as they are, each would be promoted
/// through the collector's generations and die there, and every reference written into an old visitor
/// would be a card for each young collection to scan. Under a busy store's load that was most of the live
/// state's cost and its collections' pauses. Bounded: past <see cref="MaxStrings"/> distinct values it starts
/// afresh (values already handed out stay valid). Not thread-safe: its owner serialises access.
/// </summary>
internal sealed class StringPool
{
    public const int MaxStrings = 16_384;
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);

    public string Get(string value)
    {
        if (_strings.TryGetValue(value, out var pooled)) return pooled;
        if (_strings.Count >= MaxStrings) _strings.Clear();
        _strings.Add(value);
        return value;
    }

    public string? GetOrNull(string? value) => value is null ? null : Get(value);

    public int Count => _strings.Count;
}
