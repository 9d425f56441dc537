using System.Text.Json;
using LiveAnalytics.Ingestion.Enrichment;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

public sealed class BotFilterTests
{
    private static readonly string ListPath = Path.Combine(AppContext.BaseDirectory, "EnrichmentData", "crawler-user-agents.json");
    private static readonly BotFilter Filter = new(ListPath);

    [Fact]
    public void Flags_every_example_agent_the_list_ships_with()
    {
        // The list gives sample User-Agents for its patterns: the literal prefilter must not lose any of them.
        using var doc = JsonDocument.Parse(File.ReadAllBytes(ListPath));
        var samples = doc.RootElement.EnumerateArray()
            .SelectMany(e => e.TryGetProperty("instances", out var i) ? i.EnumerateArray().Select(x => x.GetString()!) : [])
            .Where(s => s.Length is > 0 and <= UserAgentParser.MaxLength)
            .ToList();
        Assert.True(samples.Count > 1000, $"only {samples.Count} samples");
        var missed = samples.Where(s => !Filter.IsBot(s)).ToList();
        Assert.True(missed.Count == 0, $"{missed.Count} missed, e.g. {string.Join(" | ", missed.Take(5))}");
    }

    [Theory]
    [InlineData(@"Googlebot\/", "Googlebot/")]
    [InlineData(@"[wW]get", "get")]
    [InlineData(@"^Mozilla\/5\.0 \(compatible; abc", "Mozilla/5.0 (compatible; abc")]
    [InlineData(@"ab+cdef", "cdef")]
    [InlineData(@"xyz{2,3}uvw", "uvw")]
    [InlineData(@"colou?rfully", "rfully")]
    [InlineData(@"(?i)googlebot", null)]
    [InlineData(@"bot|crawler", null)]
    [InlineData(@"\x41bcdef", null)]
    [InlineData(@"ab", null)]
    public void Finds_the_literal_every_match_must_contain(string pattern, string? literal) =>
        Assert.Equal(literal, BotFilter.RequiredLiteral(pattern));
}
