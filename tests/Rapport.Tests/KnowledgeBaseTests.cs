using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.KnowledgeBase;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The knowledge base, its public help centre, unanswered questions, reply suggestions, canned responses and macros.</summary>
public class KnowledgeBaseTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Articles_AgentsWriteAndPublish_AnalystsOnlyRead(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var url = $"/api/v1/workspaces/{workspace.Id}/articles";

        var category = await (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/article-categories", new { name = "Livraison" }))
            .Content.ReadFromJsonAsync<CategoryDto>(Json.Options);
        var created = await agent.PostAsJsonAsync(url, new { title = "Délais de livraison", language = "fr", body = "Comptez **3 jours**.", categoryId = category!.Id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var article = await created.Content.ReadFromJsonAsync<ArticleDto>(Json.Options);
        Assert.Equal("delais-de-livraison", article!.Slug);
        Assert.False(article.IsPublished);

        var published = await agent.PutAsJsonAsync($"{url}/{article.Id}", new { title = article.Title, language = "fr", body = article.Body, categoryId = category.Id, isPublished = true });
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.True((await published.Content.ReadFromJsonAsync<ArticleDto>(Json.Options))!.IsPublished);

        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(url, new { title = "Analyst", language = "en" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PutAsJsonAsync($"{url}/{article.Id}", new { title = "Changed", language = "fr" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.DeleteAsync($"{url}/{article.Id}")).StatusCode);
        var read = await analyst.GetFromJsonAsync<List<ArticleDto>>(url, Json.Options);
        Assert.Equal("Délais de livraison", Assert.Single(read!).Title);

        // Bad input gets a clear 400 naming the field.
        var duplicate = await agent.PostAsJsonAsync(url, new { title = "Délais de livraison", language = "fr" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Contains("slug", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync(url, new { title = new string('x', 201), language = "fr" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync(url, new { title = "Klingon", language = "tlh" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync(url, new { title = "Bad slug", slug = "../etc", language = "en" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync(url, new { title = "Huge", language = "en", body = new string('a', 100_001) })).StatusCode);
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var otherAgent = await factory.TokenClientAsync(other.Id, Role.Agent);
        var foreignCategory = await otherAgent.PostAsJsonAsync($"/api/v1/workspaces/{other.Id}/articles", new { title = "Borrowed", language = "fr", categoryId = category.Id });
        Assert.Equal(HttpStatusCode.BadRequest, foreignCategory.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/api/v1/workspaces/{workspace.Id}/article-categories/{category.Id}")).StatusCode);
        Assert.Null((await agent.GetFromJsonAsync<ArticleDto>($"{url}/{article.Id}", Json.Options))!.CategoryId);

        // Every change is in the audit log, whichever door it came through (pages call the same service).
        Assert.Equal(HttpStatusCode.Created, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/canned-responses",
            new { name = "Délai", language = "fr", body = "Comptez 3 jours." })).StatusCode);
        await using var db = factory.OpenDb();
        var actions = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.WorkspaceId == workspace.Id).Select(a => a.Action).ToListAsync();
        Assert.Equal(["article-category.created", "article-category.deleted", "article.created", "article.updated", "canned-response.created"],
            actions.Where(a => a.StartsWith("article", StringComparison.Ordinal) || a.StartsWith("canned", StringComparison.Ordinal)).Order());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task HelpCentre_ShowsOnlyThatWorkspacesPublishedArticles_AndAnswers404Otherwise(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync(workspaceName: "Vélo Vert");
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Autre Marque");
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var otherAgent = await factory.TokenClientAsync(other.Id, Role.Agent);
        await CreateArticleAsync(agent, workspace.Id, "Suivre ma commande", "fr", "Ouvrez *Mes commandes* pour suivre le colis.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Brouillon secret", "fr", "Pas encore prêt.", published: false);
        await CreateArticleAsync(otherAgent, other.Id, "Article de l'autre marque", "fr", "Autre chose.", published: true);
        var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var home = await anonymous.GetAsync($"/help/{workspace.Slug}");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("Suivre ma commande", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Brouillon secret", html, StringComparison.Ordinal);
        Assert.DoesNotContain("autre marque", html, StringComparison.Ordinal);

        var article = await anonymous.GetAsync($"/help/{workspace.Slug}/suivre-ma-commande");
        Assert.Equal(HttpStatusCode.OK, article.StatusCode);
        Assert.Contains("<em>Mes commandes</em>", await article.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var draft = await anonymous.GetAsync($"/help/{workspace.Slug}/brouillon-secret");
        Assert.Equal(HttpStatusCode.NotFound, draft.StatusCode);
        Assert.Contains("This article does not exist or is not published.", await draft.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/help/{other.Slug}/suivre-ma-commande")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/help/no-such-workspace")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/help/{new string('x', 300)}")).StatusCode);

        // Search ignores accents and case; drafts never come up.
        var search = await (await anonymous.GetAsync($"/help/{workspace.Slug}?q={Uri.EscapeDataString("COMMANDÉ")}")).Content.ReadAsStringAsync();
        Assert.Contains("Suivre ma commande", search, StringComparison.Ordinal);
        var draftSearch = await (await anonymous.GetAsync($"/help/{workspace.Slug}?q=brouillon")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Brouillon secret", draftSearch, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_WithHostileHtml_IsNeutralised()
    {
        const string hostile = """
            # Title
            <script>alert('x')</script>
            <img src="x" onerror="alert(1)">
            <iframe src="https://evil.example"></iframe>
            [click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=) and [ok](https://example.com/help)
            ![pic](javascript:alert(2))
            <a href="https://example.com" onclick="alert(3)">raw</a>
            """;

        var html = ArticleMarkdown.ToSafeHtml(hostile);

        Assert.Contains("<h1", html, StringComparison.Ordinal);
        AssertInert(html);
        // Raw HTML is shown as text, and the safe link stays a link that does not hand over the opener.
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/help\"", html, StringComparison.Ordinal);
        Assert.Contains("noopener", html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task HostileArticle_OnThePublicPage_RunsNothing(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        await CreateArticleAsync(agent, workspace.Id, "<script>alert(1)</script> Title", "en",
            "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <iframe src=https://evil.example></iframe>", published: true, slug: "hostile");
        var anonymous = factory.CreateClient();

        var html = await (await anonymous.GetAsync($"/help/{workspace.Slug}/hostile")).Content.ReadAsStringAsync();

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; Title", html, StringComparison.Ordinal);
        var start = html.IndexOf("<article", StringComparison.Ordinal);
        AssertInert(html[start..html.IndexOf("</article>", start, StringComparison.Ordinal)]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Search_IgnoresAccentsCaseAndEndings_InFrenchAndEnglish(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        await CreateArticleAsync(agent, workspace.Id, "Demander un remboursement", "fr", "Un remboursement arrive sous 5 jours ouvrés.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Refund policy", "en", "Refunds are issued within five working days.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Délais de livraison", "fr", "Les livraisons prennent trois jours.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Delivery times", "en", "Deliveries take three days.", published: true);

        async Task<List<string>> SearchAsync(string q) =>
            [.. (await agent.GetFromJsonAsync<List<ArticleSearchHitDto>>($"/api/v1/workspaces/{workspace.Id}/articles?q={Uri.EscapeDataString(q)}", Json.Options))!.Select(h => h.Title)];

        Assert.Equal("Demander un remboursement", (await SearchAsync("REMBOURSÉ"))[0]);
        Assert.Equal("Demander un remboursement", (await SearchAsync("remboursements"))[0]);
        Assert.Equal("Délais de livraison", (await SearchAsync("delai livraison"))[0]);
        Assert.Equal("Refund policy", (await SearchAsync("refunded"))[0]);
        Assert.Equal("Delivery times", (await SearchAsync("DELIVERY"))[0]);
        Assert.Empty(await SearchAsync("xylophone"));
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.GetAsync($"/api/v1/workspaces/{workspace.Id}/articles?q={new string('a', 600)}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UnansweredQuestions_GroupsSimilarQuestions_AndLeavesOutThoseAnArticleAnswers(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await CreateArticleAsync(agent, workspace.Id, "Suivre ma commande", "fr", "Pour suivre votre commande, ouvrez l'onglet Commandes.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Livraison en Belgique (brouillon)", "fr", "Nous livrons en Belgique.", published: false);
        string[] questions =
        [
            "Bonjour, est-ce que vous livrez en Belgique ?",
            "Livrez-vous aussi en Belgique svp ?",
            "Vous livrez en Belgique ? Merci",
            "Comment suivre ma commande ?",
            "Quels sont vos horaires d'ouverture du magasin ?",
        ];
        for (var i = 0; i < questions.Length; i++)
        {
            await ReceiveAsync(agent, workspace.Id, channel.Id, $"q-{i}", $"client{i}@example.test", questions[i]);
        }
        await MarkAsQuestionsAsync(factory);

        var groups = await agent.GetFromJsonAsync<List<UnansweredQuestionGroup>>($"/api/v1/workspaces/{workspace.Id}/unanswered-questions", Json.Options);

        var top = groups![0];
        Assert.Equal(3, top.Count);
        Assert.All(top.Examples, e => Assert.Contains("Belgique", e.Text, StringComparison.Ordinal));
        Assert.Contains("belgique", top.KeyWords);
        Assert.DoesNotContain(groups, g => g.Examples.Any(e => e.Text.Contains("suivre ma commande", StringComparison.Ordinal)));
        Assert.Contains(groups, g => g.Count == 1 && g.Question.Contains("horaires", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Suggestions_RankTheRelevantArticleFirst_InFrenchAndEnglish_WithPastAnswers(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await CreateArticleAsync(agent, workspace.Id, "Demander un remboursement", "fr", "Pour être remboursé, ouvrez votre commande et choisissez Rembourser.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Délais de livraison", "fr", "La livraison prend trois jours ouvrés.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "How to get a refund", "en", "To get refunded, open your order and choose Refund.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Delivery times", "en", "Delivery takes three working days.", published: true);
        await CreateArticleAsync(agent, workspace.Id, "Remboursement express (brouillon)", "fr", "Remboursement immédiat.", published: false);

        // A past conversation, answered and resolved: its answer is suggested for a similar question.
        var past = await ReceiveAsync(agent, workspace.Id, channel.Id, "p-1", "old@example.test", "Combien de temps prend la livraison d'un vélo ?");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{past}/replies",
            new { text = "La livraison d'un vélo prend trois jours ouvrés." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{past}", new { status = "Resolved", confirmUndelivered = true })).StatusCode);

        var french = await ReceiveAsync(agent, workspace.Id, channel.Id, "f-1", "marie@example.test", "Bonjour, comment être remboursée de ma commande ?");
        var english = await ReceiveAsync(agent, workspace.Id, channel.Id, "e-1", "john@example.test", "Hi, how do I get a refund for my order?");
        var delivery = await ReceiveAsync(agent, workspace.Id, channel.Id, "f-2", "paul@example.test", "Combien de temps prend la livraison de mon vélo ?");

        var fr = await SuggestAsync(agent, workspace.Id, french);
        Assert.Equal("Demander un remboursement", fr.Articles[0].Title);
        Assert.DoesNotContain(fr.Articles, a => a.Title.Contains("brouillon", StringComparison.Ordinal));
        Assert.NotEmpty(fr.Articles[0].Why);
        var en = await SuggestAsync(agent, workspace.Id, english);
        Assert.Equal("How to get a refund", en.Articles[0].Title);
        Assert.Contains("refund", en.Articles[0].Matched);
        var similar = await SuggestAsync(agent, workspace.Id, delivery);
        Assert.Equal("Délais de livraison", similar.Articles[0].Title);
        var answer = Assert.Single(similar.PastAnswers);
        Assert.Equal(past, answer.ConversationId);
        Assert.Equal("La livraison d'un vélo prend trois jours ouvrés.", answer.Answer);
        Assert.InRange(answer.Score, 0.35, 1);

        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var otherAgent = await factory.TokenClientAsync(other.Id, Role.Agent);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAgent.GetAsync($"/api/v1/workspaces/{other.Id}/conversations/{french}/suggestions")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CannedResponse_FillsPlaceholders_AndAHostileContactNameStaysText(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync(workspaceName: "Vélo Vert");
        var agentUser = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent, agentUser.Id);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        const string hostileName = "<img src=x onerror=alert(1)> {{agent.name}}";
        var conversation = await ReceiveAsync(agent, workspace.Id, channel.Id, "h-1", "eve@example.test", "Hello?", hostileName);
        var created = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/canned-responses",
            new { name = "Greeting", language = "en", body = "Hello {{contact.name}}, {{ agent.name }} from {{workspace.name}} here. {{unknown.thing}}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var canned = await created.Content.ReadFromJsonAsync<CannedResponseDto>(Json.Options);

        var filled = await agent.GetFromJsonAsync<FilledTextDto>($"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/canned-responses/{canned!.Id}", Json.Options);

        // The name goes in as written, once: its markup is not HTML and its "{{agent.name}}" is not filled again.
        Assert.Equal($"Hello {hostileName}, Agent from Vélo Vert here. {{{{unknown.thing}}}}", filled!.Text);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/canned-responses",
            new { name = "Greeting", language = "en", body = "Duplicate name" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/canned-responses",
            new { name = "Empty", language = "en", body = "  " })).StatusCode);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/canned-responses",
            new { name = "Analyst", language = "en", body = "Hi" })).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Macro_AppliesAllItsActions_AndAStaleVersionIsRefusedWith409(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var agentUser = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent, agentUser.Id);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var labels = new List<LabelDto>();
        foreach (var name in new[] { "Existing", "Refund", "Vip" })
        {
            labels.Add((await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name }))
                .Content.ReadFromJsonAsync<LabelDto>(Json.Options))!);
        }
        var conversationId = await ReceiveAsync(agent, workspace.Id, channel.Id, "m-1", "ana@example.test", "I want my money back.", "Ana");
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}";
        var start = await agent.PatchAsJsonAsync(url, new { labelIds = new[] { labels[0].Id } });
        var version = (await start.Content.ReadFromJsonAsync<ConversationDto>(Json.Options))!.Version;
        var macroRequest = new
        {
            name = "Refund done",
            replyText = "Hi {{contact.name}}, your refund is on its way. {{agent.name}}",
            addLabelIds = new[] { labels[1].Id, labels[2].Id },
            status = "Resolved",
            priority = "High",
            assigneeId = agentUser.Id,
        };
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/macros", macroRequest)).StatusCode);
        var macro = await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/macros", macroRequest)).Content.ReadFromJsonAsync<MacroDto>(Json.Options);

        var run = await agent.PostAsJsonAsync($"{url}/macros/{macro!.Id}/run", new { version });

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var result = await run.Content.ReadFromJsonAsync<MacroRunDto>(Json.Options);
        Assert.Equal(ConversationStatus.Resolved, result!.Status);
        Assert.Equal(Priority.High, result.Priority);
        Assert.Equal(agentUser.Id, result.AssigneeId);
        Assert.Equal(labels.Select(l => l.Id).Order(), result.LabelIds.Order());
        Assert.Equal(DeliveryStatus.Queued, result.Reply!.DeliveryStatus);
        await using (var db = factory.OpenDb())
        {
            var reply = await db.Messages.SingleAsync(m => m.Id == result.Reply.MessageId);
            Assert.Equal("Hi Ana, your refund is on its way. Agent", reply.Text);
            Assert.Equal(MessageDirection.Outbound, reply.Direction);
            Assert.True(await db.OutboxItems.AnyAsync(o => o.MessageId == reply.Id), "The reply is queued in the outbox.");
        }

        // The version read before the macro ran is stale now: refused, nothing changed, nothing sent.
        var stale = await agent.PostAsJsonAsync($"{url}/macros/{macro.Id}/run", new { version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Someone else changed", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"{url}/macros/{macro.Id}/run", new { })).StatusCode);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(1, await db.Messages.CountAsync(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outbound));
        }
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"{url}/macros/{macro.Id}/run", new { version = result.Version })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/macros",
            new { name = "Snooze", status = "Snoozed" })).StatusCode);
    }

    /// <summary>Markup that can run nothing: no script, frame, object or form element, no event handler, no script or data URL.</summary>
    private static void AssertInert(string html)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        Assert.Empty(document.QuerySelectorAll("script, iframe, frame, object, embed, form, style, link, meta"));
        foreach (var element in document.All)
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{element.LocalName} {attribute.Name}> runs script.");
                Assert.False(attribute.Name is "href" or "src" && !attribute.Value.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
                    && !attribute.Value.StartsWith("http:", StringComparison.OrdinalIgnoreCase) && !attribute.Value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase),
                    $"<{element.LocalName} {attribute.Name}=\"{attribute.Value}\"> is not an http, https or mailto link.");
            }
        }
    }

    private static async Task CreateArticleAsync(HttpClient client, Guid workspaceId, string title, string language, string body, bool published, string? slug = null)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/articles", new { title, slug, language, body, isPublished = published });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<Guid> ReceiveAsync(HttpClient client, Guid workspaceId, Guid channelId, string externalId, string handle, string text, string? name = null)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages",
            new { externalId, authorHandle = handle, authorName = name, text });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
    }

    private static async Task<SuggestionList> SuggestAsync(HttpClient client, Guid workspaceId, Guid conversationId) =>
        (await client.GetFromJsonAsync<SuggestionList>($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/suggestions", Json.Options))!;

    /// <summary>
    /// The analysis reads intent with a model whose guesses on short texts may change as it is retrained: these tests are
    /// about grouping, so every inbound message with a question mark counts as a Question.
    /// </summary>
    private static async Task MarkAsQuestionsAsync(RapportFactory factory)
    {
        await using var db = factory.OpenDb();
        foreach (var analysis in await db.MessageAnalyses.ToListAsync())
        {
            analysis.Intent = "Question";
        }
        await db.SaveChangesAsync();
    }
}
