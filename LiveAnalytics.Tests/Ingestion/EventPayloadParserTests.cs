using System.Text;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class EventPayloadParserTests
{
    private static ParseResult Parse(string json) => EventPayloadParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Reads_long_field_names()
    {
        var result = Parse("""
            {"name":"Signup","url":"https://shop.example/pricing?x=1","domain":"shop.example","referrer":"https://www.google.com/",
             "props":{"plan":"pro","seats":3,"trial":true},"revenue":{"amount":"19.90","currency":"eur"}}
            """);
        var p = Assert.IsType<EventPayload>(result.Payload);
        Assert.Equal("Signup", p.Name);
        Assert.Equal("/pricing", p.Url.AbsolutePath);
        Assert.Equal(["shop.example"], p.Domains);
        Assert.Equal("www.google.com", p.Referrer!.Host);
        Assert.Equal("""{"plan":"pro","seats":"3","trial":"true"}""", p.Props);
        Assert.Equal(19.90m, p.RevenueAmount);
        Assert.Equal("EUR", p.RevenueCurrency);
    }

    [Fact]
    public void Reads_short_field_names_and_plausibles_string_encoded_props()
    {
        var result = Parse("""{"n":"pageview","u":"http://a.example/","d":"a.example, WWW.B.example","r":null,"m":"{\"k\":\"v\"}","$":"{\"amount\":5,\"currency\":\"USD\"}"}""");
        var p = Assert.IsType<EventPayload>(result.Payload);
        Assert.Equal("pageview", p.Name);
        Assert.Equal(["a.example", "b.example"], p.Domains);
        Assert.Null(p.Referrer);
        Assert.Equal("""{"k":"v"}""", p.Props);
        Assert.Equal(5m, p.RevenueAmount);
        Assert.Null(p.Id);
    }

    [Fact]
    public void Reads_the_clients_id_for_the_event()
    {
        var id = Guid.CreateVersion7();
        Assert.Equal(id, Parse($$"""{"n":"pageview","u":"https://a.example/","d":"a.example","i":"{{id}}"}""").Payload!.Id);
        Assert.Equal(id, Parse($$"""{"n":"pageview","u":"https://a.example/","d":"a.example","id":"{{id}}"}""").Payload!.Id);
    }

    [Fact]
    public void Reads_an_engagement_report_as_the_time_and_the_scroll_it_adds()
    {
        var first = Parse("""{"n":"engagement","u":"https://a.example/shoes","d":"a.example","e":12500,"sd":40,"f":1}""").Payload!;
        Assert.Equal(new Engagement(12500, 40, First: true), first.Engagement);
        // A later report of the same page view: 30 points deeper than the last one said.
        var later = Parse("""{"n":"engagement","u":"https://a.example/shoes","d":"a.example","e":4000,"sd":70,"sp":40}""").Payload!;
        Assert.Equal(new Engagement(4000, 30, First: false), later.Engagement);
        Assert.Null(Parse("""{"n":"pageview","u":"https://a.example/","d":"a.example"}""").Payload!.Engagement);
    }

    [Theory]
    [InlineData("""{"n":"pageview","u":"https://a.example/#/cart","d":"a.example","h":1}""", true)]
    [InlineData("""{"n":"pageview","u":"https://a.example/#/cart","d":"a.example","hashMode":true}""", true)]
    [InlineData("""{"n":"pageview","u":"https://a.example/#/cart","d":"a.example","h":0}""", false)]
    [InlineData("""{"n":"pageview","u":"https://a.example/#/cart","d":"a.example"}""", false)]
    public void Reads_hash_routing(string json, bool expected) => Assert.Equal(expected, Parse(json).Payload!.HashRouting);

    [Theory]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","h":"yes"}""", "hashMode")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","h":2}""", "hashMode")]
    [InlineData("""{"u":"https://a.example/","d":"a.example"}""", "name")]
    [InlineData("""{"n":"","u":"https://a.example/","d":"a.example"}""", "name")]
    [InlineData("""{"n":42,"u":"https://a.example/","d":"a.example"}""", "name")]
    [InlineData("""{"n":"pageview","u":"/relative","d":"a.example"}""", "url")]
    [InlineData("""{"n":"pageview","u":"javascript:alert(1)","d":"a.example"}""", "url")]
    [InlineData("""{"n":"pageview","u":"https://a.example/"}""", "domain")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"<script>"}""", "domain")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example' OR 1=1 --"}""", "domain")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","r":"not a url"}""", "referrer")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","p":[1,2]}""", "props")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","p":{"k":{"nested":1}}}""", "props")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","$":{"amount":"lots","currency":"EUR"}}""", "revenue")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","$":{"amount":1,"currency":"EURO"}}""", "revenue")]
    [InlineData("""{"n":"page\u0000view","u":"https://a.example/","d":"a.example"}""", "name")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","i":"not-a-uuid"}""", "id")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","i":"00000000-0000-0000-0000-000000000000"}""", "id")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","i":42}""", "id")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","sd":50}""", "e")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1000}""", "sd")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":-1,"sd":50}""", "e")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1800001,"sd":50}""", "e")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":"10s","sd":50}""", "e")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1.5,"sd":50}""", "e")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1000,"sd":101}""", "sd")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1000,"sd":40,"sp":60}""", "sp")]
    [InlineData("""{"n":"engagement","u":"https://a.example/","d":"a.example","e":1000,"sd":40,"f":"yes"}""", "f")]
    [InlineData("""{"n":"pageview","u":"https://a.example/","d":"a.example","e":1000,"sd":40}""", "name")]
    public void Rejects_bad_fields_naming_the_field(string json, string field)
    {
        var result = Parse(json);
        Assert.Null(result.Payload);
        Assert.Contains(field, result.Errors!.Keys);
        Assert.All(result.Errors[field], message => Assert.False(string.IsNullOrWhiteSpace(message)));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("\"pageview\"")]
    [InlineData("")]
    [InlineData("""{"n":"a","u":"https://a.example/","d":"a.example","p":{"a":[[[[[[1]]]]]]}}""")]
    public void Rejects_malformed_or_deep_bodies(string json)
    {
        var errors = Parse(json).Errors;
        Assert.NotNull(errors);
        Assert.Equal(["body"], errors.Keys);
    }

    [Fact]
    public void Rejects_invalid_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"n":"pageview","u":"https://a.example/","d":"a.example"}""");
        bytes[6] = 0xC3; // starts a two-byte sequence that the next byte does not continue
        bytes[7] = 0x28;
        Assert.Equal(["body"], EventPayloadParser.Parse(bytes).Errors!.Keys);
    }

    [Fact]
    public void Rejects_overlong_urls_with_the_limit_in_the_message()
    {
        var result = Parse($$"""{"n":"pageview","u":"https://a.example/{{new string('x', 10_000)}}","d":"a.example"}""");
        Assert.Contains($"at most {EventPayloadParser.MaxUrlLength}", Assert.Single(result.Errors!["url"]));
    }

    [Fact]
    public void Rejects_too_many_props()
    {
        var props = string.Join(",", Enumerable.Range(0, EventPayloadParser.MaxProps + 1).Select(i => $"\"k{i}\":\"v\""));
        var result = Parse($$$"""{"n":"e","u":"https://a.example/","d":"a.example","p":{{{{props}}}}}""");
        Assert.Contains("props", result.Errors!.Keys);
    }

    [Fact]
    public void Accepts_script_tags_as_data_without_interpreting_them()
    {
        var result = Parse("""{"n":"<script>alert(1)</script>","u":"https://a.example/<img>","d":"a.example"}""");
        Assert.Equal("<script>alert(1)</script>", result.Payload!.Name);
    }
}
