using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Conversations;
using Rapport.Demo;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class DemoTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Demo_FillsALivingBilingualWorkspaceOnce(string provider)
    {
        await using var factory = new RapportFactory(provider);
        // Just after midnight in the demo's time zone, most of "today's" scripted messages are still ahead:
        // the hardest moment to keep every message in the past.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var localNow = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, paris).Date.AddMinutes(5);
        var now = TimeZoneInfo.ConvertTimeToUtc(localNow, paris);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var seeder = ActivatorUtilities.CreateInstance<DemoSeeder>(scope.ServiceProvider, (TimeProvider)new FakeTimeProvider(now));
            var signIn = await seeder.SeedIfEmptyAsync();
            Assert.Equal(DemoSeeder.DemoEmail, signIn.Email);
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync();
        }

        await using var db = factory.OpenDb();
        Assert.Equal(1, await db.Workspaces.CountAsync());
        Assert.True(await db.Messages.CountAsync() >= 150);
        Assert.True(await db.Channels.CountAsync() >= 4);
        var languages = await db.MessageAnalyses.Select(a => a.Language).Distinct().ToListAsync();
        Assert.Contains("fr", languages);
        Assert.Contains("en", languages);
        Assert.True(await db.Conversations.CountAsync(c => c.Status == ConversationStatus.Resolved) >= 10);
        Assert.True(await db.Conversations.CountAsync(c => c.Status == ConversationStatus.Open && c.FirstResponseAt == null) >= 10);
        Assert.True(await db.Messages.CountAsync(m => m.Direction == MessageDirection.Outbound) >= 20);
        var oldest = await db.Messages.MinAsync(m => m.CreatedAt);
        Assert.True(now - oldest > TimeSpan.FromDays(5), "The demo spans several days.");
        Assert.True(await db.Messages.MaxAsync(m => m.CreatedAt) <= now, "No demo message is in the future.");

        var client = factory.CreateClient();
        var signedIn = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = DemoSeeder.DemoEmail, password = DemoSeeder.DemoPassword });
        Assert.Equal(HttpStatusCode.NoContent, signedIn.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Demo_AReplyInEveryChannelIsDelivered_AndNoChannelShowsAnError(string provider)
    {
        // The outbox and the pollers are driven by hand here, as their background loops would.
        await using var factory = new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync();
        }
        var client = await factory.SignedInClientAsync(DemoSeeder.DemoEmail, DemoSeeder.DemoPassword);
        await using var db = factory.OpenDb();
        var workspaceId = await db.Workspaces.Select(w => w.Id).SingleAsync();
        var channels = await db.Channels.ToListAsync();
        Assert.All(channels, c => Assert.True(c.Sandbox, $"{c.Name} is a sandbox channel."));

        // Pollers and watchers leave the demo's channels alone: nothing to reach, nothing to fail.
        Assert.Empty(await factory.Services.GetRequiredService<Channels.Email.EmailWorker>().RunOnceAsync());
        Assert.Empty(await factory.Services.GetRequiredService<Channels.Feeds.FeedWorker>().RunOnceAsync());
        Assert.Empty(await factory.Services.GetRequiredService<Channels.Mastodon.MastodonWorker>().RunOnceAsync());
        Assert.Empty(await factory.Services.GetRequiredService<Channels.Bluesky.BlueskyWorker>().RunOnceAsync());

        var replies = new List<Guid>();
        foreach (var channel in channels)
        {
            var conversationId = await db.Conversations.Where(c => c.ChannelId == channel.Id).Select(c => c.Id).FirstAsync();
            var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/replies",
                new { text = $"Merci, c'est noté ({channel.Name})." });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var reply = await response.Content.ReadFromJsonAsync<Outbox.ReplyResponse>(Json.Options);
            replies.Add(reply!.MessageId);
        }
        await factory.Services.GetRequiredService<Outbox.OutboxWorker>().RunOnceAsync();

        db.ChangeTracker.Clear();
        var sent = await db.Messages.Where(m => replies.Contains(m.Id)).ToListAsync();
        Assert.Equal(channels.Count, sent.Count);
        Assert.All(sent, m => Assert.True(m.DeliveryStatus == DeliveryStatus.Sent, $"{m.Text}: {m.DeliveryStatus} {m.DeliveryError}"));
        Assert.All(sent, m => Assert.Null(m.DeliveryError));

        var shown = await client.GetFromJsonAsync<List<Channels.ChannelDto>>($"/api/v1/workspaces/{workspaceId}/channels", Json.Options);
        Assert.Equal(channels.Count, shown!.Count);
        Assert.All(shown, c => Assert.True(c.Sandbox && c.LastError is null && !c.Paused, $"{c.Name}: {c.LastError}"));
        Assert.All(shown, c => Assert.Equal(0, c.Backlog.OutboxFailed));
    }
}
