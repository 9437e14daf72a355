using System.Net;
using System.Net.Http.Json;
using MailKit;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Rapport.Accounts;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

/// <summary>The weekly digest, sent through the local OpenSMTPD and read back from dovecot as a member would read it.</summary>
public class WeeklyDigestTests
{
    // Monday 7 December 2026: 06:30 UTC is 07:30 in Paris, before the digest's hour; 07:30 UTC is 08:30.
    private static readonly DateTimeOffset BeforeEight = new(2026, 12, 7, 6, 30, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Digest_GoesOnMondayMorning_OnlyToMembersWhoAskedForIt_InTheirLanguage_OncePerWeek(string provider)
    {
        var (host, port) = MailServers.Smtp;
        var clock = new FakeTimeProvider(BeforeEight);
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
        var (owner, workspace) = await factory.CreateOwnerAsync($"digest-fr-{tag}@example.test", $"Vélos <Verts> {tag}");
        var english = await factory.AddMemberAsync(workspace.Id, Role.Analyst, $"digest-en-{tag}@example.test");
        var silent = await factory.AddMemberAsync(workspace.Id, Role.Agent, $"digest-no-{tag}@example.test");
        foreach (var (email, language) in new[] { (owner.Email!, "fr"), (english.Email!, "en") })
        {
            var client = await factory.SignedInClientAsync(email);
            var saved = await client.PatchAsJsonAsync("/api/v1/me", new { language, weeklyDigest = true });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.True((await saved.Content.ReadFromJsonAsync<ProfileDto>(Json.Options))!.WeeklyDigest);
        }
        var silentClient = await factory.SignedInClientAsync(silent.Email!);
        Assert.False((await silentClient.GetFromJsonAsync<ProfileDto>("/api/v1/me/profile", Json.Options))!.WeeklyDigest);

        // Last week (30 November to 6 December in Paris): two satisfaction answers and two NPS answers; the week before, one.
        await using (var db = factory.OpenDb())
        {
            void Answer(string name, double value, DateTime at) => db.ReportingEvents.Add(new ReportingEvent { WorkspaceId = workspace.Id, Name = name, StartedAt = at, EndedAt = at, Value = value });
            Answer(ReportingEventNames.SurveyCsat, 5, new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc));
            Answer(ReportingEventNames.SurveyCsat, 3, new DateTime(2026, 12, 6, 22, 30, 0, DateTimeKind.Utc)); // Sunday 23:30 in Paris: last week.
            Answer(ReportingEventNames.SurveyCsat, 1, new DateTime(2026, 12, 6, 23, 30, 0, DateTimeKind.Utc)); // Monday 00:30 in Paris: this week.
            Answer(ReportingEventNames.SurveyCsat, 2, new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc));
            Answer(ReportingEventNames.SurveyRecommend, 10, new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc));
            Answer(ReportingEventNames.SurveyRecommend, 6, new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc));
            await db.SaveChangesAsync();
        }
        var digests = factory.Services.GetRequiredService<WeeklyDigests>();

        Assert.Equal(0, await digests.SendDueAsync());
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, await digests.SendDueAsync());
        Assert.Equal(0, await digests.SendDueAsync());

        var french = await ReceivedAsync(owner.Email!);
        Assert.Equal($"Vélos <Verts> {tag} : votre semaine, du 30 novembre au 6 décembre 2026", french.Subject);
        Assert.Equal("rapport@example.test", french.From.Mailboxes.Single().Address);
        Assert.Contains("Satisfaction (CSAT) : 4,0 / 5 (réponses : 2) (semaine d’avant : 2,0 / 5 (réponses : 1))", french.TextBody, StringComparison.Ordinal);
        Assert.Contains("NPS : 0 (réponses : 2)", french.TextBody, StringComparison.Ordinal);
        Assert.Contains("https://rapport.example.test/reports/outcomes?period=custom&from=2026-11-30&to=2026-12-06", french.TextBody, StringComparison.Ordinal);
        // The workspace's name is text in the HTML part, never markup.
        Assert.Contains("&lt;Verts&gt;", french.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<Verts>", french.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<strong>4,0 / 5 (réponses : 2)</strong>", WebUtility.HtmlDecode(french.HtmlBody), StringComparison.Ordinal);

        var inEnglish = await ReceivedAsync(english.Email!);
        Assert.Equal($"Vélos <Verts> {tag}: your week, 30 November to 6 December 2026", inEnglish.Subject);
        Assert.Contains("Satisfaction (CSAT): 4.0 / 5 (answers: 2) (week before: 2.0 / 5 (answers: 1))", inEnglish.TextBody, StringComparison.Ordinal);

        // Once each, and nothing for the member who did not ask.
        Assert.Equal(1, await CountAsync(owner.Email!));
        Assert.Equal(0, await CountAsync(silent.Email!));

        // A week later, the next one; a member who turned it off gets none.
        var ownerClient = await factory.SignedInClientAsync(owner.Email!);
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.PatchAsJsonAsync("/api/v1/me", new { weeklyDigest = false })).StatusCode);
        clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(1, await digests.SendDueAsync());
        Assert.Equal(2, await CountAsync(english.Email!));
        Assert.Equal(1, await CountAsync(owner.Email!));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Digest_WhenTheMailServerIsDown_SaysSo_AndIsSentOnceItIsBack(string provider)
    {
        var clock = new FakeTimeProvider(BeforeEight.AddHours(1));
        var (host, port) = MailServers.Smtp;
        var down = MailServers.ClosedPort();
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Mail:Host"] = host;
            s["Rapport:Mail:Port"] = down.ToString(System.Globalization.CultureInfo.InvariantCulture);
            s["Rapport:Mail:Security"] = "None";
            s["Rapport:Mail:From"] = "rapport@example.test";
        })
        { Clock = clock };
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (owner, workspace) = await factory.CreateOwnerAsync($"digest-down-{tag}@example.test", $"Down {tag}");
        var client = await factory.SignedInClientAsync(owner.Email!);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync("/api/v1/me", new { weeklyDigest = true })).StatusCode);
        var digests = factory.Services.GetRequiredService<WeeklyDigests>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => digests.SendDueAsync());
        Assert.Contains(owner.Email!, error.Message, StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            Assert.Null(await db.Memberships.Where(m => m.WorkspaceId == workspace.Id).Select(m => m.DigestSentForWeek).SingleAsync());
        }

        // The server is back (the options read at each send): the digest goes, once.
        var options = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Rapport.Notifications.MailOptions>>().Value;
        options.Port = port;
        Assert.Equal(1, await digests.SendDueAsync());
        Assert.Equal(1, await CountAsync(owner.Email!));
    }

    private static Task<MimeMessage> ReceivedAsync(string address) => MailServers.WaitForAsync(SearchQuery.HeaderContains("To", address), $"to {address}");

    /// <summary>How many e-mails reached the address, after giving a late one time to arrive.</summary>
    private static async Task<int> CountAsync(string address)
    {
        await Task.Delay(1500);
        using var client = await MailServers.ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        return (await client.Inbox.SearchAsync(SearchQuery.HeaderContains("To", address))).Count;
    }
}
