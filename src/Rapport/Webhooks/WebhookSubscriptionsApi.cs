using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Webhooks;

/// <summary>Outgoing webhooks over the API, for admins; the settings page calls the same <see cref="WebhookSubscriptions"/>.</summary>
public static class WebhookSubscriptionsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        var group = workspace.MapGroup("/webhook-subscriptions").RequireAuthorization(Policies.Admin);
        group.MapGet("", ListAsync).WithSummary("Outgoing webhook subscriptions (never their secret).");
        group.MapPost("", CreateAsync).WithSummary("Subscribes a URL to event types; the signing secret is in this answer only.");
        group.MapGet("/{subscriptionId:guid}", GetAsync).WithSummary("One outgoing webhook subscription.");
        group.MapPatch("/{subscriptionId:guid}", UpdateAsync).WithSummary("Changes a subscription's URL, event types, description or whether it is enabled.");
        group.MapDelete("/{subscriptionId:guid}", DeleteAsync).WithSummary("Deletes a subscription and its delivery log.");
        group.MapGet("/{subscriptionId:guid}/deliveries", LogAsync).WithSummary("The delivery log: each attempt's time, event, response code, duration and error.");
        group.MapPost("/{subscriptionId:guid}/deliveries/{attemptId:guid}/replay", ReplayAsync)
            .WithSummary("Sends a logged delivery again (same body and event id, new timestamp and signature).");
    }

    private static WebhookActor Actor(Guid workspaceId, HttpContext http) => new(workspaceId, http.Member().UserId, http.User.Identity?.Name);

    private static async Task<Ok<List<WebhookSubscriptionDto>>> ListAsync(RapportDbContext db, WebhookSubscriptions webhooks, CancellationToken ct) =>
        TypedResults.Ok(await webhooks.ListAsync(db, ct));

    private static async Task<Results<Ok<WebhookSubscriptionDto>, ProblemHttpResult>> GetAsync(Guid subscriptionId, RapportDbContext db, WebhookSubscriptions webhooks,
        CancellationToken ct) =>
        await webhooks.FindAsync(db, subscriptionId, ct) is { } found ? TypedResults.Ok(found) : Problems.NotFound("Webhook subscription");

    private static async Task<Results<Created<CreatedWebhookSubscriptionDto>, ValidationProblem>> CreateAsync(Guid workspaceId, CreateWebhookSubscriptionRequest request,
        HttpContext http, RapportDbContext db, WebhookSubscriptions webhooks, CancellationToken ct)
    {
        var (created, refused) = await webhooks.CreateAsync(db, Actor(workspaceId, http), request, ct);
        return created is null
            ? Problems.Invalid(refused!)
            : TypedResults.Created($"/api/v1/workspaces/{workspaceId}/webhook-subscriptions/{created.Id}", created);
    }

    private static async Task<Results<Ok<WebhookSubscriptionDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(Guid workspaceId, Guid subscriptionId,
        UpdateWebhookSubscriptionRequest request, HttpContext http, RapportDbContext db, WebhookSubscriptions webhooks, CancellationToken ct)
    {
        var (updated, refused) = await webhooks.UpdateAsync(db, Actor(workspaceId, http), subscriptionId, request, ct);
        return updated is not null ? TypedResults.Ok(updated)
            : refused is not null ? Problems.Invalid(refused)
            : Problems.NotFound("Webhook subscription");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid workspaceId, Guid subscriptionId, HttpContext http, RapportDbContext db,
        WebhookSubscriptions webhooks, CancellationToken ct) =>
        await webhooks.DeleteAsync(db, Actor(workspaceId, http), subscriptionId, ct) ? TypedResults.NoContent() : Problems.NotFound("Webhook subscription");

    private static async Task<Results<Ok<List<WebhookAttemptDto>>, ProblemHttpResult>> LogAsync(Guid subscriptionId, RapportDbContext db, WebhookSubscriptions webhooks,
        CancellationToken ct) =>
        await webhooks.LogAsync(db, subscriptionId, ct) is { } log ? TypedResults.Ok(log) : Problems.NotFound("Webhook subscription");

    private static async Task<Results<Accepted, ProblemHttpResult>> ReplayAsync(Guid workspaceId, Guid subscriptionId, Guid attemptId, HttpContext http,
        RapportDbContext db, WebhookSubscriptions webhooks, CancellationToken ct) =>
        await webhooks.ReplayAsync(db, Actor(workspaceId, http), subscriptionId, attemptId, ct) == ReplayOutcome.Queued
            ? TypedResults.Accepted((string?)null)
            : Problems.NotFound("Delivery");
}
