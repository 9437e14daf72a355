using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Rapport.Automation;
using Rapport.Conversations;
using Rapport.Resources;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

public class AutomationTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Rule_ActsOnMatchingMessages_AndLeavesOthersAlone(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var label = await (await setup.Client.PostAsJsonAsync($"{setup.Url}/labels", new { name = "Refund" })).Content.ReadFromJsonAsync<LabelDto>(Json.Options);
        await CreateRuleAsync(setup, new AutomationRuleRequest("Refunds first", null, true, RuleTrigger.ConversationCreated,
            new RuleConditions { Keywords = ["remboursement", "refund"] },
            new RuleActions { LabelIds = [label!.Id], Priority = Priority.High }));

        var matching = await setup.ReceiveAsync("Bonjour, je demande le REMBOURSEMENT de ma commande.");
        var other = await setup.ReceiveAsync("Bonjour, quels sont vos horaires ?");

        await using var db = setup.Factory.OpenDb();
        var refund = await db.Conversations.Include(c => c.Labels).SingleAsync(c => c.Id == matching);
        Assert.Equal(Priority.High, refund.Priority);
        Assert.Equal([label.Id], refund.Labels.Select(l => l.LabelId));
        var plain = await db.Conversations.Include(c => c.Labels).SingleAsync(c => c.Id == other);
        Assert.Equal(Priority.Normal, plain.Priority);
        Assert.Empty(plain.Labels);
        var trace = await db.AuditEntries.Where(a => a.Action == "rule.applied").ToListAsync();
        Assert.Equal(matching.ToString(), Assert.Single(trace).Target);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RoundRobin_AssignsInTurn_AndSkipsMembersAtCapacity(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var a = await setup.Factory.AddMemberAsync(setup.Workspace.Id, Role.Agent);
        var b = await setup.Factory.AddMemberAsync(setup.Workspace.Id, Role.Agent);
        var team = await (await setup.Client.PostAsJsonAsync($"{setup.Url}/teams", new { name = "Care" })).Content.ReadFromJsonAsync<TeamDto>(Json.Options);
        await using (var db = setup.Factory.OpenDb())
        {
            db.TeamMembers.AddRange(new TeamMember { TeamId = team!.Id, UserId = a.Id }, new TeamMember { TeamId = team.Id, UserId = b.Id });
            await db.SaveChangesAsync();
        }
        await CreateRuleAsync(setup, new AutomationRuleRequest("Share the load", null, true, RuleTrigger.ConversationCreated,
            new RuleConditions(), new RuleActions { AssignToTeamId = team!.Id, Capacity = 1 }));

        var first = await setup.ReceiveAsync("Where is my parcel?");
        var second = await setup.ReceiveAsync("My invoice is wrong.");
        var third = await setup.ReceiveAsync("The app crashes.");

        await using var check = setup.Factory.OpenDb();
        var assignees = await check.Conversations.Where(c => c.Id == first || c.Id == second || c.Id == third)
            .ToDictionaryAsync(c => c.Id, c => (c.AssigneeId, c.TeamId));
        Assert.Equal(new HashSet<Guid> { a.Id, b.Id }, new HashSet<Guid> { assignees[first].AssigneeId!.Value, assignees[second].AssigneeId!.Value });
        // Both hold one open conversation: the third waits for the team.
        Assert.Equal((null, team.Id), assignees[third]);

        // Once the first is resolved, its agent has room again.
        await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{first}", new { status = "Resolved" });
        var fourth = await setup.ReceiveAsync("Can I change my address?");
        Assert.Equal(assignees[first].AssigneeId, (await check.Conversations.AsNoTracking().SingleAsync(c => c.Id == fourth)).AssigneeId);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Noise_IsSetAsideVisibly_AndBroughtBackWithNothingDeleted(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        await CreateRuleAsync(setup, new AutomationRuleRequest("Contests are noise", null, true, RuleTrigger.MessageReceived,
            new RuleConditions { Keywords = ["concours"] }, new RuleActions { SetAsideAsNoise = true }));

        var id = await setup.ReceiveAsync("Participez à notre concours !!! <script>alert(1)</script>");
        var noise = await setup.Client.GetFromJsonAsync<ConversationDto>($"{setup.Url}/conversations/{id}", Json.Options);
        Assert.True(noise!.IsNoise);

        var back = await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { isNoise = false });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.False((await back.Content.ReadFromJsonAsync<ConversationDto>(Json.Options))!.IsNoise);
        await using var db = setup.Factory.OpenDb();
        Assert.Equal("Participez à notre concours !!! <script>alert(1)</script>", (await db.Messages.SingleAsync(m => m.ConversationId == id)).Text);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RulesOwnChanges_NeverTriggerRulesAgain(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        // Each rule's action would set off the other if rule changes counted as updates.
        await CreateRuleAsync(setup, new AutomationRuleRequest("Escalate on update", null, true, RuleTrigger.ConversationUpdated,
            new RuleConditions(), new RuleActions { Priority = Priority.Urgent, Status = ConversationStatus.Pending }));
        await CreateRuleAsync(setup, new AutomationRuleRequest("Reopen on message", null, true, RuleTrigger.MessageReceived,
            new RuleConditions(), new RuleActions { Status = ConversationStatus.Open, Priority = Priority.Low }));

        var id = await setup.ReceiveAsync("Hello?");
        await using (var db = setup.Factory.OpenDb())
        {
            Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "rule.applied"));
            Assert.Equal(Priority.Low, (await db.Conversations.SingleAsync(c => c.Id == id)).Priority);
        }
        var updated = await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { priority = "High" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var dto = await updated.Content.ReadFromJsonAsync<ConversationDto>(Json.Options);
        Assert.Equal((Priority.Urgent, ConversationStatus.Pending), (dto!.Priority, dto.Status));
        await using var after = setup.Factory.OpenDb();
        Assert.Equal(2, await after.AuditEntries.CountAsync(a => a.Action == "rule.applied"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AutoReply_GoesThroughTheOutbox_WithoutCountingAsTheFirstResponse(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        await CreateRuleAsync(setup, new AutomationRuleRequest("Acknowledge VIPs", null, true, RuleTrigger.MessageReceived,
            new RuleConditions { VipOnly = true }, new RuleActions { ReplyText = "Thank you, an agent answers within the hour." }));
        await setup.ReceiveAsync("First contact", author: "vip@example.test");
        await using (var db = setup.Factory.OpenDb())
        {
            Assert.Empty(await db.OutboxItems.ToListAsync());
            (await db.Contacts.SingleAsync()).IsVip = true;
            await db.SaveChangesAsync();
        }
        await setup.ReceiveAsync("Second problem", author: "vip@example.test");
        await using var check = setup.Factory.OpenDb();
        var outbox = await check.OutboxItems.SingleAsync();
        var reply = await check.Messages.SingleAsync(m => m.Id == outbox.MessageId);
        Assert.Equal((DeliveryStatus.Queued, "Thank you, an agent answers within the hour."), (reply.DeliveryStatus, reply.Text));
        Assert.Null((await check.Conversations.SingleAsync(c => c.Id == reply.ConversationId)).FirstResponseAt);
        Assert.Equal(0, await check.ReportingEvents.CountAsync(e => e.Name == Reports.ReportingEventNames.FirstResponse));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Rules_RefuseBadInput_AndForeignIds(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var (_, otherWorkspace) = await setup.Factory.CreateOwnerAsync(workspaceName: "Other");
        var foreignChannel = await setup.Factory.CreateChannelAsync(otherWorkspace.Id);
        var bad = new[]
        {
            new AutomationRuleRequest("", null, true, RuleTrigger.MessageReceived, null, null),
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, new RuleConditions { MinNeedsAnswer = 2 }, null),
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, new RuleConditions { ChannelIds = [foreignChannel.Id] }, null),
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, null, new RuleActions { AssignToUserId = Guid.NewGuid() }),
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, null, new RuleActions { ReplyText = new string('a', 6000) }),
        };
        foreach (var request in bad)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await setup.Client.PostAsJsonAsync($"{setup.Url}/rules", request)).StatusCode);
        }
        var agent = await setup.Factory.TokenClientAsync(setup.Workspace.Id, Role.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync($"{setup.Url}/rules",
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, null, null))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RuleChanges_AreAuditedOnce_AndTheAuditLogTellsThemInTheReadersLanguage(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var rule = await CreateRuleAsync(setup, new AutomationRuleRequest("Urgences", null, true, RuleTrigger.MessageReceived, null, new RuleActions { Priority = Priority.High }));
        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/rules/{rule.Id}",
            new AutomationRuleRequest("Urgences du soir", null, false, RuleTrigger.MessageReceived, null, new RuleActions { Priority = Priority.High }), Json.Options)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await setup.Client.PutAsJsonAsync($"{setup.Url}/rules/{Guid.NewGuid()}",
            new AutomationRuleRequest("x", null, true, RuleTrigger.MessageReceived, null, null), Json.Options)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await setup.Client.DeleteAsync($"{setup.Url}/rules/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await setup.Client.DeleteAsync($"{setup.Url}/rules/{rule.Id}")).StatusCode);

        List<(string Action, string? Target)> entries;
        await using (var db = setup.Factory.OpenDb())
        {
            entries = [.. (await db.AuditEntries.Where(a => a.WorkspaceId == setup.Workspace.Id && a.Action.StartsWith("rule.")).OrderBy(a => a.Id)
                .Select(a => new { a.Action, a.Target }).ToListAsync()).Select(a => (a.Action, a.Target))];
        }
        Assert.Equal([("rule.created", "Urgences"), ("rule.updated", "Urgences du soir"), ("rule.deleted", "Urgences du soir")], entries);
        var words = setup.Factory.Services.GetRequiredService<IStringLocalizer<Strings>>();
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("fr-FR");
            Assert.Equal(["Règle d’automatisation créée", "Règle d’automatisation modifiée", "Règle d’automatisation supprimée"],
                entries.Select(e => Rapport.Audit.AuditReading.ActionWords(e.Action, words)));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static async Task<AutomationRuleDto> CreateRuleAsync(ServiceWorkspace setup, AutomationRuleRequest request)
    {
        var response = await setup.Client.PostAsJsonAsync($"{setup.Url}/rules", request, Json.Options);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AutomationRuleDto>(Json.Options))!;
    }
}
