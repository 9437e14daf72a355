using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Conversations;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>A member of workspace A tries every API endpoint against workspace B's ids: never B's data.</summary>
public class WorkspaceIsolationTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task EveryWorkspaceEndpoint_RefusesAnotherWorkspacesIds(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (ownerA, workspaceA) = await factory.CreateOwnerAsync(workspaceName: "A");
        var (ownerB, workspaceB) = await factory.CreateOwnerAsync(workspaceName: "B");
        var ids = await SeedWorkspaceAsync(factory, workspaceB.Id, ownerB.Id);
        var client = await factory.SignedInClientAsync(ownerA.Email!);

        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true
                && e.RoutePattern.RawText.Contains("{workspaceId", StringComparison.Ordinal))
            .ToList();
        Assert.True(endpoints.Count >= 25, $"Expected every workspace endpoint to be checked, found {endpoints.Count}.");

        var leaks = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                // B's workspace id with B's resource ids, then A's workspace id with B's resource ids.
                foreach (var workspaceId in new[] { workspaceB.Id, workspaceA.Id })
                {
                    if (workspaceId == workspaceA.Id && endpoint.RoutePattern.Parameters.Count(p => p.Name.EndsWith("Id", StringComparison.Ordinal)) == 1)
                    {
                        continue; // A's own workspace-level endpoints (a dashboard's {chart} is no id) show A's data.
                    }
                    var path = Fill(endpoint.RoutePattern.RawText!, workspaceId, ids);
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (method is "POST" or "PUT" or "PATCH")
                    {
                        request.Content = new StringContent(Body(path), Encoding.UTF8, "application/json");
                    }
                    var response = await client.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    var refused = response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden
                        || (workspaceId == workspaceA.Id && response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict);
                    if (!refused || body.Contains("Secret B", StringComparison.Ordinal) || body.Contains(ids.ConversationId.ToString(), StringComparison.Ordinal))
                    {
                        leaks.Add($"{method} {path} → {(int)response.StatusCode} {body[..Math.Min(200, body.Length)]}");
                    }
                }
            }
        }
        Assert.Empty(leaks);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/account/switch/{workspaceB.Id}")).StatusCode);

        // And nothing of B changed.
        await using var db = factory.OpenDb();
        var conversation = await db.Conversations.SingleAsync(c => c.Id == ids.ConversationId);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Equal(1, await db.Labels.CountAsync(l => l.WorkspaceId == workspaceB.Id));
        Assert.Equal(1, await db.Channels.CountAsync(c => c.WorkspaceId == workspaceB.Id));
        Assert.Empty(await db.Corrections.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ApiToken_OfWorkspaceA_CannotReadWorkspaceB(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspaceA) = await factory.CreateOwnerAsync();
        var (ownerB, workspaceB) = await factory.CreateOwnerAsync();
        await SeedWorkspaceAsync(factory, workspaceB.Id, ownerB.Id);
        var client = await factory.TokenClientAsync(workspaceA.Id, Role.Owner);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/workspaces/{workspaceB.Id}/conversations")).StatusCode);
        var mine = await client.GetFromJsonAsync<List<WorkspaceDto>>("/api/v1/workspaces", Json.Options);
        Assert.Equal([workspaceA.Id], mine!.Select(w => w.Id));
    }

    [Fact]
    public async Task EveryEntityWithAWorkspace_IsFilteredToTheScopedWorkspace()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);
        await using var db = factory.OpenDb();

        var owned = db.Model.GetEntityTypes().Where(t => t.FindProperty("WorkspaceId")?.ClrType == typeof(Guid)).ToList();
        Assert.True(owned.Count >= 15);
        Assert.All(owned, t => Assert.True(t.GetDeclaredQueryFilters().Count > 0, $"{t.ClrType.Name} has a WorkspaceId but no workspace filter: implement IWorkspaceOwned."));
    }

    internal sealed record SeededIds(Guid ConversationId, Guid ChannelId, Guid ContactId, Guid LabelId, Guid TeamId, Guid TokenId, Guid InvitationId, Guid UserId, Guid MessageId,
        Guid RuleId, Guid NotificationId, Guid ArticleId, Guid CategoryId, Guid CannedResponseId, Guid MacroId, Guid AttachmentId, Guid ImportId,
        Guid SubscriptionId, Guid AttemptId, Guid TopicId, Guid MentionId, Guid LinkId, Guid IdeaId, Guid DraftId,
        Guid CommitmentId, Guid CommitmentUpdateId, Guid AlertId);

    internal static async Task<SeededIds> SeedWorkspaceAsync(RapportFactory factory, Guid workspaceId, Guid ownerId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Data.RapportDbContext>();
        var secrets = scope.ServiceProvider.GetRequiredService<Channels.ChannelSecrets>();
        var channel = new Channels.Channel
        {
            WorkspaceId = workspaceId,
            Name = "Secret B channel",
            Kind = Channels.ChannelKind.Api,
            CreatedAt = DateTime.UtcNow,
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { ["token"] = "Secret B" }),
        };
        var contact = new Contacts.Contact { WorkspaceId = workspaceId, DisplayName = "Secret B customer", CreatedAt = DateTime.UtcNow };
        var conversation = new Conversation { WorkspaceId = workspaceId, ChannelId = channel.Id, ContactId = contact.Id, Subject = "Secret B", CreatedAt = DateTime.UtcNow, LastMessageAt = DateTime.UtcNow };
        var label = new Label { WorkspaceId = workspaceId, Name = "Secret B label" };
        var team = new Team { WorkspaceId = workspaceId, Name = "Secret B team" };
        var token = new ApiToken { WorkspaceId = workspaceId, Name = "Secret B token", Prefix = "rpt_x", TokenHash = Guid.NewGuid().ToString(), CreatedAt = DateTime.UtcNow };
        var invitation = new Invitation { WorkspaceId = workspaceId, Email = "b@example.test", TokenHash = Guid.NewGuid().ToString(), CreatedAt = DateTime.UtcNow, ExpiresAt = DateTime.UtcNow.AddDays(1) };
        var rule = new Automation.AutomationRule { WorkspaceId = workspaceId, Name = "Secret B rule", CreatedAt = DateTime.UtcNow };
        db.AddRange(channel, contact, conversation, label, team, token, invitation, rule);
        var message = new Message { WorkspaceId = workspaceId, ConversationId = conversation.Id, ChannelId = channel.Id, ExternalId = "b-1", Text = "Secret B message", CreatedAt = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow };
        message.Analysis = new MessageAnalysis { MessageId = message.Id, WorkspaceId = workspaceId, Intent = "Question", Sentiment = "Neutral" };
        var attachment = new Conversations.Attachments.MessageAttachment
        {
            WorkspaceId = workspaceId,
            MessageId = message.Id,
            FileName = "secret-b.txt",
            ContentType = "text/plain",
            Content = Encoding.UTF8.GetBytes("Secret B file"),
            Size = 13,
        };
        message.Attachments.Add(attachment);
        db.Messages.Add(message);
        var notification = new Notifications.Notification { WorkspaceId = workspaceId, UserId = ownerId, Kind = "note.mention", Text = "Secret B mention", CreatedAt = DateTime.UtcNow };
        db.Notifications.Add(notification);
        var category = new KnowledgeBase.ArticleCategory { WorkspaceId = workspaceId, Name = "Secret B category" };
        var article = new KnowledgeBase.Article { WorkspaceId = workspaceId, CategoryId = category.Id, Title = "Secret B article", Slug = "secret-b", IsPublished = true, Body = "Secret B", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var canned = new KnowledgeBase.CannedResponse { WorkspaceId = workspaceId, Name = "Secret B canned", Body = "Secret B", UpdatedAt = DateTime.UtcNow };
        var macro = new KnowledgeBase.Macro { WorkspaceId = workspaceId, Name = "Secret B macro", ReplyText = "Secret B", Status = ConversationStatus.Resolved, UpdatedAt = DateTime.UtcNow };
        var import = new Channels.Import.ImportRun { WorkspaceId = workspaceId, ChannelId = channel.Id, FileName = "secret-b.csv", Status = Channels.Import.ImportStatus.Completed, CreatedAt = DateTime.UtcNow };
        db.AddRange(category, article, canned, macro, import);
        var subscription = new Webhooks.WebhookSubscription
        {
            WorkspaceId = workspaceId,
            Url = "https://93.184.215.14/secret-b",
            Description = "Secret B webhook",
            EventTypes = "conversation.resolved",
            ProtectedSecret = scope.ServiceProvider.GetRequiredService<Webhooks.WebhookSecrets>().Protect("whsec_secret-b"),
            CreatedAt = DateTime.UtcNow,
        };
        var delivery = new Webhooks.EventDelivery
        {
            WorkspaceId = workspaceId,
            SubscriptionId = subscription.Id,
            EventId = Guid.NewGuid(),
            EventType = "conversation.resolved",
            Payload = "{}",
            CreatedAt = DateTime.UtcNow,
        };
        var attempt = new Webhooks.EventDeliveryAttempt
        {
            WorkspaceId = workspaceId,
            SubscriptionId = subscription.Id,
            DeliveryId = delivery.Id,
            EventId = delivery.EventId,
            EventType = delivery.EventType,
            At = DateTime.UtcNow,
            StatusCode = 200,
            Error = "Secret B error",
        };
        db.AddRange(subscription, delivery, attempt);
        var topic = new Listening.Topic { WorkspaceId = workspaceId, Name = "Secret B topic", Query = "secret", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var mention = new Listening.Mention { WorkspaceId = workspaceId, ChannelId = channel.Id, ExternalId = "b-mention", Text = "Secret B mention", CreatedAt = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow };
        db.AddRange(topic, mention);
        var link = new Links.TrackedLink { WorkspaceId = workspaceId, Code = Links.LinkService.NewCode(), TargetUrl = "https://shop.example/secret-b", Campaign = "Secret B campaign", CreatedAt = DateTime.UtcNow };
        var idea = new Content.Idea { WorkspaceId = workspaceId, Title = "Secret B idea", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var draft = new Content.Draft { WorkspaceId = workspaceId, Title = "Secret B draft", Status = Content.DraftStatus.InReview, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.AddRange(link, idea, draft);
        var commitment = new Commitments.Commitment { WorkspaceId = workspaceId, TitleEn = "Secret B commitment", Theme = "Privacy", IsPublished = true, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var commitmentUpdate = new Commitments.CommitmentUpdate { WorkspaceId = workspaceId, CommitmentId = commitment.Id, TextEn = "Secret B update", CreatedAt = DateTime.UtcNow };
        db.AddRange(commitment, commitmentUpdate);
        await db.SaveChangesAsync();
        var alert = new Listening.Alerts.ListeningAlert
        {
            WorkspaceId = workspaceId,
            TopicId = topic.Id,
            ScopeName = "Secret B topic",
            StartedAt = DateTime.UtcNow.AddHours(-2),
            LastSeenAt = DateTime.UtcNow,
            RaisedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
            Terms = "secret",
        };
        db.Add(alert);
        await db.SaveChangesAsync();
        return new SeededIds(conversation.Id, channel.Id, contact.Id, label.Id, team.Id, token.Id, invitation.Id, ownerId, message.Id,
            rule.Id, notification.Id, article.Id, category.Id, canned.Id, macro.Id, attachment.Id, import.Id, subscription.Id, attempt.Id, topic.Id, mention.Id, link.Id, idea.Id, draft.Id,
            commitment.Id, commitmentUpdate.Id, alert.Id);
    }

    private static string Fill(string pattern, Guid workspaceId, SeededIds ids)
    {
        var path = pattern
            .Replace("{workspaceId:guid}", workspaceId.ToString(), StringComparison.Ordinal)
            .Replace("{conversationId:guid}", ids.ConversationId.ToString(), StringComparison.Ordinal)
            .Replace("{channelId:guid}", ids.ChannelId.ToString(), StringComparison.Ordinal)
            .Replace("{contactId:guid}", ids.ContactId.ToString(), StringComparison.Ordinal)
            .Replace("{labelId:guid}", ids.LabelId.ToString(), StringComparison.Ordinal)
            .Replace("{teamId:guid}", ids.TeamId.ToString(), StringComparison.Ordinal)
            .Replace("{tokenId:guid}", ids.TokenId.ToString(), StringComparison.Ordinal)
            .Replace("{invitationId:guid}", ids.InvitationId.ToString(), StringComparison.Ordinal)
            .Replace("{userId:guid}", ids.UserId.ToString(), StringComparison.Ordinal)
            .Replace("{messageId:guid}", ids.MessageId.ToString(), StringComparison.Ordinal)
            .Replace("{ruleId:guid}", ids.RuleId.ToString(), StringComparison.Ordinal)
            .Replace("{notificationId:guid}", ids.NotificationId.ToString(), StringComparison.Ordinal)
            .Replace("{articleId:guid}", ids.ArticleId.ToString(), StringComparison.Ordinal)
            .Replace("{categoryId:guid}", ids.CategoryId.ToString(), StringComparison.Ordinal)
            .Replace("{cannedResponseId:guid}", ids.CannedResponseId.ToString(), StringComparison.Ordinal)
            .Replace("{macroId:guid}", ids.MacroId.ToString(), StringComparison.Ordinal)
            .Replace("{attachmentId:guid}", ids.AttachmentId.ToString(), StringComparison.Ordinal)
            .Replace("{importId:guid}", ids.ImportId.ToString(), StringComparison.Ordinal)
            .Replace("{subscriptionId:guid}", ids.SubscriptionId.ToString(), StringComparison.Ordinal)
            .Replace("{attemptId:guid}", ids.AttemptId.ToString(), StringComparison.Ordinal)
            .Replace("{topicId:guid}", ids.TopicId.ToString(), StringComparison.Ordinal)
            .Replace("{mentionId:guid}", ids.MentionId.ToString(), StringComparison.Ordinal)
            .Replace("{alertId:guid}", ids.AlertId.ToString(), StringComparison.Ordinal)
            .Replace("{linkId:guid}", ids.LinkId.ToString(), StringComparison.Ordinal)
            .Replace("{ideaId:guid}", ids.IdeaId.ToString(), StringComparison.Ordinal)
            .Replace("{draftId:guid}", ids.DraftId.ToString(), StringComparison.Ordinal)
            .Replace("{commitmentId:guid}", ids.CommitmentId.ToString(), StringComparison.Ordinal)
            .Replace("{updateId:guid}", ids.CommitmentUpdateId.ToString(), StringComparison.Ordinal)
            // B's reply stands for a post of B: no post of A has its id.
            .Replace("{postId:guid}", ids.MessageId.ToString(), StringComparison.Ordinal)
            .Replace("{chart}", "volume", StringComparison.Ordinal);
        Assert.DoesNotContain("{", path, StringComparison.Ordinal);
        return "/" + path.TrimStart('/');
    }

    private static string Body(string path) => path switch
    {
        _ when path.EndsWith("/messages", StringComparison.Ordinal) => """{"externalId":"x-1","authorHandle":"eve","text":"hello"}""",
        _ when path.EndsWith("/corrections", StringComparison.Ordinal) => """{"intent":"Spam","needsAnswer":false}""",
        _ when path.Contains("/conversations/", StringComparison.Ordinal) => """{"status":"Resolved"}""",
        _ when path.Contains("/members/", StringComparison.Ordinal) => """{"role":"Analyst"}""",
        _ when path.EndsWith("/invitations", StringComparison.Ordinal) => """{"email":"eve@example.test","role":"Agent"}""",
        _ when path.Contains("/channels", StringComparison.Ordinal) => """{"name":"Eve","kind":"Api","direction":"Inbox","secrets":{"token":"eve"}}""",
        _ when path.Contains("/tokens", StringComparison.Ordinal) => """{"name":"eve","role":"Agent"}""",
        _ when path.Contains("/topics", StringComparison.Ordinal) => """{"name":"Eve","kind":"Brand","query":"eve"}""",
        _ => """{"name":"Eve"}""",
    };
}
