using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Conversions;
using Rapport.Links;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests.Service;

/// <summary>
/// The outcome report reads daily roll-ups for the whole UTC days of a period (decision 0077): it must say exactly what
/// the rows say, for any period, after any late or changed row.
/// </summary>
public class OutcomeRollupTests
{
    /// <summary>"Now": mid-afternoon, so today is a partial day.</summary>
    private static readonly DateTime Now = new(2026, 6, 20, 15, 37, 12, DateTimeKind.Utc);

    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>Periods as pages ask for them: whole UTC days, the last 7 and 14 days to now, Paris and New York days, a part of one day.</summary>
    private static IEnumerable<(string Name, DateTime From, DateTime To)> Periods()
    {
        yield return ("UTC days", new DateTime(2026, 6, 8, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 6, 15, 0, 0, 0, DateTimeKind.Utc));
        yield return ("last 7 days to now", Now.AddDays(-7), Now);
        yield return ("last 14 days to now", Now.AddDays(-14), Now);
        DateTime Local(TimeZoneInfo zone, int day) => TimeZoneInfo.ConvertTimeToUtc(new DateTime(2026, 6, day, 0, 0, 0, DateTimeKind.Unspecified), zone);
        yield return ("Paris days", Local(Paris, 9), Local(Paris, 16));
        yield return ("New York days to today", Local(NewYork, 13), Now);
        yield return ("part of today", Now.Date.AddHours(2), Now);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RolledUpReport_EqualsTheReportFromRawRows_ForAnyPeriod_AndAfterLateAndChangedRows(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var api = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "API");
        var social = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Mastodon, "Mastodon");
        var otherChannel = await factory.CreateChannelAsync(other.Id, ChannelKind.Api, "Other");
        var seeded = await SeedAsync(factory, workspace.Id, [api, social]);
        await SeedAsync(factory, other.Id, [otherChannel]);

        await AssertSameAsync(factory, workspace.Id, "as seeded");
        var before = await ReportAsync(factory, workspace.Id, Now.AddDays(-14), Now, fromRawRows: false);

        // Late and changed rows: a click and a conversion for last week, a customer's message of last week analysed now,
        // a reply of five days ago delivered at last, an analysis read again, a message and a click removed.
        await using (var db = factory.OpenDb())
        {
            var lastWeek = Now.AddDays(-8).Date.AddHours(13);
            db.Add(new LinkClick { WorkspaceId = workspace.Id, LinkId = seeded.Links[0], At = lastWeek, Visitor = "late" });
            db.Add(new Conversion
            {
                WorkspaceId = workspace.Id,
                OrderId = "late-order",
                Value = 42m,
                Currency = "EUR",
                OccurredAt = lastWeek,
                ReceivedAt = Now,
                LinkId = seeded.Links[0],
                Campaign = "spring",
                ChannelId = api.Id,
            });
            var late = new Message
            {
                WorkspaceId = workspace.Id,
                ConversationId = seeded.Conversations[0],
                ChannelId = api.Id,
                Direction = MessageDirection.Inbound,
                ExternalId = "late-message",
                Text = "…",
                CreatedAt = lastWeek,
                ReceivedAt = Now,
                DeliveryStatus = DeliveryStatus.None,
            };
            late.Analysis = new MessageAnalysis { MessageId = late.Id, WorkspaceId = workspace.Id, Sentiment = "Negative", Intent = "Complaint", Recommendation = "AdvisesAgainst" };
            db.Add(late);
            await db.SaveChangesAsync();

            // All within the last 14 days, so the report over them shows each change.
            var queued = await db.Messages.Where(m => m.WorkspaceId == workspace.Id && m.DeliveryStatus == DeliveryStatus.Queued && m.CreatedAt < Now.AddDays(-5))
                .OrderByDescending(m => m.CreatedAt).FirstAsync();
            queued.DeliveryStatus = DeliveryStatus.Sent;
            var reread = await db.MessageAnalyses.Where(a => a.WorkspaceId == workspace.Id && a.Sentiment == "Positive")
                .Join(db.Messages, a => a.MessageId, m => m.Id, (a, m) => new { a, m.CreatedAt }).Where(x => x.CreatedAt > Now.AddDays(-10) && x.CreatedAt < Now.AddDays(-2))
                .OrderBy(x => x.CreatedAt).Select(x => x.a).FirstAsync();
            (reread.Sentiment, reread.Recommendation) = ("Negative", "Recommends");
            db.Remove(await db.Messages.Include(m => m.Analysis).Where(m => m.WorkspaceId == workspace.Id && m.Direction == MessageDirection.Inbound
                && m.Analysis != null && m.Analysis.Sentiment == "Neutral" && m.CreatedAt < Now).OrderByDescending(m => m.CreatedAt).FirstAsync());
            db.Remove(await db.Set<LinkClick>().Where(c => c.WorkspaceId == workspace.Id && c.At < Now).OrderByDescending(c => c.At).FirstAsync());
            await db.SaveChangesAsync();
        }

