using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Channels;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Api;

/// <summary>Maps the REST API under /api/v1. Every workspace route is authorized by role and scoped to its workspace.</summary>
public static class ApiSetup
{
    public static void MapRapportApi(this WebApplication app)
    {
        // Every argument is cleaned and range-checked in one place before any endpoint sees it.
        var api = app.MapGroup("/api/v1").RequireAuthorization().WithTags("Rapport").AddEndpointFilter<UserInputFilter>();
        var workspace = api.MapGroup("/workspaces/{workspaceId:guid}")
            .RequireAuthorization(Policies.Analyst)
            .AddEndpointFilter<WorkspaceScopeFilter>();

        WorkspacesApi.Map(api, workspace);
        MembersApi.Map(workspace);
        TeamsApi.Map(workspace);
        LabelsApi.Map(workspace);
        ApiTokensApi.Map(workspace);
        ChannelsApi.Map(workspace);
        ContactsApi.Map(workspace);
        ConversationsApi.Map(workspace);
        Conversations.Attachments.AttachmentsApi.Map(workspace);
        Conversations.Inbox.InboxApi.Map(workspace);
        Learning.CorrectionsApi.Map(workspace);
        Outbox.OutboxApi.Map(workspace);
        Publishing.PostsApi.Map(workspace);
        Channels.Import.ImportsApi.Map(workspace);
        Sla.SlaApi.Map(workspace);
        Automation.AutomationApi.Map(workspace);
        Satisfaction.SurveyApi.Map(api, workspace);
        Reports.ReportsApi.Map(workspace);
        Reports.OutcomesApi.Map(workspace);
        Performance.PerformanceApi.Map(workspace);
        ConversationThreadApi.Map(workspace);
        Notifications.NotificationsApi.Map(workspace);
        KnowledgeBase.KnowledgeBaseSetup.Map(workspace);
        Webhooks.WebhookSubscriptionsApi.Map(workspace);
        Listening.ListeningApi.Map(workspace);
        Commitments.CommitmentsApi.Map(workspace);
        Listening.Alerts.AlertsApi.Map(workspace);
        Links.LinksApi.Map(workspace);
        Conversions.ConversionsApi.Map(api, workspace);
        Export.ExportApi.Map(workspace);
        Content.ContentApi.Map(workspace);
        Channels.Webhook.WebhookApi.Map(api);
        Channels.Chat.ChatApi.Map(api);
        Scheduling.JobsApi.Map(api);
    }
}

/// <summary>
/// Scopes the request's database context to the authorized workspace, so no query in the endpoint can
/// reach another workspace's rows even if it forgets to filter.
/// </summary>
public sealed class WorkspaceScopeFilter(WorkspaceResolver resolver, RapportDbContext db) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var member = await resolver.ResolveAsync(http, http.User);
        if (member is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workspace not found");
        }
        db.ScopedWorkspaceId = member.WorkspaceId;
        return await next(context);
    }
}

/// <summary>Problem details the endpoints share.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found");

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A 400 naming the field a shared rule found wrong.</summary>
    public static ValidationProblem Invalid(RuleViolation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        return Invalid(violation.Field, violation.Message);
    }

    /// <summary>A 400 naming every field the shared rules found wrong, with each field's reasons.</summary>
    public static ValidationProblem Invalid(IEnumerable<RuleViolation> violations) =>
        TypedResults.ValidationProblem(violations.GroupBy(v => v.Field).ToDictionary(g => g.Key, g => g.Select(v => v.Message).ToArray()));

    /// <summary>
    /// The answer to a broken role rule: 409 when the workspace must keep its last owner, 400 for a role that does not
    /// exist, else 403 (the caller lacks the right).
    /// </summary>
    public static ProblemHttpResult Refused(RuleViolation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        return violation.Code switch
        {
            "Rule.LastOwner" => Conflict("Last owner", violation.Message),
            "Rule.UnknownRole" => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: violation.Message),
            _ => Forbidden(violation.Message),
        };
    }

    /// <summary>The caller's membership, set by the authorization handler before any workspace endpoint runs.</summary>
    public static WorkspaceMember Member(this HttpContext http) =>
        WorkspaceResolver.Current(http) ?? throw new InvalidOperationException("Workspace endpoint reached without a resolved member.");
}
