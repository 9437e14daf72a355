using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Reports;
using Rapport.Workspaces;

namespace Rapport.Links;

/// <summary>Tracked links over the API; the links page calls the same <see cref="LinkService"/>.</summary>
public static class LinksApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        var group = workspace.MapGroup("/links");
        group.MapGet("", ListAsync).WithSummary("Tracked links with their clicks, and the robot and repeated requests left out.");
        group.MapGet("/export.csv", CsvAsync).WithSummary("The tracked links and their counts as CSV.");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Makes a short link /l/{code} to a page of the brand, with UTM parameters, for a post, a reply, a campaign or a channel.");
        group.MapGet("/{linkId:guid}", GetAsync).WithSummary("One tracked link and its counts.");
        group.MapDelete("/{linkId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a link and its clicks; its code then answers 404.");
    }

    private static LinkActor Actor(Guid workspaceId, HttpContext http) => new(workspaceId, http.Member().UserId, http.User.Identity?.Name);

    private static async Task<Ok<List<LinkDto>>> ListAsync(RapportDbContext db, LinkService links, CancellationToken ct) =>
        TypedResults.Ok(await links.ListAsync(db, ct));

    private static async Task<Results<Ok<LinkDto>, ProblemHttpResult>> GetAsync(Guid linkId, RapportDbContext db, LinkService links, CancellationToken ct) =>
        await links.FindAsync(db, linkId, ct) is { } found ? TypedResults.Ok(found) : Problems.NotFound("Link");

    private static async Task<Results<Created<LinkDto>, ValidationProblem>> CreateAsync(Guid workspaceId, CreateLinkRequest request, HttpContext http,
        RapportDbContext db, LinkService links, CancellationToken ct)
    {
        var (created, refused) = await links.CreateAsync(db, Actor(workspaceId, http), request, ct);
        return created is null ? Problems.Invalid(refused!) : TypedResults.Created($"/api/v1/workspaces/{workspaceId}/links/{created.Id}", created);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid workspaceId, Guid linkId, HttpContext http, RapportDbContext db,
        LinkService links, CancellationToken ct) =>
        await links.DeleteAsync(db, Actor(workspaceId, http), linkId, ct) ? TypedResults.NoContent() : Problems.NotFound("Link");

    private static async Task<FileContentHttpResult> CsvAsync(RapportDbContext db, LinkService links, CancellationToken ct)
    {
        var rows = new List<IReadOnlyList<string?>>
        {
            new[] { "code", "short_url", "target_url", "utm_source", "utm_medium", "utm_campaign", "utm_content", "campaign", "post_id", "reply_message_id",
                "channel_id", "created_at", "clicks", "robot_requests", "repeated_clicks" },
        };
        rows.AddRange((await links.ListAsync(db, ct)).Select(l => (IReadOnlyList<string?>)
        [
            l.Code, l.ShortUrl, l.TargetUrl, l.UtmSource, l.UtmMedium, l.UtmCampaign, l.UtmContent, l.Campaign, l.PostId?.ToString(), l.ReplyMessageId?.ToString(),
            l.ChannelId?.ToString(), l.CreatedAt.ToString("o", CultureInfo.InvariantCulture), Num(l.Clicks), Num(l.BotRequests), Num(l.RepeatedClicks),
        ]));
        return TypedResults.File(Encoding.UTF8.GetBytes(CsvWriter.Write(rows)), "text/csv; charset=utf-8", "links.csv");
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}

public static class LinksSetup
{
    public static IServiceCollection AddLinks(this IServiceCollection services)
    {
        services.AddOptions<TrackedLinkOptions>().BindConfiguration(TrackedLinkOptions.Section);
        services.AddSingleton<LinkCache>();
        services.AddSingleton<ClickFilter>();
        services.AddSingleton<ClickQueue>();
        services.AddSingleton<UnknownCodeLimiter>();
        services.AddSingleton<ClickWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<ClickWriter>());
        services.AddScoped<LinkService>();
        return services;
    }
}
