using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Rapport.Commitments;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>Expectations per theme, the brand's commitments, and the public transparency page with its feed.</summary>
public class CommitmentsTests
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private static string Today(int days = 0) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Mentions heard <paramref name="daysAgo"/> days ago, with the themes the analysis found.</summary>
    private static async Task HearAsync(RapportFactory factory, Guid workspaceId, Guid channelId, int daysAgo, string themes, string sentiment, string text,
        string author = "@someone", bool spam = false, Guid? topicId = null)
    {
        await using var db = factory.OpenDb();
        var at = DateTime.UtcNow.AddDays(-daysAgo).AddHours(-1);
        var mention = new Mention
        {
            WorkspaceId = workspaceId,
            ChannelId = channelId,
            ExternalId = Guid.NewGuid().ToString("N"),
            AuthorHandle = author,
            AuthorName = author.TrimStart('@'),
            Text = text,
            CreatedAt = at,
            ReceivedAt = at,
            Language = "fr",
            Sentiment = sentiment,
            Themes = themes,
            Intent = spam ? "Spam" : "Complaint",
            IntentConfidence = spam ? 0.95 : 0.7,
            SearchText = Mention.FoldForSearch(null, text, author.TrimStart('@')),
        };
        db.Add(mention);
        if (topicId is { } id)
        {
            db.Add(MentionTopic.Of(id, mention));
        }
        await db.SaveChangesAsync();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Commitments_ThroughTheApi_KeepProgress_FlagOverdueAndOffTrack_CountWhatPeopleSay_AndAudit(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var otherChannel = await factory.CreateChannelAsync(other.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var api = $"/api/v1/workspaces/{workspace.Id}/commitments";

        await HearAsync(factory, workspace.Id, channel.Id, 2, "Environment", "Negative", "Trop d'emballage plastique chez Vélo Vert");
        await HearAsync(factory, workspace.Id, channel.Id, 3, "Environment,FairPrices", "Positive", "Great, less packaging this year");
        await HearAsync(factory, workspace.Id, channel.Id, 40, "Environment", "Negative", "Encore des emballages inutiles");
        await HearAsync(factory, workspace.Id, channel.Id, 2, "Environment", "Negative", "Le climat, parlons-en"); // the theme, not the words
        await HearAsync(factory, workspace.Id, channel.Id, 2, "Environment", "Negative", "emballage promo !!!", spam: true); // noise
        await HearAsync(factory, other.Id, otherChannel.Id, 2, "Environment", "Negative", "emballage ailleurs"); // another workspace

        var created = await admin.PostAsJsonAsync(api, new
        {
            titleFr = "Zéro emballage plastique",
            titleEn = "No plastic packaging",
            textFr = "D’ici deux ans, plus aucun emballage plastique.",
            theme = "Environment",
            words = "emballage, packaging",
            baseline = 0,
            target = 100,
            unit = "%",
            startedOn = Today(-100),
            deadline = Today(100),
            owner = "Direction RSE",
            status = "InProgress",
            published = true,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var commitment = (await created.Content.ReadFromJsonAsync<CommitmentDto>(Json.Options))!;
        Assert.Equal(("No plastic packaging", "Environment", "emballage, packaging"), (commitment.TitleEn, commitment.Theme, commitment.Words));

        var update = await admin.PostAsJsonAsync($"{api}/{commitment.Id}/updates", new { value = 10, textFr = "Premiers cartons recyclés.", evidenceUrl = "https://velovert.example/rapport-2026.pdf" });
        Assert.Equal(HttpStatusCode.Created, update.StatusCode);

        var read = (await analyst.GetFromJsonAsync<CommitmentDto>($"{api}/{commitment.Id}", Json.Options))!;
        Assert.Equal(10, read.Current);
        Assert.Equal(0.1, read.Progress!.Value, 6);
        Assert.True(read.OffTrack); // half the time gone, a tenth of the way
        Assert.False(read.Overdue);
        Assert.Equal("Premiers cartons recyclés.", Assert.Single(read.Updates).TextFr);
        // Its theme's mentions holding one of its words, noise and other workspaces left out.
        Assert.Equal(new SentimentCounts(2, 1, 0, 1), read.Heard.Last30Days);
        Assert.Equal(1, read.Heard.Previous30Days.Mentions);
        Assert.Equal(CommitmentService.HeardWeeks, read.Heard.Weeks.Count);
        Assert.Equal(2, read.Heard.Weeks[^1].Counts.Mentions);

        var late = await admin.PostAsJsonAsync(api, new { titleEn = "Fair wages for every courier", theme = "WorkingConditions", startedOn = Today(-60), deadline = Today(-5) });
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        var list = (await analyst.GetFromJsonAsync<List<CommitmentDto>>(api, Json.Options))!;
        Assert.True(list.Single(c => c.TitleEn == "Fair wages for every courier").Overdue);

        var changed = await admin.PutAsJsonAsync($"{api}/{commitment.Id}", new { status = "Achieved" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var achieved = (await changed.Content.ReadFromJsonAsync<CommitmentDto>(Json.Options))!;
        Assert.Equal((CommitmentStatus.Achieved, "No plastic packaging", false), (achieved.Status, achieved.TitleEn, achieved.OffTrack));

        // Analysts read; only admins write.
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(api, new { titleEn = "x", theme = "Privacy" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"{api}/{commitment.Id}/updates", new { textEn = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/transparency", new { publicPage = true })).StatusCode);

        var updateId = Assert.Single(read.Updates).Id;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{api}/{commitment.Id}/updates/{updateId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{api}/{commitment.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{api}/{commitment.Id}")).StatusCode);

        await using var db = factory.OpenDb();
        var actions = await db.AuditEntries.Where(a => a.WorkspaceId == workspace.Id && a.Action.StartsWith("commitment.")).Select(a => a.Action).ToListAsync();
        Assert.Equal(["commitment.created", "commitment.created", "commitment.deleted", "commitment.progress", "commitment.progress_deleted", "commitment.updated"], actions.Order());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Commitments_BadInput_SaysWhichFieldAndWhy(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var api = $"/api/v1/workspaces/{workspace.Id}/commitments";

        async Task<string> RefusedAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return string.Join(",", problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        }

        Assert.Equal("theme", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "A", theme = "Nope" })));
        Assert.Equal("theme", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "A", theme = Guid.NewGuid().ToString() })));
        Assert.Equal("title", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "  ", theme = "Privacy" })));
        Assert.Equal("deadline", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "A", theme = "Privacy", startedOn = "2026-06-01", deadline = "2026-01-01" })));
        Assert.Equal("words", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "A", theme = "Privacy", words = "a,b,c,d,e,f,g,h,i,j,k" })));
        Assert.Equal("target", await RefusedAsync(await admin.PostAsJsonAsync(api, new { titleEn = "A", theme = "Privacy", target = 1e15 })));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(api, new { titleEn = new string('x', 201), theme = "Privacy" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(api, new StringContent("{\"titleEn\":", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var created = (await (await admin.PostAsJsonAsync(api, new { titleEn = "Privacy first", theme = "Privacy" })).Content.ReadFromJsonAsync<CommitmentDto>(Json.Options))!;
        Assert.Equal("evidenceUrl", await RefusedAsync(await admin.PostAsJsonAsync($"{api}/{created.Id}/updates", new { textEn = "Done", evidenceUrl = "javascript:alert(1)" })));
        Assert.Equal("text", await RefusedAsync(await admin.PostAsJsonAsync($"{api}/{created.Id}/updates", new { textEn = "" })));
        Assert.Equal("on", await RefusedAsync(await admin.PostAsJsonAsync($"{api}/{created.Id}/updates", new { textEn = "Later", on = Today(30) })));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"{api}/{Guid.NewGuid()}/updates", new { textEn = "Done" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"{api}/{Guid.NewGuid()}", new { titleEn = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/v1/workspaces/{workspace.Id}/expectations?from=2026-05-01&to=2026-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/workspaces/{workspace.Id}/expectations?topicId={Guid.NewGuid()}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Expectations_CountEachThemeAgainstThePeriodBefore_WithQuotes_CustomThemes_AndThemesWithoutCommitment(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var otherChannel = await factory.CreateChannelAsync(other.Id);
        Guid brandId, themeId;
        await using (var db = factory.OpenDb())
        {
            var brand = new Topic { WorkspaceId = workspace.Id, Name = "Vélo Vert", Kind = TopicKind.Brand, Query = "velo", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            var theme = new Topic { WorkspaceId = workspace.Id, Name = "Batteries", Kind = TopicKind.Theme, Query = "batterie", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.AddRange(brand, theme);
            await db.SaveChangesAsync();
            (brandId, themeId) = (brand.Id, theme.Id);
        }
        await HearAsync(factory, workspace.Id, channel.Id, 1, "Environment", "Negative", "<b>Trop</b> d'emballages", "@julie", topicId: brandId);
        await HearAsync(factory, workspace.Id, channel.Id, 2, "Environment,Privacy", "Positive", "Moins de plastique, et mes données ?");
        await HearAsync(factory, workspace.Id, channel.Id, 3, "Privacy", "Negative", "Vous revendez mes données");
        await HearAsync(factory, workspace.Id, channel.Id, 40, "Environment", "Negative", "Avant : pollution");
        await HearAsync(factory, workspace.Id, channel.Id, 2, "Environment", "Negative", "spam spam", spam: true);
        await HearAsync(factory, workspace.Id, channel.Id, 4, "", "Negative", "Ma batterie est morte", topicId: themeId);
        await HearAsync(factory, other.Id, otherChannel.Id, 2, "Privacy", "Negative", "Secret B privacy");
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments", new { titleFr = "Moins de plastique", theme = "Environment" })).StatusCode);

        var read = (await analyst.GetFromJsonAsync<ExpectationsDto>($"/api/v1/workspaces/{workspace.Id}/expectations", Json.Options))!;

        Assert.Equal(4, read.Mentions);
        var environment = read.Themes.Single(t => t.Id == "Environment");
        Assert.Equal(new SentimentCounts(2, 1, 0, 1), environment.Counts);
        Assert.Equal(1, environment.Previous.Mentions);
        Assert.Equal(1.0, environment.Change);
        Assert.Equal((1, false), (environment.Commitments, environment.HeardWithoutCommitment));
        Assert.Equal("<b>Trop</b> d'emballages", environment.Quotes[0].Text);
        var privacy = read.Themes.Single(t => t.Id == "Privacy");
        Assert.Equal((2, true, 2), (privacy.Counts.Mentions, privacy.HeardWithoutCommitment, privacy.Quotes.Count));
        Assert.DoesNotContain(privacy.Quotes, q => q.Text.Contains("Secret B", StringComparison.Ordinal));
        var batteries = read.Themes.Single(t => t.Id == themeId.ToString("D"));
        Assert.Equal(("Batteries", false, 1, true), (batteries.Name, batteries.BuiltIn, batteries.Counts.Mentions, batteries.HeardWithoutCommitment));
        Assert.Equal(9 + 1, read.Themes.Count);
        Assert.Equal(0, read.Themes.Single(t => t.Id == "AnimalWelfare").Counts.Mentions);

        var brandOnly = (await analyst.GetFromJsonAsync<ExpectationsDto>($"/api/v1/workspaces/{workspace.Id}/expectations?topicId={brandId}", Json.Options))!;
        Assert.Equal(("Vélo Vert", 1, 1), (brandOnly.TopicName, brandOnly.Mentions, brandOnly.Themes.Single(t => t.Id == "Environment").Counts.Mentions));
        Assert.Equal(0, brandOnly.Themes.Single(t => t.Id == "Privacy").Counts.Mentions);

        // A commitment can answer a workspace's own theme.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments", new { titleEn = "Batteries that last", theme = themeId.ToString() })).StatusCode);

        var csv = await analyst.GetStringAsync($"/api/v1/workspaces/{workspace.Id}/expectations/themes.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("theme_id,theme,built_in,mentions", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("Privacy,Privacy,true,2,1,0,1,", StringComparison.Ordinal) && l.EndsWith(",0,true", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{themeId:D},Batteries,false,1,", StringComparison.Ordinal) && l.EndsWith(",1,false", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"/api/v1/workspaces/{workspace.Id}/expectations/quotes.csv")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TransparencyPage_IsOffByDefault_ThenShowsOnlyPublishedCommitments_AsText_AndNoOnesWords_WithAValidAtomFeed(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync(workspaceName: "Vélo Vert");
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other brand");
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var otherAdmin = await factory.TokenClientAsync(other.Id, Role.Admin);
        var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        anonymous.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var page = $"/transparency/{workspace.Slug}";
        const string Hostile = "<script>alert('x')</script> & “quotes”";

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(page + "/feed.atom")).StatusCode);
        Assert.False((await admin.GetFromJsonAsync<TransparencySettingsDto>($"/api/v1/workspaces/{workspace.Id}/transparency", Json.Options))!.PublicPage);

        var published = (await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments", new
        {
            titleFr = "Zéro plastique " + Hostile,
            titleEn = "No plastic " + Hostile,
            theme = "Environment",
            baseline = 0,
            target = 100,
            unit = "%",
            published = true,
            owner = "CSR team",
        })).Content.ReadFromJsonAsync<CommitmentDto>(Json.Options))!;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments/{published.Id}/updates",
            new { value = 40, textFr = "Cartons recyclés " + Hostile, textEn = "Recycled boxes " + Hostile, evidenceUrl = "https://velovert.example/report?a=1&b=2" })).StatusCode);
        var draft = (await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments", new { titleEn = "Secret draft promise", theme = "Privacy" }))
            .Content.ReadFromJsonAsync<CommitmentDto>(Json.Options))!;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/commitments/{draft.Id}/updates", new { textEn = "Secret draft step" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await otherAdmin.PostAsJsonAsync($"/api/v1/workspaces/{other.Id}/commitments", new { titleEn = "Other brand promise", theme = "Privacy", published = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherAdmin.PutAsJsonAsync($"/api/v1/workspaces/{other.Id}/transparency", new { publicPage = true })).StatusCode);
        for (var i = 0; i < 6; i++)
        {
            await HearAsync(factory, workspace.Id, channel.Id, 1 + i, "Environment", i < 4 ? "Negative" : "Positive", $"Private words of julie number {i}", "@julie_private");
        }

        var on = await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/transparency", new { publicPage = true });
        Assert.Equal(page, (await on.Content.ReadFromJsonAsync<TransparencySettingsDto>(Json.Options))!.Path);

        var response = await anonymous.GetAsync(page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("No plastic &lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("Recycled boxes", html, StringComparison.Ordinal);
        Assert.Contains("6 public mentions", html, StringComparison.Ordinal);
        Assert.Contains("CSR team", html, StringComparison.Ordinal);
        Assert.Contains("<progress", html, StringComparison.Ordinal);
        Assert.Contains("feed.atom", html, StringComparison.Ordinal);
        foreach (var never in new[] { "Secret draft", "Other brand promise", "julie", "Private words" })
        {
            Assert.DoesNotContain(never, html, StringComparison.OrdinalIgnoreCase);
        }

        var french = new HttpRequestMessage(HttpMethod.Get, page);
        french.Headers.Add("Cookie", ".AspNetCore.Culture=c%3Dfr%7Cuic%3Dfr");
        var frenchHtml = WebUtility.HtmlDecode(await (await anonymous.SendAsync(french)).Content.ReadAsStringAsync());
        Assert.Contains("Zéro plastique", frenchHtml, StringComparison.Ordinal);
        Assert.Contains("Cartons recyclés", frenchHtml, StringComparison.Ordinal);
        Assert.Contains("lang=\"fr\"", frenchHtml, StringComparison.Ordinal);

        var feedResponse = await anonymous.GetAsync(page + "/feed.atom?lang=fr");
        Assert.Equal("application/atom+xml", feedResponse.Content.Headers.ContentType!.MediaType);
        var feed = XDocument.Parse(await feedResponse.Content.ReadAsStringAsync());
        Assert.Equal(Atom + "feed", feed.Root!.Name);
        Assert.NotEmpty(feed.Root.Element(Atom + "id")!.Value);
        Assert.NotEmpty(feed.Root.Element(Atom + "updated")!.Value);
        Assert.NotNull(feed.Root.Element(Atom + "author")?.Element(Atom + "name"));
        var entry = Assert.Single(feed.Root.Elements(Atom + "entry"));
        Assert.StartsWith("Cartons recyclés " + Hostile, entry.Element(Atom + "content")!.Value, StringComparison.Ordinal);
        Assert.Equal("https://velovert.example/report?a=1&b=2", entry.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "related").Attribute("href")!.Value);
        Assert.True(DateTimeOffset.TryParse(entry.Element(Atom + "updated")!.Value, out _));
        Assert.StartsWith("urn:uuid:", entry.Element(Atom + "id")!.Value, StringComparison.Ordinal);

        // Turned off again: nothing answers.
        await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/transparency", new { publicPage = false });
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(page + "/feed.atom")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/transparency/no-such-workspace")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/transparency/{other.Slug}")).StatusCode);
    }
}
