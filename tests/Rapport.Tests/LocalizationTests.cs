using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Resources;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Conversations;
using Rapport.Conversations.Live;
using Rapport.Resources;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>One language per page: every text exists in both languages, and a page keeps its language whoever changes the data.</summary>
public class LocalizationTests
{
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    [Fact]
    public void Resources_EveryKeyExistsInEveryLanguage_AndNoneIsEmpty()
    {
        var resources = new ResourceManager("Rapport.Resources.Strings", typeof(Strings).Assembly);
        var english = Entries(resources, CultureInfo.InvariantCulture);
        var french = Entries(resources, French);

        Assert.True(english.Count > 500, $"Only {english.Count} English texts were found: the resources were not read.");
        Assert.Empty(english.Keys.Except(french.Keys).Order());
        Assert.Empty(french.Keys.Except(english.Keys).Order());
        Assert.Empty(english.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "en: " + e.Key)
            .Concat(french.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => "fr: " + e.Key)));
    }

    [Fact]
    public void WorldDays_HaveANameInEachLanguage()
    {
        // The analysis library names a day in both languages at once ("Christmas / Noël"); a page shows one.
        var resources = new ResourceManager("Rapport.Resources.Strings", typeof(Strings).Assembly);
        var english = Entries(resources, CultureInfo.InvariantCulture);
        var french = Entries(resources, French);
        List<string> unnamed = [.. Rapport.Analysis.Review.CalendarEvents.All.Select(e => "WorldDay." + e.Name).Where(k => !english.ContainsKey(k) || !french.ContainsKey(k))];
        Assert.Empty(unnamed);
        Assert.Equal("Noël", french["WorldDay.Christmas / Noël"]);
        Assert.Equal("Christmas", english["WorldDay.Christmas / Noël"]);
    }

    private static Dictionary<string, string> Entries(ResourceManager resources, CultureInfo culture)
    {
        // tryParents: false, so a French text missing is not filled in from English.
        var set = resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No resources for '{culture.Name}'.");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => e.Value as string ?? "");
    }

    [Fact]
    public void StoredSentences_AreRecognised_AndToldInTheReadersLanguage()
    {
        var resources = new ResourceManager("Rapport.Resources.Strings", typeof(Strings).Assembly);
        var stored = new StoredText(new Microsoft.Extensions.Localization.StringLocalizer<Strings>(new Microsoft.Extensions.Localization.ResourceManagerStringLocalizerFactory(
            Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Localization.LocalizationOptions()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)));
        var keys = Entries(resources, CultureInfo.InvariantCulture).Keys.Where(k => k.StartsWith("Stored.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keys);
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = French;
        try
        {
            foreach (var key in keys)
            {
                object[] values = ["line-7", "12", "2199-12-31", "port 25"];
                var english = StoredText.English(key, values);
                Assert.Equal(string.Format(French, resources.GetString(key, French)!, values), stored.Translate(english));
            }
            Assert.Equal("created_at « demain » n'est pas une date.", stored.Translate("created_at \"demain\" is not a date."));
            Assert.Equal("Something else went wrong.", stored.Translate("Something else went wrong."));
            // A sentence inside a sentence is told too: the server's name inside a mail error, the error inside a retry.
            var refused = StoredText.English("Stored.Mail.WrongCredentials", Rapport.Channels.Email.MailConnection.Where("IMAP", "mail.example.test", 993));
            Assert.Equal("The IMAP server mail.example.test:993 refused the user name or password: check them in the channel's settings.", refused);
            Assert.Equal("La tentative 2 a échoué (Le serveur IMAP mail.example.test:993 a refusé le nom d'utilisateur ou le mot de passe : vérifiez-les dans les réglages du canal.) ; nouvel essai prévu.",
                stored.Translate(StoredText.English("Stored.Delivery.Retrying", 2, refused)));
            // A channel kind kept by its name is told in words; a connection test reads in the reader's language.
            Assert.Equal("Les réponses ne peuvent pas partir par les canaux API.",
                stored.Translate(StoredText.English("Stored.Delivery.CannotReply", Rapport.Channels.ChannelKind.Api)));
            Assert.Equal("Connecté à mastodon.example en tant que @velovert.", stored.Translate(StoredText.English("Stored.Test.SignedInAs", "mastodon.example", "@velovert")));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task APageOpenInFrench_HearsAChangeSavedByAnEnglishRequest_InFrench(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var events = factory.Services.GetRequiredService<ConversationEvents>();
        var presence = factory.Services.GetRequiredService<ConversationPresence>();
        var heardIn = new ConcurrentQueue<string>();
        var presenceHeardIn = new ConcurrentQueue<string>();

        // The page subscribes from its circuit, whose culture the request that opened it set.
        IDisposable subscription, joined;
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = French;
        CultureInfo.CurrentCulture = French;
        try
        {
            subscription = events.Subscribe(workspace.Id, _ => heardIn.Enqueue(CultureInfo.CurrentUICulture.Name + "/" + CultureInfo.CurrentCulture.Name));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
            CultureInfo.CurrentCulture = previous;
        }

        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "culture-1", authorHandle = "ana@example.test", text = "Mon colis n'est jamais arrivé." });
        created.EnsureSuccessStatusCode();
        var conversationId = (await created.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;

        CultureInfo.CurrentUICulture = French;
        try
        {
            joined = presence.Join(conversationId, Guid.NewGuid(), Guid.NewGuid(), "Camille", () => presenceHeardIn.Enqueue(CultureInfo.CurrentUICulture.Name));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
        presenceHeardIn.Clear();
        // Someone else, reading in English, starts typing on another thread.
        await Task.Run(() =>
        {
            CultureInfo.CurrentUICulture = English;
            presence.Join(conversationId, Guid.NewGuid(), Guid.NewGuid(), "Sam", () => { }).Dispose();
        });

        using (subscription)
        using (joined)
        {
            Assert.NotEmpty(heardIn);
            Assert.All(heardIn, culture => Assert.Equal("fr/fr", culture));
            Assert.NotEmpty(presenceHeardIn);
            Assert.All(presenceHeardIn, culture => Assert.Equal("fr", culture));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Why_ExplainsTheAnalysisInWords_InTheReadersLanguage(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "why-1", authorHandle = "ana@example.test", text = "Le frein de mon vélo a lâché dans la descente, j'ai failli avoir un accident. C'est inadmissible !" });
        created.EnsureSuccessStatusCode();
        var messageId = (await created.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.MessageId;
        string explanation, intent;
        await using (var db = factory.OpenDb())
        {
            var analysis = await db.MessageAnalyses.IgnoreQueryFilters().Where(a => a.MessageId == messageId).Select(a => new { a.Explanation, a.Intent }).SingleAsync();
            (explanation, intent) = (analysis.Explanation, analysis.Intent);
        }
        var resources = new ResourceManager("Rapport.Resources.Strings", typeof(Strings).Assembly);
        var words = factory.Services.GetRequiredService<AnalysisWords>();

        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = French;
        try
        {
            var reasons = words.Explain(explanation);
            var sentences = reasons.Select(r => r.Sentence).ToList();
            // The intent, whichever the model chose, is told as a sentence first.
            Assert.Equal(resources.GetString("Why.Intent." + intent, French), sentences[0]);
            Assert.Contains("Attend une réponse : un risque pour la sécurité", sentences);
            Assert.Contains("Écrit en français", sentences);
            // No stored key ("intent", "needsAnswer") and no bare punctuation as a reason.
            Assert.DoesNotContain(sentences, s => s is "intent" or "needsAnswer" or "language" || s.Contains("Complaint", StringComparison.Ordinal));
            Assert.All(reasons.SelectMany(r => r.Terms), term => Assert.Contains(term, t => char.IsLetterOrDigit(t)));
            Assert.Contains("Urgent, un risque pour la sécurité", sentences);
            Assert.Contains("Ton négatif", sentences);
            Assert.Equal("Réclamation", words.Intent("Complaint"));
            Assert.Equal("Risque pour la sécurité, Longue attente", words.Urgency("SafetyRisk,LongWait"));

            CultureInfo.CurrentUICulture = English;
            Assert.Contains("Needs an answer: a safety risk", words.Explain(explanation).Select(r => r.Sentence));
            Assert.Equal("Purchase intent", words.Intent("PurchaseIntent"));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task HistoryAndAudit_ShowTranslatedValuesAndNames_NotIdsOrAddresses(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent, "leo@example.test");
        await using (var db = factory.OpenDb())
        {
            await db.Users.Where(u => u.Id == agent.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisplayName, "Léo Dubois"));
        }
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "trail-1", authorHandle = "ana@example.test", text = "Mon colis n'est jamais arrivé." });
        var conversationId = (await created.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
        var changed = await client.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}",
            new { status = "Resolved", priority = "High", assigneeId = agent.Id });
        changed.EnsureSuccessStatusCode();

        var words = factory.Services.GetRequiredService<Rapport.Audit.AuditWords>();
        List<ConversationAuditDto> trail;
        Rapport.Audit.AuditNames names;
        string memberAddedTarget;
        await using (var db = factory.OpenDb())
        {
            trail = await ConversationAudit.ForConversationAsync(db, workspace.Id, conversationId);
            names = await Rapport.Audit.AuditNames.ForWorkspaceAsync(db, workspace.Id);
            memberAddedTarget = await db.AuditEntries.Where(a => a.WorkspaceId == workspace.Id && a.Action == "member.added" && a.Target == agent.Id.ToString()).Select(a => a.Target!).SingleAsync();
        }

        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = French;
        try
        {
            var lines = trail.Select(t => $"{words.Action(t.Action)} {words.Details(t.Action, t.Details, names)}").ToList();
            Assert.Contains("a mis le statut à Résolue", lines);
            Assert.Contains("a mis la priorité à Haute", lines);
            Assert.Contains("l'a assignée à Léo Dubois", lines);
            Assert.Equal("Léo Dubois", words.Target(memberAddedTarget, names));
            Assert.Equal("Léo Dubois", words.Target("LEO@example.test", names));
            Assert.Equal("Agent → Administrateur", words.Details("member.role_changed", "Agent → Admin", names));
            Assert.Equal("À l’arrivée d’un message client : priorité haute, assignée à Léo Dubois",
                words.Details("rule.applied", $"MessageReceived: priority High, assigned {agent.Id}", names));
            Assert.Equal("Automatisation (Urgences)", words.Actor("Rapport: Urgences", names));

            CultureInfo.CurrentUICulture = English;
            Assert.Equal("On a customer message: priority high, assigned to Léo Dubois",
                words.Details("rule.applied", $"MessageReceived: priority High, assigned {agent.Id}", names));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheDefaultSurveyInvitation_GoesOutInTheCustomersLanguage(string provider)
    {
        await using var setup = await Service.ServiceWorkspace.StartAsync(provider);
        var french = await setup.ReceiveAsync("Bonjour, mon colis n'est toujours pas arrivé et je n'ai aucune nouvelle depuis deux semaines.");
        var english = await setup.ReceiveAsync("Hello, my parcel still has not arrived and I have had no news for two weeks.");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/survey-settings",
            new Rapport.Satisfaction.SurveySettingsDto(true, Rapport.Satisfaction.SurveySettings.DefaultInvitation))).StatusCode);
        // The agent resolving reads English; each customer gets the invitation in their own language.
        setup.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        foreach (var id in new[] { french, english })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { status = "Resolved" })).StatusCode);
        }

        await using var db = setup.Factory.OpenDb();
        var invitations = await db.OutboxItems.Join(db.Messages, o => o.MessageId, m => (Guid?)m.Id, (o, m) => new { m.ConversationId, m.Text }).ToListAsync();
        Assert.StartsWith("Merci de nous avoir contactés. Comment avons-nous répondu ? Deux questions, une minute : http://localhost:5080/survey/",
            invitations.Single(i => i.ConversationId == french).Text, StringComparison.Ordinal);
        Assert.StartsWith("Thank you for contacting us. How did we do? Two questions, one minute: http://localhost:5080/survey/",
            invitations.Single(i => i.ConversationId == english).Text, StringComparison.Ordinal);
    }
}
