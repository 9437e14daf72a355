using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

/// <summary>
/// Share of voice reads each topic's daily roll-ups for the whole UTC days of a period (decision 0077): it must say
/// exactly what the links say, in the workspace's days (Europe/Paris here), today included, after late and changed links.
/// </summary>
public class TopicRollupTests
{
    private static readonly DateTime Now = new(2026, 11, 20, 14, 12, 0, DateTimeKind.Utc);

    private static IEnumerable<DashboardPeriod> Periods()
    {
        var today = DateOnly.FromDateTime(Now);
        yield return new DashboardPeriod(today.AddDays(-29), today, DashboardStep.Day);
        yield return new DashboardPeriod(today.AddDays(-6), today, DashboardStep.Week);
        yield return new DashboardPeriod(today.AddDays(-20), today.AddDays(-10), DashboardStep.Day);
        yield return new DashboardPeriod(today, today, DashboardStep.Day);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RolledUpShareOfVoice_EqualsTheLinksCount_InTheWorkspacesDays_AndAfterLateAndChangedLinks(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var feed = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "Feed");
        var otherFeed = await factory.CreateChannelAsync(other.Id, ChannelKind.Api, "Other feed");
        var topics = await SeedAsync(factory, workspace.Id, feed.Id);
        await SeedAsync(factory, other.Id, otherFeed.Id);

        await AssertSameAsync(factory, workspace.Id, topics[0], "as seeded");

        await using (var db = factory.OpenDb())
        {
            // A mention of last week heard late, a link turned to noise, one read again as negative, one removed.
            var late = new Mention
            {
                WorkspaceId = workspace.Id,
                ChannelId = feed.Id,
                ExternalId = "late",
                Text = "…",
                CreatedAt = Now.AddDays(-8).Date.AddHours(23).AddMinutes(30),
                ReceivedAt = Now,
                Sentiment = "Positive",
                Language = "fr",
            };
            db.Add(late);
            db.Add(MentionTopic.Of(topics[0], late));
            var links = await db.Set<MentionTopic>().Where(t => t.WorkspaceId == workspace.Id && !t.IsNoise).OrderBy(t => t.MentionCreatedAt).Take(30).ToListAsync();
            links[10].IsNoise = true;
            links[20].Sentiment = links[20].Sentiment == "Negative" ? "Positive" : "Negative";
            db.Remove(links[25]);
            await db.SaveChangesAsync();
        }
        await AssertSameAsync(factory, workspace.Id, topics[0], "after late and changed links");

        await using (var check = factory.OpenDb())
        {
            Assert.All(await check.Set<TopicDay>().ToListAsync(), d => Assert.True(d.Count >= 0, $"{d.TopicId} {d.Day} {d.Sentiment} {d.Count}"));
        }
    }

    private static async Task AssertSameAsync(RapportFactory factory, Guid workspaceId, Guid brandId, string when)
    {
        foreach (var period in Periods())
        {
            foreach (var topicId in new Guid?[] { null, brandId })
            {
                await using var db = factory.OpenDb();
                var rolled = await ListeningDashboard.ShareOfVoiceAsync(db, workspaceId, topicId, period, fromRawRows: false);
                var raw = await ListeningDashboard.ShareOfVoiceAsync(db, workspaceId, topicId, period, fromRawRows: true);
                Assert.True(raw.Sum(e => e.Counts.Mentions) > 0, $"{period}: the seeded mentions fall in the period");
                Assert.True(JsonSerializer.Serialize(raw) == JsonSerializer.Serialize(rolled),
                    $"{when}, {period}, topic {topicId}: rolled up {JsonSerializer.Serialize(rolled)}\nfrom links {JsonSerializer.Serialize(raw)}");
            }
        }
    }

    /// <summary>A brand, a product and two competitors; a mention every 3 h 13 min over 40 days to now, one in eleven noise.</summary>
    private static async Task<List<Guid>> SeedAsync(RapportFactory factory, Guid workspaceId, Guid channelId)
    {
        await using var db = factory.OpenDb();
        var topics = new[] { ("Brand", TopicKind.Brand), ("Product", TopicKind.Product), ("Rival", TopicKind.Competitor), ("Other rival", TopicKind.Competitor) }
            .Select(t => new Topic { WorkspaceId = workspaceId, Name = t.Item1, Kind = t.Item2, Query = t.Item1, CreatedAt = Now.AddDays(-50), UpdatedAt = Now.AddDays(-50) }).ToList();
        db.AddRange(topics);
        string[] sentiments = ["Positive", "Neutral", "Negative", "Neutral"];
        var n = 0;
        for (var at = Now.AddDays(-40); at < Now; at = at.AddMinutes(193), n++)
        {
            var spam = n % 11 == 0;
            var mention = new Mention
            {
                WorkspaceId = workspaceId,
                ChannelId = channelId,
                ExternalId = $"m-{n}",
                Text = "…",
                CreatedAt = at,
                ReceivedAt = at,
                Sentiment = sentiments[n % sentiments.Length],
                Language = n % 2 == 0 ? "fr" : "en",
                Intent = spam ? "Spam" : "Praise",
                IntentConfidence = spam ? 0.95 : 0.6,
            };
            db.Add(mention);
            foreach (var t in new[] { n % topics.Count, (n * 7 + 1) % topics.Count }.Distinct())
            {
                db.Add(MentionTopic.Of(topics[t].Id, mention));
            }
        }
        await db.SaveChangesAsync();
        return [.. topics.Select(t => t.Id)];
    }
}
