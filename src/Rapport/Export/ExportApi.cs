using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Export;

/// <summary>The export over the API: the same rows as `rapport export`, streamed as they are read.</summary>
public static class ExportApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        // Admins only: an export holds every customer's words and names, which an analyst's reports never list.
        workspace.MapGet("/export", ExportAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Streams conversations, messages, mentions, posts, clicks, conversions or events of a period as CSV or JSON Lines.");
    }

    private static Results<PushStreamHttpResult, ValidationProblem> ExportAsync(Guid workspaceId, string? what, string? format, DateTime? from, DateTime? to,
        RapportDbContext db, ExportService export, TimeProvider clock)
    {
        if (!Enum.TryParse<ExportWhat>(what, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(what, out _))
        {
            return Problems.Invalid("what", "what is one of: " + string.Join(", ", Enum.GetNames<ExportWhat>().Select(n => n.ToLowerInvariant())) + ".");
        }
        var shape = ExportFormat.Csv;
        if (format is not null && (!Enum.TryParse(format, ignoreCase: true, out shape) || !Enum.IsDefined(shape) || int.TryParse(format, out _)))
        {
            return Problems.Invalid("format", "format is csv or jsonl.");
        }
        var end = to?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime;
        var start = from?.ToUniversalTime() ?? DateTime.UnixEpoch;
        if (start > end)
        {
            return Problems.Invalid("from", "from comes before to.");
        }
        var table = export.Open(db, workspaceId, kind, start, end);
        var name = string.Create(CultureInfo.InvariantCulture, $"{kind.ToString().ToLowerInvariant()}-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.{ExportService.Extension(shape)}");
        return TypedResults.Stream(async stream => await ExportService.WriteAsync(table, shape, stream), ExportService.ContentType(shape), name);
    }
}
