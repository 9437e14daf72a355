using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.Demo;

/// <summary>How to sign in to the demo workspace; printed on the console.</summary>
public sealed record DemoSignIn(string WorkspaceName, string Email, string Password, bool Exists);

/// <summary>
/// Fills an empty database with the Vélo Vert / Green Wheels demo: channels, agents, teams, labels and
/// conversations in French and English, spread over the last two weeks. Customer messages go through
/// the real ingest path, so the demo shows the real analysis.
/// </summary>
public sealed class DemoSeeder(RapportDbContext db, WorkspaceService workspaces, IngestService ingest, ConversationActions actions, TimeProvider clock)
{
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
                else if (conversationId is { } id)
                {
                    var parts = m.From.Split(':', 2);
                    var agent = agents[parts[1]];
                    var conversation = await db.Conversations.FirstAsync(x => x.Id == id, ct);
                    var message = actions.RecordOutbound(db, conversation, agent.Id, agent.DisplayName, m.Text, note: parts[0] == "note", at);
                    message.ExternalId = $"demo-{sequence}";
                    await db.SaveChangesAsync(ct);
                }
            }
            if (conversationId is { } done)
            {
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
                    SnoozedUntil: null), owner.Id, ct);
                if (c.Status == "Snoozed")
                {
                    await actions.UpdateAsync(db, done, new UpdateConversationRequest(null, ConversationStatus.Snoozed, null, null, null, null, null, null, null, null,
                        now.AddDays(2)), owner.Id, ct);
                }
            }
        }
        return new DemoSignIn(workspace.Name, DemoEmail, DemoPassword, Exists: true);
    }

    private static DemoData Load()
    {
        using var stream = typeof(DemoSeeder).Assembly.GetManifestResourceStream("Rapport.Demo.demo-workspace.json")
            ?? throw new InvalidOperationException("The demo data is missing from the build.");
        return JsonSerializer.Deserialize<DemoData>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("The demo data is empty.");
    }

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
