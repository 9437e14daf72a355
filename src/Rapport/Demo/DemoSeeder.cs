using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Accounts;
using Rapport.Automation;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Events;
using Rapport.Ingest;
using Rapport.KnowledgeBase;
using Rapport.Resources;
using Rapport.Satisfaction;
using Rapport.Sla;
using Rapport.Workspaces;

namespace Rapport.Demo;

/// <summary>How to sign in to the demo workspace; printed on the console.</summary>
public sealed record DemoSignIn(string WorkspaceName, string Email, string Password, bool Exists);

/// <summary>
/// Fills an empty database with the Vélo Vert / Green Wheels demo: sandbox channels, agents, teams, labels,
/// conversations in French and English spread over the last two weeks, and what a care team sets up around them
/// (help articles, canned responses, macros, an SLA with business hours, automation rules, answered surveys).
/// Everything goes through the services the pages and the API use: customer messages through ingest (so the demo
/// shows the real analysis, rules and SLA due times), set-up through the same rules that check an admin's input.
/// </summary>
public sealed class DemoSeeder(RapportDbContext db, WorkspaceService workspaces, Learning.WorkspaceAnalyzers analyzers, Outbox.OutboxSignal outbox,
    IHttpContextAccessor http, SurveyLinks surveyLinks, TimeProvider clock, IStringLocalizer<Strings> text, Listening.TopicMatchers topicMatchers)
{
    /// <summary>
    /// The time the script is at: each customer message's own time, then just after a conversation's last message for the
    /// team's handling, so that rules, notifications, history, resolutions and surveys read as the texts say ("resolved
    /// 12 days ago"), not as if everything happened when the demo was seeded. The services below run on it.
    /// </summary>
    private readonly ScriptClock script = new();

    public const string DemoEmail = "demo@rapport.local";
    /// <summary>Public on purpose: the demo is for trying Rapport on one's own machine, never for production data.</summary>
    public const string DemoPassword = "rapport-demo";

    public async Task<DemoSignIn> SeedIfEmptyAsync(CancellationToken ct = default)
    {
        var data = Load();
        if (await db.Users.AnyAsync(ct))
        {
            // Not empty: the demo is not added to real data, and its sign-in is shown only if it is there.
            var exists = await db.Users.AnyAsync(u => u.NormalizedEmail == DemoEmail.ToUpperInvariant(), ct);
            return new DemoSignIn(data.Workspace.Name, DemoEmail, DemoPassword, exists);
        }

        // No saved language: the demo follows the newcomer's browser, French or English, until they choose one.
        var (owner, errors) = await workspaces.CreateUserAsync(DemoEmail, "Demo", DemoPassword);
        if (owner is null)
        {
            throw new InvalidOperationException("Could not create the demo user: " + string.Join(" ", errors));
        }
        var workspace = await workspaces.CreateWorkspaceAsync(data.Workspace.Name, owner.Id, data.Workspace.DefaultCulture, data.Workspace.TimeZone, data.Workspace.Slug);
        var now = clock.GetUtcNow().UtcDateTime;
        script.Now = now;

        var channels = new Dictionary<string, Channel>();
        foreach (var c in data.Channels)
        {
            var channel = new Channel
            {
                WorkspaceId = workspace.Id,
                Name = c.Name,
                Kind = Enum.Parse<ChannelKind>(c.Kind),
                Direction = Enum.Parse<ChannelDirection>(c.Direction),
                // Sandbox: the demo's channels reach no network. Replies and posts are recorded as delivered and
                // nothing is polled, so every channel works on a newcomer's machine and none shows an error.
                Sandbox = true,
                CreatedAt = now.AddDays(-30),
            };
            channels[c.Key] = channel;
            db.Channels.Add(channel);
        }
        var labels = data.Labels.ToDictionary(l => l.Name, l => new Label { WorkspaceId = workspace.Id, Name = l.Name, Color = l.Color });
        db.Labels.AddRange(labels.Values);

        var agents = new Dictionary<string, User>();
        foreach (var a in data.Agents)
        {
            var (user, agentErrors) = await workspaces.CreateUserAsync(a.Email, a.DisplayName, DemoPassword);
            if (user is null)
            {
                throw new InvalidOperationException("Could not create a demo agent: " + string.Join(" ", agentErrors));
            }
            agents[a.Key] = user;
            db.Memberships.Add(new Membership { WorkspaceId = workspace.Id, UserId = user.Id, Role = Enum.Parse<Role>(a.Role), CreatedAt = now.AddDays(-30) });
        }
        var teams = new Dictionary<string, Team>();
        foreach (var t in data.Teams)
        {
            var team = new Team { WorkspaceId = workspace.Id, Name = t.Name };
            team.Members.AddRange(t.Members.Select(m => new TeamMember { TeamId = team.Id, UserId = agents[m].Id }));
            teams[t.Name] = team;
            db.Teams.Add(team);
        }
        await db.SaveChangesAsync(ct);

        // Set up before the first message arrives, as a team would: ingest then applies the rules and the SLA.
        var content = LoadContent();
        db.ScopedWorkspaceId = workspace.Id;
        await SeedSetUpAsync(content, workspace.Id, owner.Id, agents, labels, now, ct);
        await DemoListening.SeedTopicsAsync(db, workspace.Id, owner.Id, now, ct);
        await DemoCommitments.SeedAsync(db, workspace.Id, owner.Id, now, ct);

        var audit = new Audit.AuditLog(script, http);
        var rules = new AutomationEngine(new Notifications.Notifier(script), outbox, audit, script);
        var events = ScriptEvents(rules);
        var ingest = new IngestService(analyzers, rules, events, script, Microsoft.Extensions.Options.Options.Create(new IngestOptions()),
            new Listening.MentionIngest(analyzers, topicMatchers, script), new IngestSignal());
        var actions = new ConversationActions(script, events, audit, text);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(data.Workspace.TimeZone);
        var today = TimeZoneInfo.ConvertTimeFromUtc(now, zone).Date;
        var sequence = 0;
        foreach (var c in data.Conversations)
        {
            var channel = channels[c.Channel];
            Guid? conversationId = null;
            for (var index = 0; index < c.Messages.Count; index++)
            {
                var m = c.Messages[index];
                var local = today.AddDays(-m.DaysAgo).Add(TimeSpan.Parse(m.At, System.Globalization.CultureInfo.InvariantCulture));
                var at = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
                // Times later today than now would be in the future: move them to the last minutes,
                // one minute apart in the conversation's order, so the demo stays in the past.
                var latest = now.AddMinutes(-(c.Messages.Count - index));
                if (at > latest)
                {
                    at = latest;
                }
                sequence++;
                script.Now = at;
                if (m.From == "contact")
                {
                    var result = await ingest.IngestAsync(db, workspace.Id, new InboundItem
                    {
                        ChannelId = channel.Id,
                        ExternalId = $"demo-{sequence}",
                        AuthorHandle = c.Contact.Handle,
                        AuthorName = c.Contact.Name,
                        Text = m.Text,
                        CreatedAt = at,
                        ThreadId = conversationId is null ? $"demo-thread-{sequence}" : null,
                        InReplyToExternalId = conversationId is null ? null : $"demo-{sequence - 1}",
                        IsPublic = c.IsPublic,
                    }, ct);
                    conversationId ??= result.ConversationId;
                }
                else if (conversationId is { } id && id != Guid.Empty)
                {
                    var parts = m.From.Split(':', 2);
                    var agent = agents[parts[1]];
                    var conversation = await db.Conversations.FirstAsync(x => x.Id == id, ct);
                    var message = actions.RecordOutbound(db, conversation, agent.Id, agent.DisplayName, m.Text, note: parts[0] == "note", at);
                    message.ExternalId = $"demo-{sequence}";
                    await db.SaveChangesAsync(ct);
                }
            }
            // A listening channel's items are mentions (docs/decisions/0061): no conversation to note, answer or resolve.
            if (conversationId is { } done && done != Guid.Empty)
            {
                // The team's handling is theirs, not automation's: the assignee (or the head of care) acts, minutes after the last message.
                var last = await db.Messages.Where(m => m.ConversationId == done).MaxAsync(m => m.CreatedAt, ct);
                script.Now = Min(last.AddMinutes(5), now);
                var actor = c.Assignee is null ? agents["marc"] : agents[c.Assignee];
                await actions.UpdateAsync(db, done, new UpdateConversationRequest(
                    Version: null,
                    Status: c.Status == "Snoozed" ? null : Enum.Parse<ConversationStatus>(c.Status),
                    CustomStatusId: null,
                    Priority: Enum.Parse<Priority>(c.Priority),
                    AssigneeId: c.Assignee is null ? null : agents[c.Assignee].Id,
                    Unassign: null,
                    TeamId: c.Team is null ? null : teams[c.Team].Id,
                    ClearTeam: null,
                    LabelIds: c.Labels.Select(l => labels[l].Id).ToList(),
                    IsNoise: null,
                    SnoozedUntil: null), actor.Id, ct, actor.DisplayName);
                if (c.Status == "Snoozed")
                {
                    await actions.UpdateAsync(db, done, new UpdateConversationRequest(null, ConversationStatus.Snoozed, null, null, null, null, null, null, null, null,
                        now.AddDays(2)), actor.Id, ct, actor.DisplayName);
                }
            }
        }
        await SeedSurveysAsync(content, workspace.Id, now, ct);
        await DemoListening.SeedMentionsAsync(db, ingest, workspace.Id, channels.Values, now, ct);
        script.Now = now;
        await DemoContentStudio.SeedAsync(db, script, workspace.Id, owner.Id, owner.DisplayName, channels.Values, now, ct);
        return new DemoSignIn(workspace.Name, DemoEmail, DemoPassword, Exists: true);
    }

    /// <summary>The SLA, the rules, the help centre, canned responses and macros, each checked by the rules an admin's input meets.</summary>
    private async Task SeedSetUpAsync(DemoContent content, Guid workspaceId, Guid ownerId, Dictionary<string, User> agents,
        Dictionary<string, Label> labels, DateTime now, CancellationToken ct)
    {
        var zone = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstAsync(ct);
        var sla = new SlaSetupDto(zone, content.Sla.WarningLeadMinutes,
            [.. content.Sla.Policies.Select(p => new SlaPolicyDto(p.Name, p.Priority is null ? null : Enum.Parse<Priority>(p.Priority), null,
                p.FirstResponseMinutes, p.NextResponseMinutes, p.ResolutionMinutes))],
            [.. content.Sla.Hours.Select(h => new OpeningSpanDto(Enum.Parse<DayOfWeek>(h.Day), Minute(h.Opens), Minute(h.Closes)))],
            []);
        Check(await SlaSetup.CheckAsync(db, workspaceId, sla, ct), "SLA");
        await SlaSetup.SaveAsync(db, workspaceId, sla, ct);

        Guid MemberId(string key) => key == "owner" ? ownerId : agents[key].Id;
        foreach (var r in content.Rules)
        {
            var rule = new AutomationRule { WorkspaceId = workspaceId, Name = "", CreatedAt = now.AddDays(-30) };
            Check(await AutomationRules.ApplyAsync(db, rule, new AutomationRuleRequest(r.Name, null, true, RuleTrigger.ConversationCreated,
                new RuleConditions { Keywords = r.Keywords },
                new RuleActions
                {
                    LabelIds = [.. r.Labels.Select(l => labels[l].Id)],
                    Priority = r.Priority is null ? null : Enum.Parse<Priority>(r.Priority),
                    NotifyUserIds = r.Notify is null ? null : [.. r.Notify.Select(MemberId)],
                }), ct), r.Name);
            db.AutomationRules.Add(rule);
            await db.SaveChangesAsync(ct);
        }

        var categories = new Dictionary<string, Guid>();
        foreach (var c in content.Categories)
        {
            var category = new ArticleCategory { WorkspaceId = workspaceId, Name = "" };
            Check(await KnowledgeBaseService.ApplyAsync(db, category, c.Name, c.Position, ct), c.Name);
            db.ArticleCategories.Add(category);
            categories[c.Name] = category.Id;
        }
        await db.SaveChangesAsync(ct);
        var written = now.AddDays(-30);
        foreach (var a in content.Articles)
        {
            var article = new Article { WorkspaceId = workspaceId, Title = "", Slug = "", CreatedAt = written };
            Check(await KnowledgeBaseService.ApplyAsync(db, article, new ArticleInput(a.Title, a.Slug, a.Language, a.Body, categories[a.Category], IsPublished: true), written, ct), a.Slug);
            db.Articles.Add(article);
            await db.SaveChangesAsync(ct);
        }
        foreach (var c in content.CannedResponses)
        {
            var canned = new CannedResponse { WorkspaceId = workspaceId, Name = "" };
            Check(await KnowledgeBaseService.ApplyAsync(db, canned, new CannedResponseInput(c.Name, c.Language, c.Body), written, ct), c.Name);
            db.CannedResponses.Add(canned);
            await db.SaveChangesAsync(ct);
        }
        foreach (var m in content.Macros)
        {
            var macro = new Macro { WorkspaceId = workspaceId, Name = "" };
            Check(await KnowledgeBaseService.ApplyAsync(db, macro, new MacroInput(m.Name, m.ReplyText, [.. m.Labels.Select(l => labels[l].Id)],
                m.Status is null ? null : Enum.Parse<ConversationStatus>(m.Status), m.Priority is null ? null : Enum.Parse<Priority>(m.Priority), null), written, ct), m.Name);
            db.Macros.Add(macro);
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>
    /// The subscribers the script's services announce to, on the script's clock: the rules and the survey invitation. A
    /// fresh demo workspace has no outgoing webhooks, so none are delivered for its history.
    /// </summary>
    private EventPublisher ScriptEvents(AutomationEngine? rules)
    {
        var subscribers = new ServiceCollection();
        if (rules is not null)
        {
            subscribers.AddSingleton<IEventHandler<ConversationUpdated>>(new RulesOnConversationUpdated(rules));
        }
        subscribers.AddSingleton<IEventHandler<ConversationResolved>>(new SurveyOnResolve(surveyLinks));
        return new EventPublisher(subscribers.BuildServiceProvider());
    }

    /// <summary>Customers answer the satisfaction survey of some resolved conversations, through the survey's own service.</summary>
    private async Task SeedSurveysAsync(DemoContent content, Guid workspaceId, DateTime now, CancellationToken ct)
    {
        var surveys = new SurveyService(surveyLinks, script, ScriptEvents(null));
        // The demo brand asks the 0–10 question, so the outcome report has a Net Promoter Score to show.
        if (!await db.SurveySettings.IgnoreQueryFilters().AnyAsync(s => s.WorkspaceId == workspaceId, ct))
        {
            db.SurveySettings.Add(new SurveySettings { WorkspaceId = workspaceId, AskRecommendation = true });
            await db.SaveChangesAsync(ct);
        }
        foreach (var s in content.Surveys)
        {
            var conversation = await db.Conversations
                .Where(c => c.Status == ConversationStatus.Resolved && db.ContactIdentities.Any(i => i.ContactId == c.ContactId && i.Handle == s.Contact))
                .Select(c => new { c.Id, c.ResolvedAt }).FirstAsync(ct);
            var conversationId = conversation.Id;
            // Answered a couple of hours after the resolution the survey followed.
            script.Now = Min((conversation.ResolvedAt ?? now).AddHours(2), now);
            var outcome = await surveys.AnswerAsync(db, surveyLinks.TokenFor(workspaceId, conversationId), s.Csat, s.Effort, s.Recommend, s.Comment, ct);
            if (outcome != SurveyOutcome.Recorded)
            {
                throw new InvalidOperationException($"The demo survey of {s.Contact} was refused: {outcome}.");
            }
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>A clock the seeder sets as its script goes.</summary>
    private sealed class ScriptClock : TimeProvider
    {
        public DateTime Now { get; set; }

        public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(Now, DateTimeKind.Utc));
    }

    private static int Minute(string time) => (int)TimeSpan.Parse(time, System.Globalization.CultureInfo.InvariantCulture).TotalMinutes;

    /// <summary>The demo's data must meet the rules an admin's input meets; a broken demo is a bug of the build.</summary>
    private static void Check(RuleViolation? violation, string what)
    {
        if (violation is not null)
        {
            throw new InvalidOperationException($"The demo's {what} was refused: {violation.Message}");
        }
    }

    private static DemoData Load() => Read<DemoData>("Rapport.Demo.demo-workspace.json");

    private static DemoContent LoadContent() => Read<DemoContent>("Rapport.Demo.demo-knowledge.json");

    private static T Read<T>(string resource)
    {
        using var stream = typeof(DemoSeeder).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("The demo data is missing from the build.");
        return JsonSerializer.Deserialize<T>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("The demo data is empty.");
    }

    private sealed record DemoContent(List<DemoCategory> Categories, List<DemoArticle> Articles, List<DemoCanned> CannedResponses, List<DemoMacro> Macros,
        DemoSla Sla, List<DemoRule> Rules, List<DemoSurvey> Surveys);
    private sealed record DemoCategory(string Name, int Position);
    private sealed record DemoArticle(string Slug, string Category, string Language, string Title, string Body);
    private sealed record DemoCanned(string Name, string Language, string Body);
    private sealed record DemoMacro(string Name, string? ReplyText, List<string> Labels, string? Status, string? Priority);
    private sealed record DemoSla(int WarningLeadMinutes, List<DemoHours> Hours, List<DemoPolicy> Policies);
    private sealed record DemoHours(string Day, string Opens, string Closes);
    private sealed record DemoPolicy(string Name, string? Priority, int? FirstResponseMinutes, int? NextResponseMinutes, int? ResolutionMinutes);
    private sealed record DemoRule(string Name, List<string> Keywords, List<string> Labels, string? Priority, List<string>? Notify);
    private sealed record DemoSurvey(string Contact, int Csat, int Effort, int? Recommend, string? Comment);

    private sealed record DemoData(DemoWorkspace Workspace, List<DemoChannel> Channels, List<DemoLabel> Labels, List<DemoTeam> Teams,
        List<DemoAgent> Agents, List<DemoConversation> Conversations);
    private sealed record DemoWorkspace(string Name, string Slug, string TimeZone, string DefaultCulture);
    private sealed record DemoChannel(string Key, string Name, string Kind, string Direction);
    private sealed record DemoLabel(string Name, string Color);
    private sealed record DemoTeam(string Name, List<string> Members);
    private sealed record DemoAgent(string Key, string DisplayName, string Email, string Role);
    private sealed record DemoContact(string Name, string Handle);
    private sealed record DemoMessage(string From, int DaysAgo, string At, string Text);
    private sealed record DemoConversation(string Channel, DemoContact Contact, string Language, bool IsPublic, string Status, string Priority,
        string? Assignee, string? Team, List<string> Labels, List<DemoMessage> Messages);
}