        await AssertSameAsync(factory, workspace.Id, "after late and changed rows");
        var after = await ReportAsync(factory, workspace.Id, Now.AddDays(-14), Now, fromRawRows: false);
        // The roll-ups moved with the rows: one late click in, one removed; one late message in, one removed.
        Assert.Equal(before.Current.Total.Clicks, after.Current.Total.Clicks);
        Assert.Equal(before.Current.Total.Conversions + 1, after.Current.Total.Conversions);
        Assert.Equal(before.Current.Total.RepliesDelivered + 1, after.Current.Total.RepliesDelivered);
        Assert.Equal(before.Current.Total.NegativeMessages + 2, after.Current.Total.NegativeMessages);

        // Stored per day: the roll-ups hold the workspace's rows only, and no day of them is below zero.
        await using (var db = factory.OpenDb())
        {
            var days = await db.Set<OutcomeDay>().Where(d => d.WorkspaceId == workspace.Id).ToListAsync();
            Assert.Contains(days, d => d.Figure == OutcomeDay.Click);
            Assert.Contains(days, d => d.Figure == OutcomeDay.Reply);
            Assert.Contains(days, d => d.Figure == OutcomeDay.InboundPrefix + "Negative");
            Assert.All(days, d => Assert.True(d.Count >= 0, $"{d.Figure} {d.Day} {d.Count}"));
        }
    }

    private static async Task AssertSameAsync(RapportFactory factory, Guid workspaceId, string when)
    {
        foreach (var (name, from, to) in Periods())
        {
            var rolled = await ReportAsync(factory, workspaceId, from, to, fromRawRows: false);
            var raw = await ReportAsync(factory, workspaceId, from, to, fromRawRows: true);
            Assert.True(raw.Current.Total.Clicks + raw.Current.Total.RepliesDelivered > 0, $"{name}: the seeded rows fall in the period");
            Assert.True(JsonSerializer.Serialize(raw) == JsonSerializer.Serialize(rolled),
                $"{when}, {name}: rolled up {JsonSerializer.Serialize(rolled.Current.Total)}\nfrom rows {JsonSerializer.Serialize(raw.Current.Total)}");
        }
    }

    private static async Task<OutcomeReport> ReportAsync(RapportFactory factory, Guid workspaceId, DateTime from, DateTime to, bool fromRawRows)
    {
        await using var db = factory.OpenDb();
        return await OutcomeReports.ComputeAsync(db, workspaceId, from, to, fromRawRows);
    }

    private sealed record Seeded(List<Guid> Links, List<Guid> Conversations);

    /// <summary>
    /// Thirty days up to now, every few hours: customers' messages (analysed, some complaints, threats and recommendations),
    /// replies delivered, failed and queued, clicks on three links and sales, at times that fall on both sides of UTC,
    /// Paris and New York midnights.
    /// </summary>
    private static async Task<Seeded> SeedAsync(RapportFactory factory, Guid workspaceId, Channel[] channels)
    {
        await using var db = factory.OpenDb();
        var contact = new Contact { WorkspaceId = workspaceId, DisplayName = "Camille", CreatedAt = Now.AddDays(-40) };
        db.Add(contact);
        var links = channels.Select((c, i) => new TrackedLink
        {
            WorkspaceId = workspaceId,
            Code = LinkService.NewCode(),
            TargetUrl = "https://shop.example/",
            Campaign = i == 0 ? "spring" : null,
            UtmCampaign = i == 0 ? null : "summer",
            ChannelId = c.Id,
            CreatedAt = Now.AddDays(-40),
        }).ToList();
        db.AddRange(links);
        string[] sentiments = ["Positive", "Neutral", "Negative"];
        string[] stances = ["", "", "Recommends", "", "AdvisesAgainst", "Mixed"];
        var conversations = new List<Guid>();
        var n = 0;
        // Every 5 h 13 min over 30 days: about 140 moments, landing at every hour of the day.
        for (var at = Now.AddDays(-30); at < Now; at = at.AddMinutes(313), n++)
        {
            var channel = channels[n % channels.Length];
            var conversation = new Conversation { WorkspaceId = workspaceId, ChannelId = channel.Id, ContactId = contact.Id, CreatedAt = at, LastMessageAt = at };
            db.Add(conversation);
            conversations.Add(conversation.Id);
            var inbound = new Message
            {
                WorkspaceId = workspaceId,
                ConversationId = conversation.Id,
                ChannelId = channel.Id,
                Direction = MessageDirection.Inbound,
                AuthorContactId = contact.Id,
                ExternalId = $"{workspaceId:N}-in-{n}",
                Text = "…",
                CreatedAt = at,
                ReceivedAt = at,
                DeliveryStatus = DeliveryStatus.None,
            };
            if (n % 7 != 3)
            {
                inbound.Analysis = new MessageAnalysis
                {
                    MessageId = inbound.Id,
                    WorkspaceId = workspaceId,
                    Sentiment = sentiments[n % 3],
                    Intent = n % 4 == 0 ? "Complaint" : "Question",
                    Urgency = n % 9 == 0 ? "ChurnThreat" : "",
                    Recommendation = stances[n % stances.Length],
                };
            }
            var reply = new Message
            {
                WorkspaceId = workspaceId,
                ConversationId = conversation.Id,
                ChannelId = channel.Id,
                Direction = MessageDirection.Outbound,
                ExternalId = $"{workspaceId:N}-out-{n}",
                Text = "…",
                CreatedAt = at.AddMinutes(50),
                ReceivedAt = at.AddMinutes(50),
                DeliveryStatus = (n % 5) switch { 0 => DeliveryStatus.Failed, 1 => DeliveryStatus.Queued, _ => DeliveryStatus.Sent },
            };
            db.AddRange(inbound, reply);
            for (var k = 0; k < n % 4; k++)
            {
                db.Add(new LinkClick { WorkspaceId = workspaceId, LinkId = links[(n + k) % links.Count].Id, At = at.AddMinutes(k * 97), Visitor = $"{n}-{k}" });
            }
            if (n % 3 == 0)
            {
                db.Add(new Conversion
                {
                    WorkspaceId = workspaceId,
                    OrderId = $"order-{n}",
                    Value = 10m + n,
                    Currency = n % 2 == 0 ? "EUR" : "USD",
                    OccurredAt = at.AddHours(2),
                    ReceivedAt = at.AddHours(2),
                    LinkId = links[n % links.Count].Id,
                    Campaign = n % 2 == 0 ? "spring" : "summer",
                    ChannelId = channel.Id,
                });
            }
            if (n % 2 == 0)
            {
                db.ReportingEvents.Add(new ReportingEvent
                {
                    WorkspaceId = workspaceId,
                    Name = ReportingEventNames.ConversationResolved,
                    ConversationId = conversation.Id,
                    ChannelId = channel.Id,
                    StartedAt = at,
                    EndedAt = at.AddHours(3),
                    Value = 0,
                });
                db.ReportingEvents.Add(new ReportingEvent
                {
                    WorkspaceId = workspaceId,
                    Name = ReportingEventNames.SentimentAtResolution,
                    ConversationId = conversation.Id,
                    ChannelId = channel.Id,
                    StartedAt = at,
                    EndedAt = at.AddHours(3),
                    Value = n % 3 - 1,
                });
            }
        }
        await db.SaveChangesAsync();
        return new Seeded([.. links.Select(l => l.Id)], conversations);
    }
}
