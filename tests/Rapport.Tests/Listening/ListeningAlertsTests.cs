using System.Net;
using System.Net.Http.Json;
using MailKit;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Listening;
using Rapport.Listening.Alerts;
using Rapport.Tests.Infrastructure;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>Listening's early warning: the scan over real databases, the alerts' API, their notices, webhook and e-mails.</summary>
public class ListeningAlertsTests
{
    // Monday 7 December 2026, 12:05 UTC: the hours 09:00 to 12:00 are the spike's, the five weeks before are usual traffic.
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 5, 0, TimeSpan.Zero);
    private static readonly DateTime SpikeStart = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);

    private sealed record Seeded(Guid WorkspaceId, Guid TopicId, Guid ChannelId);

    private static readonly string[] Usual =
        ["Where is my order?", "Love my new bike from Vélo Vert", "Question about the warranty", "Ma commande est arrivée, merci", "Le service client a répondu vite", "How do I change the saddle?"];

    /// <summary>Five weeks of usual mentions of one topic (busier by day than by night, quieter at weekends), one in ten about health and safety.</summary>
    private static async Task<Seeded> SeedAsync(RapportFactory factory, Guid workspaceId, string topicName = "Vélo Vert")
    {
        var channel = await factory.CreateChannelAsync(workspaceId, name: "Reviews");
        await using var db = factory.OpenDb();
        var topic = new Topic { WorkspaceId = workspaceId, Name = topicName, Kind = TopicKind.Brand, Query = "velo", CreatedAt = Now.UtcDateTime.AddDays(-60), UpdatedAt = Now.UtcDateTime.AddDays(-60) };
        db.Add(topic);
        var random = new Random(7);
        var n = 0;
        for (var at = SpikeStart.AddDays(-35); at < SpikeStart; at = at.AddHours(1))
        {
            var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var rate = (at.Hour is >= 8 and < 21 ? 3.0 : 0.7) * (weekend ? 0.6 : 1);
            for (var i = Poisson(random, rate); i > 0; i--)
            {
                Heard(db, workspaceId, channel.Id, topic.Id, n++, at.AddMinutes(random.Next(60)), Usual[random.Next(Usual.Length)],
                    random.NextDouble() < 0.15 ? "Negative" : "Neutral", random.NextDouble() < 0.1 ? "HealthAndSafety" : "");
            }
        }
        await db.SaveChangesAsync();
        return new Seeded(workspaceId, topic.Id, channel.Id);
    }

    private static void Heard(Rapport.Data.RapportDbContext db, Guid workspaceId, Guid channelId, Guid topicId, int n, DateTime at, string text, string sentiment, string themes)
    {
        var mention = new Mention
        {
            WorkspaceId = workspaceId,
            ChannelId = channelId,
            ExternalId = $"m-{n}",
            AuthorHandle = $"@author{n % 50}",
            AuthorName = $"Author {n % 50}",
            Text = text,
            CreatedAt = at,
            ReceivedAt = at,
            Language = "en",
            Sentiment = sentiment,
            Themes = themes,
            Intent = "Complaint",
            IntentConfidence = 0.6,
        };
        db.Add(mention);
        db.Add(MentionTopic.Of(topicId, mention));
    }

    /// <summary>A battery story breaks: <paramref name="perHour"/> negative mentions an hour about batteries catching fire.</summary>
    private static async Task SpikeAsync(RapportFactory factory, Seeded s, DateTime from, int hours, int perHour = 30, string text = "My e-bike battery caught fire while charging #batteryfire")
    {
        await using var db = factory.OpenDb();
        var n = await db.Set<Mention>().CountAsync() + 1_000_000;
        for (var h = 0; h < hours; h++)
        {
            for (var i = 0; i < perHour; i++)
            {
                Heard(db, s.WorkspaceId, s.ChannelId, s.TopicId, n++, from.AddHours(h).AddMinutes(i * 60 / perHour), text, "Negative", "HealthAndSafety");
            }
        }
        await db.SaveChangesAsync();
    }

    private static int Poisson(Random random, double lambda)
    {
        var (l, k, p) = (Math.Exp(-lambda), 0, 1.0);
        do
        {
            k++;
            p *= random.NextDouble();
        }
        while (p > l);
        return k - 1;
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Scan_RaisesOneAlertPerEpisode_UpdatesIt_EndsIt_AndPeopleAcknowledgeAndResolveIt(string provider)
    {
        var clock = new FakeTimeProvider(Now);
        await using var factory = new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00") { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var s = await SeedAsync(factory, workspace.Id);
        var analystUser = await factory.AddMemberAsync(workspace.Id, Role.Analyst);
        var agentUser = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var api = $"/api/v1/workspaces/{workspace.Id}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{api}/webhook-subscriptions", new { url = "https://93.184.215.14/hook", eventTypes = new[] { "alert.raised" } })).StatusCode);
        var scan = factory.Services.GetRequiredService<AlertScan>();

        // Usual traffic raises nothing.
        Assert.Equal(0, (await scan.RunAsync()).Raised);
        await SpikeAsync(factory, s, SpikeStart, hours: 3);

        var first = await scan.RunAsync();
        var alerts = (await analyst.GetFromJsonAsync<List<AlertDto>>($"{api}/alerts", Json.Options))!;
        var volume = Assert.Single(alerts, a => a.Kind == AlertKind.Volume && a.TopicId == s.TopicId);
        Assert.True(volume.Ongoing);
        Assert.Equal(SpikeStart, volume.StartedAt);
        Assert.Equal(AlertStatus.Open, volume.Status);
        Assert.Equal("Vélo Vert", volume.Name);
        Assert.True(volume.Observed > 3 * volume.Expected, $"{volume.Observed} against {volume.Expected}");
        Assert.InRange(volume.Mentions, 90, 110);
        Assert.Contains("fire", volume.Terms);
        Assert.DoesNotContain("order", volume.Terms);
        Assert.NotEmpty(volume.Messages);
        Assert.All(volume.Messages, m => Assert.Contains("caught fire", m.Text, StringComparison.Ordinal));
        Assert.Equal($"/listening/mentions?topic={s.TopicId}&from=2026-12-07T09%3A00%3A00Z", volume.MentionsLink);
        Assert.Contains(" mentions since 7 December 10:00, where about ", volume.Summary, StringComparison.Ordinal);
        // The negative share rose too, and the health-and-safety theme across the workspace.
        var share = Assert.Single(alerts, a => a.Kind == AlertKind.NegativeShare && a.TopicId == s.TopicId);
        Assert.EndsWith("&sentiment=Negative", share.MentionsLink, StringComparison.Ordinal);
        Assert.True(share.Observed > 0.8 && share.Expected < 0.3, $"{share.Observed} against {share.Expected}");
        var theme = Assert.Single(alerts, a => a.Kind == AlertKind.Volume && a.Theme == "HealthAndSafety");
        Assert.Equal("Theme: health and safety", theme.Name);
        Assert.Equal(first.Raised, alerts.Count);

        await using (var db = factory.OpenDb())
        {
            // A notice for each member who follows listening (owner, analysts, admins), none for agents.
            var notified = await db.Notifications.Where(n => n.Kind == "listening.alert").Select(n => n.UserId).ToListAsync();
            Assert.Contains(analystUser.Id, notified);
            Assert.DoesNotContain(agentUser.Id, notified);
            // The signed webhook is queued with the alert.
            var deliveries = await db.Set<EventDelivery>().Where(d => d.EventType == "alert.raised").Select(d => d.Payload).ToListAsync();
            Assert.Equal(alerts.Count, deliveries.Count);
            Assert.Contains(deliveries, p => p.Contains(volume.Id.ToString(), StringComparison.Ordinal) && p.Contains("\"kind\":\"Volume\"", StringComparison.Ordinal));
        }

        // Polled again in the same hour, and the next hour while it goes on: the same alerts, updated, none new.
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(0, (await scan.RunAsync()).Raised);
        await SpikeAsync(factory, s, SpikeStart.AddHours(3), hours: 1);
        clock.Advance(TimeSpan.FromHours(1));
        var going = await scan.RunAsync();
        Assert.Equal(0, going.Raised);
        var updated = (await analyst.GetFromJsonAsync<AlertDto>($"{api}/alerts/{volume.Id}", Json.Options))!;
        Assert.True(updated.Mentions > volume.Mentions + 25);
        Assert.True(updated.Ongoing);

        // People act on it: an agent acknowledges, an analyst may not, then it is resolved.
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync($"{api}/alerts/{volume.Id}/acknowledge", null)).StatusCode);
        var acknowledged = await agent.PostAsync($"{api}/alerts/{volume.Id}/acknowledge", null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var a1 = (await acknowledged.Content.ReadFromJsonAsync<AlertDto>(Json.Options))!;
        Assert.Equal((AlertStatus.Acknowledged, clock.GetUtcNow().UtcDateTime), (a1.Status, a1.AcknowledgedAt!.Value));
        var resolved = (await (await agent.PostAsync($"{api}/alerts/{volume.Id}/resolve", null)).Content.ReadFromJsonAsync<AlertDto>(Json.Options))!;
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.NotNull(resolved.ResolvedAt);
        Assert.Equal(a1.AcknowledgedAt, resolved.AcknowledgedAt);
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsync($"{api}/alerts/{volume.Id}/acknowledge", null)).StatusCode);
        Assert.Equal([volume.Id], (await analyst.GetFromJsonAsync<List<AlertDto>>($"{api}/alerts?status=Resolved", Json.Options))!.Select(a => a.Id));

        // Quiet hours end the episode; the resolved alert is not raised again.
        clock.Advance(TimeSpan.FromHours(5));
        await scan.RunAsync();
        var over = (await analyst.GetFromJsonAsync<AlertDto>($"{api}/alerts/{volume.Id}", Json.Options))!;
        Assert.False(over.Ongoing);
        Assert.NotNull(over.EndedAt);
        Assert.Contains("&to=", over.MentionsLink, StringComparison.Ordinal);
        Assert.Equal(alerts.Count, (await analyst.GetFromJsonAsync<List<AlertDto>>($"{api}/alerts", Json.Options))!.Count);

        // Once it has ended, a new spike is a new alert.
        var now = clock.GetUtcNow().UtcDateTime;
        var hour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        await SpikeAsync(factory, s, hour.AddHours(-2), hours: 2, text: "The new app update deleted all my rides #appfail");
        Assert.True((await scan.RunAsync()).Raised >= 1);
        var latest = (await analyst.GetFromJsonAsync<List<AlertDto>>($"{api}/alerts?kind=Volume&topicId={s.TopicId}", Json.Options))!;
        Assert.Equal(2, latest.Count);
        Assert.Contains("#appfail", latest[0].Terms);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AlertsApi_RefusesBadInput_AndKeepsToItsWorkspace(string provider)
    {
        var clock = new FakeTimeProvider(Now);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var s = await SeedAsync(factory, workspace.Id);
        await SpikeAsync(factory, s, SpikeStart, hours: 3);
        await factory.Services.GetRequiredService<AlertScan>().RunAsync();
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var outsider = await factory.TokenClientAsync(other.Id, Role.Owner);
        var api = $"/api/v1/workspaces/{workspace.Id}";
        var alertId = (await analyst.GetFromJsonAsync<List<AlertDto>>($"{api}/alerts", Json.Options))!.First().Id;

        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{api}/alerts?status=Closed")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{api}/alerts?status=1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{api}/alerts?kind=Everything")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{api}/alerts?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{api}/alerts?limit=100000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{api}/alerts/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync($"{api}/alerts/{Guid.NewGuid()}/resolve", null)).StatusCode);
        // Another workspace sees none of it, even by id.
        Assert.Empty((await outsider.GetFromJsonAsync<List<AlertDto>>($"/api/v1/workspaces/{other.Id}/alerts", Json.Options))!);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/workspaces/{other.Id}/alerts/{alertId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"/api/v1/workspaces/{other.Id}/alerts/{alertId}/resolve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"{api}/alerts")).StatusCode);

        // Sensitivity: admins set it, to Low, Normal or High only.
        var sensitivity = $"{api}/topics/{s.TopicId}/alert-sensitivity";
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync(sensitivity, new { sensitivity = "High" })).StatusCode);
        var bad = await admin.PutAsJsonAsync(sensitivity, new { sensitivity = "Loud" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Low, Normal or High", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync(sensitivity, new { sensitivity = "2" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync(sensitivity, new { sensitivity = (string?)null })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"{api}/topics/{Guid.NewGuid()}/alert-sensitivity", new { sensitivity = "Low" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(sensitivity, new { sensitivity = "low" })).StatusCode);
        var listed = (await analyst.GetFromJsonAsync<List<AlertSensitivityDto>>($"{api}/alerts/sensitivity", Json.Options))!;
        Assert.Equal(AlertSensitivity.Low, Assert.Single(listed).Sensitivity);
        await using var db = factory.OpenDb();
        Assert.Contains(await db.AuditEntries.Select(a => a.Action).ToListAsync(), a => a == "topic.alert-sensitivity");
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Alert_IsMailedOnce_ToEachMemberWhoFollowsListening_InTheirLanguage_WithHostileTextEncoded(string provider)
    {
        var (host, port) = MailServers.Smtp;
        var clock = new FakeTimeProvider(Now);
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Mail:Host"] = host;
            s["Rapport:Mail:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Rapport:Mail:Security"] = "None";
            s["Rapport:Mail:From"] = "rapport@example.test";
            s["Rapport:Mail:AppUrl"] = "https://rapport.example.test/";
        })
        { Clock = clock };
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (owner, workspace) = await factory.CreateOwnerAsync($"alert-fr-{tag}@example.test", $"Vélos {tag}");
        var english = await factory.AddMemberAsync(workspace.Id, Role.Analyst, $"alert-en-{tag}@example.test");
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent, $"alert-agent-{tag}@example.test");
        await using (var db = factory.OpenDb())
        {
            (await db.Users.SingleAsync(u => u.Id == owner.Id)).PreferredCulture = "fr";
            (await db.Users.SingleAsync(u => u.Id == english.Id)).PreferredCulture = "en";
            await db.SaveChangesAsync();
        }
        var s = await SeedAsync(factory, workspace.Id, "<script>alert(1)</script> Vélo");
        await SpikeAsync(factory, s, SpikeStart, hours: 3, text: "Battery fire <img src=x onerror=alert(2)> #batteryfire");
        var scan = factory.Services.GetRequiredService<AlertScan>();

        var result = await scan.RunAsync();
        Assert.True(result.Raised >= 1);
        // One e-mail per alert per member who follows listening.
        Assert.Equal(result.Raised * 2, result.Mailed);

        var messages = await ReceivedAsync(owner.Email!, result.Raised);
        var french = Assert.Single(messages, m => m.Subject?.Contains("Pic de volume, <script>", StringComparison.Ordinal) == true);
        Assert.Equal($"Vélos {tag} : Pic de volume, <script>alert(1)</script> Vélo", french.Subject);
        Assert.Contains(" mentions depuis le 7 décembre 10:00, pour environ ", french.TextBody, StringComparison.Ordinal);
        Assert.Contains($"https://rapport.example.test/listening/mentions?topic={s.TopicId}&from=2026-12-07T09%3A00%3A00Z", french.TextBody, StringComparison.Ordinal);
        Assert.Contains("Battery fire <img src=x onerror=alert(2)>", french.TextBody, StringComparison.Ordinal);
        // The topic's name and the quotes are text in the HTML part, never markup.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", french.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", french.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", french.HtmlBody, StringComparison.Ordinal);
        var inEnglish = Assert.Single(await ReceivedAsync(english.Email!, result.Raised), m => m.Subject?.Contains("Volume spike, <script>", StringComparison.Ordinal) == true);
        Assert.Contains(" mentions since 7 December 10:00, where about ", inEnglish.TextBody, StringComparison.Ordinal);

        // Scanned again: the same episode is not mailed again; agents get none.
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(0, (await scan.RunAsync()).Mailed);
        await Task.Delay(1000);
        Assert.Equal(result.Raised, await CountAsync(owner.Email!));
        Assert.Equal(0, await CountAsync(agent.Email!));
    }

    private static async Task<List<MimeKit.MimeMessage>> ReceivedAsync(string address, int count)
    {
        await MailServers.WaitForAsync(SearchQuery.HeaderContains("To", address), $"to {address}");
        for (var tries = 0; ; tries++)
        {
            using var client = await MailServers.ConnectAsync();
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var ids = await client.Inbox.SearchAsync(SearchQuery.HeaderContains("To", address));
            if (ids.Count >= count || tries > 20)
            {
                var list = new List<MimeKit.MimeMessage>();
                foreach (var id in ids)
                {
                    list.Add(await client.Inbox.GetMessageAsync(id));
                }
                return list;
            }
            await Task.Delay(250);
        }
    }

    private static async Task<int> CountAsync(string address)
    {
        using var client = await MailServers.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        return (await client.Inbox.SearchAsync(SearchQuery.HeaderContains("To", address))).Count;
    }
}
