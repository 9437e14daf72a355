using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Analysis;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Conversations.Inbox;

/// <summary>The inbox's query string: a view, filters and a search.</summary>
public sealed record InboxRequest(
    InboxView? View, Guid? ChannelId, ConversationStatus? Status, Guid? CustomStatusId, Guid? LabelId, string? Language, string? Intent,
    SentimentLabel? Sentiment, Guid? AssigneeId, DateTime? From, DateTime? To, string? Q, string? Cursor, int? Limit)
{
    public InboxFilter ToFilter() => new()
    {
        View = View ?? InboxView.All,
        ChannelId = ChannelId,
        Status = Status,
        CustomStatusId = CustomStatusId,
        LabelId = LabelId,
        Language = Language,
        Intent = Intent,
        Sentiment = Sentiment,
        AssigneeId = AssigneeId,
        From = From,
        To = To,
        Search = Q,
    };
}

public static class InboxApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/inbox", ListAsync)
            .WithSummary("Conversations in the order they must be answered (needs an answer, urgency, sentiment, SLA time left), by view, filtered, searched, paged.");
        workspace.MapGet("/inbox/counts", CountsAsync).WithSummary("How many conversations each inbox view holds under the same filters and search.");
    }

    private static async Task<Results<Ok<Page<InboxItemDto>>, ValidationProblem>> ListAsync(
        Guid workspaceId, [AsParameters] InboxRequest request, HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var filter = request.ToFilter();
        if (InboxQuery.Validate(filter) is var (field, message))
        {
            return Problems.Invalid(field, message);
        }
        (int, DateTime, Guid)? after = null;
        if (request.Cursor is not null)
        {
            if (!Api.Cursor.TryDecode(request.Cursor, out int rank, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            after = (rank, at, id);
        }
        return TypedResults.Ok(await InboxQuery.ListAsync(db, workspaceId, http.Member().UserId ?? Guid.Empty, filter, after, Api.Cursor.Limit(request.Limit), ct));
    }

    private static async Task<Results<Ok<InboxCounts>, ValidationProblem>> CountsAsync(
        Guid workspaceId, [AsParameters] InboxRequest request, HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var filter = request.ToFilter();
        if (InboxQuery.Validate(filter) is var (field, message))
        {
            return Problems.Invalid(field, message);
        }
        return TypedResults.Ok(await InboxQuery.CountsAsync(db, workspaceId, http.Member().UserId ?? Guid.Empty, filter, ct));
    }
}
