using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Persistence;

/// <summary>The stream is trimmed only below entries that are both persisted and older than the live window.</summary>
public sealed class StreamTrimTests
{
    [Fact]
    public async Task Old_entries_stay_while_unpersisted_and_go_once_persisted()
    {
        await using var app = new AppFactory();
        var merchant = await app.MerchantAsync();
        var db = app.Redis;
        var old = TestData.Event(merchant.Site.Id, DateTimeOffset.UtcNow.AddHours(-2), visitor: 1, "/old");
        var value = StreamEntries.Encode(old);
        // Ids are timestamps: these two are two hours old, far outside the 30-minute live window.
        var oldMs = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();
        await db.StreamAddAsync(app.StreamKey, StreamEntries.Single, value, $"{oldMs}-0");
        await db.StreamAddAsync(app.StreamKey, StreamEntries.Single, value, $"{oldMs}-1");
        await db.StreamCreateConsumerGroupAsync(app.StreamKey, FlushEventsJob.Group, "0-0");

        // Another node read them and died before persisting: they are pending, not persisted.
        await db.StreamReadGroupAsync(app.StreamKey, FlushEventsJob.Group, "dead-node", ">");
        await app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(2, await db.StreamLengthAsync(app.StreamKey));

        // Once they are acknowledged (persisted), the next run trims them; a fresh entry stays for the live window.
        await db.StreamAcknowledgeAsync(app.StreamKey, FlushEventsJob.Group, [$"{oldMs}-0", $"{oldMs}-1"]);
        await db.StreamAddAsync(app.StreamKey, StreamEntries.Single, value);
        await app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(1, await db.StreamLengthAsync(app.StreamKey));
    }

    [Fact]
    public async Task Entries_a_dead_node_read_are_claimed_once_idle_and_persisted()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Persistence:ClaimIdleSeconds"] = "1" });
        var merchant = await app.MerchantAsync();
        await app.Get<FlushEventsJob>().RunAsync();   // creates the group
        for (var i = 0; i < 5; i++)
            (await app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, $"/p{i}", TestData.Browser(i)))).Dispose();
        Assert.Equal(5, (await app.Redis.StreamReadGroupAsync(app.StreamKey, FlushEventsJob.Group, "dead-node", ">")).Length);

        await app.Get<FlushEventsJob>().RunAsync();   // not idle long enough: left to their reader
        Assert.Equal(5, (await app.Redis.StreamPendingAsync(app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(5, await app.Get<FlushEventsJob>().RunAsync());
        Assert.Equal(0, (await app.Redis.StreamPendingAsync(app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task An_unreadable_entry_is_skipped_and_does_not_block_the_others()
    {
        await using var app = new AppFactory();
        var merchant = await app.MerchantAsync();
        await app.Redis.StreamAddAsync(app.StreamKey, StreamEntries.Single, "{\"name\":null}");
        await app.Redis.StreamAddAsync(app.StreamKey, "other", "not an event");
        (await app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/after-garbage"))).Dispose();

        Assert.Equal(1, await app.Get<FlushEventsJob>().RunAsync());
        Assert.Equal(0, (await app.Redis.StreamPendingAsync(app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    [Theory]
    [InlineData("5-0", "10-0", "5-0")]
    [InlineData("10-3", "10-12", "10-3")]
    [InlineData("1700000000000-0", "999-5", "999-5")]
    [InlineData(null, "7-0", "7-0")]
    public void MinId_compares_stream_ids_numerically(string? a, string b, string expected) =>
        Assert.Equal(expected, FlushEventsJob.MinId(a, b));
}
