using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.KnowledgeBase;

/// <summary>
/// What the public help pages read: a workspace by its slug and its published articles, nothing else. The context is
/// scoped to that workspace as soon as it is found, so no query of the page can reach a draft's neighbour in another workspace.
/// </summary>
public static class HelpCenter
{
    /// <summary>The workspace behind a public slug, with the context scoped to it; null for an unknown slug.</summary>
    public static async Task<Workspace?> OpenAsync(RapportDbContext db, string? workspaceSlug, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (string.IsNullOrWhiteSpace(workspaceSlug) || workspaceSlug.Length > 64)
        {
            return null;
        }
        var workspace = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Slug == workspaceSlug, ct);
        if (workspace is not null)
        {
            db.ScopedWorkspaceId = workspace.Id;
        }
        return workspace;
    }

    /// <summary>
    /// Answers 404 with the page's own "not found" text. Set as the response starts, not during rendering: a static
    /// Blazor page that sets 404 while rendering has its body dropped (left to a re-executing error page we do not use).
    /// </summary>
    public static void AnswerNotFound(HttpContext? http)
    {
        if (http is null)
        {
            return;
        }
        http.Response.OnStarting(() =>
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    public static IQueryable<Article> Published(RapportDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.ScopedWorkspaceId is not { } workspaceId)
        {
            throw new InvalidOperationException("Open the help centre's workspace first.");
        }
        return db.Articles.AsNoTracking().Where(a => a.WorkspaceId == workspaceId && a.IsPublished);
    }
}
