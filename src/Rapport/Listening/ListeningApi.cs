using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Listening;

/// <summary>Topics and the mentions they find: analysts read, admins write (docs/api.md, "Listening").</summary>
public static class ListeningApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.MapGet("/topics", ListAsync).RequireAuthorization(Policies.Analyst).WithSummary("The topics the workspace listens for, with their mentions of the last 30 days.");
        workspace.MapGet("/topics/{topicId:guid}", GetAsync).RequireAuthorization(Policies.Analyst).WithSummary("A topic.");
        workspace.MapPost("/topics", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a topic; the last 90 days' mentions are matched against it in the background.");
        workspace.MapPut("/topics/{topicId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes a topic; a new query or languages re-match the last 90 days' mentions.");
        workspace.MapDelete("/topics/{topicId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a topic; its mentions stay.");
        workspace.MapPost("/topics/preview", PreviewAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("How many of the last 30 days' mentions a query finds, with the latest few, or where and why it does not read. Saves nothing.");
        workspace.MapGet("/mentions", MentionsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("Mentions heard on listening channels, latest first: by topic, theme, language, sentiment, channel, date and words.");
        workspace.MapGet("/mentions/{mentionId:guid}", MentionAsync).RequireAuthorization(Policies.Analyst).WithSummary("A mention with its analysis and topics.");
        workspace.MapPost("/mentions/{mentionId:guid}/conversation", ConversationAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Turns a mention into an inbox conversation through the normal ingest path, or answers the one it already became.");
        workspace.MapGet("/listening/dashboard", AcrossTopicsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("The dashboard of every mention: volume and sentiment by day or week against the period before, share of voice of the brand and competitor topics, top key phrases, authors, languages and sources. Dates are the workspace's days, both ends included (default: the last 30).");
        workspace.MapGet("/listening/dashboard/{chart}.csv", AcrossTopicsCsvAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("One chart of the dashboard of every mention as CSV: volume, sentiment, share-of-voice, terms, authors, languages or sources.");
        workspace.MapGet("/topics/{topicId:guid}/dashboard", TopicDashboardAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("A topic's dashboard: volume and sentiment by day or week against the period before, its share of voice against the competitor topics, top key phrases, authors, languages and sources.");
        workspace.MapGet("/topics/{topicId:guid}/dashboard/{chart}.csv", TopicDashboardCsvAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("One chart of a topic's dashboard as CSV: volume, sentiment, share-of-voice, terms, authors, languages or sources.");
    }

    private static async Task<Results<Ok<ListeningDashboardDto>, ValidationProblem>> AcrossTopicsAsync(
        Guid workspaceId, DateOnly? from, DateOnly? to, DashboardStep? by, RapportDbContext db, ListeningDashboard dashboards, CancellationToken ct)
    {
        if (DashboardPeriod.Of(from, to, by, await dashboards.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        return TypedResults.Ok(await dashboards.AcrossTopicsAsync(db, workspaceId, period, ct));
    }

    private static async Task<Results<Ok<ListeningDashboardDto>, ValidationProblem, ProblemHttpResult>> TopicDashboardAsync(
        Guid workspaceId, Guid topicId, DateOnly? from, DateOnly? to, DashboardStep? by, RapportDbContext db, ListeningDashboard dashboards, CancellationToken ct)
    {
        if (DashboardPeriod.Of(from, to, by, await dashboards.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        return await dashboards.ForTopicAsync(db, workspaceId, topicId, period, ct) is { } dashboard ? TypedResults.Ok(dashboard) : Problems.NotFound("Topic");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> AcrossTopicsCsvAsync(
        Guid workspaceId, string chart, DateOnly? from, DateOnly? to, DashboardStep? by, RapportDbContext db, ListeningDashboard dashboards, CancellationToken ct)
    {
        if (!DashboardCsv.Charts.Contains(chart))
        {
            return Problems.NotFound("Chart");
        }
        if (DashboardPeriod.Of(from, to, by, await dashboards.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        return Csv(await dashboards.AcrossTopicsAsync(db, workspaceId, period, ct), chart);
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> TopicDashboardCsvAsync(
        Guid workspaceId, Guid topicId, string chart, DateOnly? from, DateOnly? to, DashboardStep? by, RapportDbContext db, ListeningDashboard dashboards, CancellationToken ct)
    {
        if (!DashboardCsv.Charts.Contains(chart))
        {
            return Problems.NotFound("Chart");
        }
        if (DashboardPeriod.Of(from, to, by, await dashboards.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        return await dashboards.ForTopicAsync(db, workspaceId, topicId, period, ct) is { } dashboard ? Csv(dashboard, chart) : Problems.NotFound("Topic");
    }

    private static FileContentHttpResult Csv(ListeningDashboardDto dashboard, string chart) =>
        TypedResults.File(System.Text.Encoding.UTF8.GetBytes(DashboardCsv.Write(dashboard, chart)), "text/csv; charset=utf-8", DashboardCsv.FileName(dashboard, chart));

    private static ValidationProblem InvalidPeriod() =>
        Problems.Invalid("from", $"The period runs forward (from on or before to, as yyyy-MM-dd) and covers at most {DashboardPeriod.MaxDays} days; by is Day or Week.");

    private static async Task<Ok<List<TopicDto>>> ListAsync(RapportDbContext db, TopicService topics, CancellationToken ct) =>
        TypedResults.Ok(await topics.ListAsync(db, ct));

    private static async Task<Results<Ok<TopicDto>, ProblemHttpResult>> GetAsync(Guid topicId, RapportDbContext db, TopicService topics, CancellationToken ct) =>
        await topics.GetAsync(db, topicId, ct) is { } topic ? TypedResults.Ok(topic) : Problems.NotFound("Topic");

    private static async Task<Results<Created<TopicDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, TopicRequest request, RapportDbContext db, TopicService topics, HttpContext http, CancellationToken ct)
    {
        var change = await topics.CreateAsync(db, http.Member(), http.User.Identity?.Name, request, ct);
        if (!change.Saved)
        {
            return Problems.Invalid(change.Violations);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/topics/{change.Topic!.Id}", TopicService.ToDto(change.Topic, 0));
    }

    private static async Task<Results<Ok<TopicDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid topicId, TopicRequest request, RapportDbContext db, TopicService topics, HttpContext http, CancellationToken ct)
    {
        var change = await topics.ChangeAsync(db, http.Member(), http.User.Identity?.Name, topicId, request, ct);
        if (change == TopicChange.NotFound)
        {
            return Problems.NotFound("Topic");
        }
        if (!change.Saved)
        {
            return Problems.Invalid(change.Violations);
        }
        return TypedResults.Ok((await topics.GetAsync(db, topicId, ct))!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid topicId, RapportDbContext db, TopicService topics, HttpContext http, CancellationToken ct)
    {
        var change = await topics.DeleteAsync(db, http.Member(), http.User.Identity?.Name, topicId, ct);
        return change.Saved ? TypedResults.NoContent() : Problems.NotFound("Topic");
    }

    private static async Task<Ok<TopicPreview>> PreviewAsync(TopicPreviewRequest request, RapportDbContext db, TopicService topics, CancellationToken ct) =>
        TypedResults.Ok(await topics.PreviewAsync(db, request.Query, request.Languages, ct: ct));

    private static async Task<Ok<Page<ListeningMentionDto>>> MentionsAsync(
        RapportDbContext db, TopicService topics, Guid? topicId, string? language, string? sentiment, Guid? channelId, DateTime? from, DateTime? to, string? q,
        string? cursor, int? limit, string? recommendation, string? theme, CancellationToken ct) =>
        TypedResults.Ok(await topics.SearchAsync(db, new MentionFilter(topicId, language, sentiment, channelId, from, to, q, cursor, limit, Recommendation: recommendation, Theme: theme), ct));

    private static async Task<Results<Ok<ListeningMentionDto>, ProblemHttpResult>> MentionAsync(Guid mentionId, RapportDbContext db, TopicService topics, CancellationToken ct) =>
        await topics.GetMentionAsync(db, mentionId, ct) is { } mention ? TypedResults.Ok(mention) : Problems.NotFound("Mention");

    private static async Task<Results<Created<MentionConversationDto>, Ok<MentionConversationDto>, ProblemHttpResult>> ConversationAsync(
        Guid workspaceId, Guid mentionId, RapportDbContext db, MentionConversations conversations, HttpContext http, CancellationToken ct)
    {
        if (await conversations.OpenAsync(db, http.Member(), http.User.Identity?.Name, mentionId, ct) is not { } made)
        {
            return Problems.NotFound("Mention");
        }
        return made.Created
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/conversations/{made.ConversationId}", made)
            : TypedResults.Ok(made);
    }
}

/// <summary>The listening services, registered with the application's.</summary>
public static class ListeningSetup
{
    public static IServiceCollection AddListening(this IServiceCollection services)
    {
        services.AddSingleton<TopicMatchers>();
        services.AddScoped<MentionIngest>();
        services.AddScoped<TopicService>();
        services.AddScoped<ListeningDashboard>();
        services.AddScoped<MentionConversations>();
        services.AddScoped<MentionReprocessing>();
        services.AddSingleton<Alerts.AlertWords>();
        services.AddSingleton<Alerts.AlertMail>();
        services.AddSingleton<Alerts.AlertScan>();
        services.AddScoped<Alerts.AlertService>();
        services.AddSingleton<TopicRematchWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TopicRematchWorker>());
        return services;
    }
}
