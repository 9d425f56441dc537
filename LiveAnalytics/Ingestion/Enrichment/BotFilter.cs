using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Crawlers and bots, from the crawler-user-agents pattern list (npm, MIT). Running 1,500 patterns
/// on every new User-Agent costs milliseconds, so each pattern's longest required literal goes into
/// one vectorised multi-string search: only an agent that contains one of them meets the regexes.
/// An empty User-Agent counts as a bot: every browser sends one.
/// </summary>
public sealed class BotFilter
{
    private const int MinLiteral = 3;
    private readonly SearchValues<string> _literals;
    private readonly Regex _all;
    private readonly Regex? _withoutLiteral;

    public BotFilter(string jsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        var patterns = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("pattern").GetString()!).Where(IsValidPattern).ToList();
        var literals = new List<string>();
        var withoutLiteral = new List<string>();
        foreach (var p in patterns)
        {
            if (RequiredLiteral(p) is { } literal) literals.Add(literal);
            else withoutLiteral.Add(p);
        }
        _literals = SearchValues.Create(literals.Distinct().ToArray(), StringComparison.Ordinal);
        _all = Combine(patterns)!;
        _withoutLiteral = Combine(withoutLiteral);
    }

    public bool IsBot(string userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return true;
        if (userAgent.Length > UserAgentParser.MaxLength) userAgent = userAgent[..UserAgentParser.MaxLength];
        try
        {
            return userAgent.AsSpan().IndexOfAny(_literals) >= 0
                ? _all.IsMatch(userAgent)
                : _withoutLiteral?.IsMatch(userAgent) == true;
        }
        catch (RegexMatchTimeoutException)
        {
            return true;   // a User-Agent built to be slow is not a person's browser
        }
    }

    /// <summary>
    /// The longest run of characters every match must contain, or null when the pattern has none
    /// worth searching for (alternation at the top, or only short runs).
    /// </summary>
    internal static string? RequiredLiteral(string pattern)
    {
        // Inline options (case-insensitivity) and escapes spelled with letters would fool the scan below.
        if (TopLevelAlternation(pattern) || pattern.Contains("(?") || Regex.IsMatch(pattern, @"\\[xucpPk]")) return null;
        string best = "";
        var run = new StringBuilder();
        void EndRun() { if (run.Length > best.Length) best = run.ToString(); run.Clear(); }
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            char? literal = null;
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                if (!char.IsLetterOrDigit(next)) literal = next;   // \/ \. \- are literals; \d \s \w \b are not
            }
            else if ("[](){}|.^$*+?".IndexOf(c) < 0) literal = c;

            if (literal is null) { EndRun(); SkipGroupOrClass(pattern, ref i); continue; }
            // A quantifier after the character makes it optional or repeated: it ends the run without it.
            if (i + 1 < pattern.Length && "?*{".IndexOf(pattern[i + 1]) >= 0) { EndRun(); continue; }
            run.Append(literal.Value);
        }
        EndRun();
        return best.Length >= MinLiteral ? best : null;
    }

    // Groups and classes may be optional or alternatives: nothing inside them is required.
    private static void SkipGroupOrClass(string pattern, ref int i)
    {
        var open = pattern[i];
        if (open is not ('(' or '[' or '{')) return;
        var close = open switch { '(' => ')', '[' => ']', _ => '}' };
        for (int depth = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\') { i++; continue; }
            if (pattern[i] == open) depth++;
            else if (pattern[i] == close && --depth == 0) break;
        }
    }

    private static bool TopLevelAlternation(string pattern)
    {
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\': i++; break;
                case '(' or '[': depth++; break;
                case ')' or ']': depth--; break;
                case '|' when depth == 0: return true;
            }
        }
        return false;
    }

    private static Regex? Combine(IReadOnlyCollection<string> patterns) => patterns.Count == 0 ? null
        : new Regex(string.Join('|', patterns.Select(p => $"(?:{p})")), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));

    private static bool IsValidPattern(string pattern)
    {
        try { _ = new Regex(pattern); return true; }
        catch (ArgumentException) { return false; }
    }
}
