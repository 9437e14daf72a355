using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.KnowledgeBase;

/// <summary>What an article, a category, a canned response or a macro holds; shared by the API and the pages.</summary>
public sealed record ArticleInput([property: MaxLength(KnowledgeBaseService.MaxTitleLength)] string? Title, [property: MaxLength(KnowledgeBaseService.MaxSlugLength)] string? Slug,
    [property: MaxLength(UserInput.MaxCultureLength)] string? Language, [property: MaxLength(KnowledgeBaseService.MaxBodyLength)] string? Body, Guid? CategoryId, bool? IsPublished);

public sealed record CannedResponseInput([property: MaxLength(KnowledgeBaseService.MaxNameLength)] string? Name, [property: MaxLength(UserInput.MaxCultureLength)] string? Language,
    [property: MaxLength(IngestService.MaxTextLength)] string? Body);

public sealed record MacroInput([property: MaxLength(KnowledgeBaseService.MaxNameLength)] string? Name, [property: MaxLength(IngestService.MaxTextLength)] string? ReplyText, IReadOnlyList<Guid>? AddLabelIds, ConversationStatus? Status, Priority? Priority, Guid? AssigneeId);

/// <summary>
/// The one front door to the knowledge base and the composer's saved replies, for the API and the settings pages alike:
/// it checks the rules, saves, and writes the audit entry, so a change made on a page is audited as one made by the API.
/// </summary>
public sealed partial class KnowledgeBaseService(AuditLog audit, TimeProvider clock)
{
    public const int MaxTitleLength = 200;
    public const int MaxSlugLength = 48;
    public const int MaxCategoryLength = 80;
    public const int MaxNameLength = 80;
    public const int MaxBodyLength = 100_000;

    private static RuleViolation? CheckLanguage(string? language) =>
        language is "fr" or "en" ? null : new("language", "Knowledge.Invalid.Language", "The language is \"fr\" or \"en\".");

    // The checks below are internal so the demo can seed back-dated content; every person and program writes through
    // the public methods below, which audit.

    /// <summary>Checks an article and sets its fields; a missing slug is made from the title.</summary>
    internal static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Article article, ArticleInput input, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(article);
        ArgumentNullException.ThrowIfNull(input);
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > MaxTitleLength)
        {
            return new("title", "Knowledge.Invalid.Title", "A title of 1 to 200 characters is required.");
        }
        if (CheckLanguage(input.Language) is { } language)
        {
            return language;
        }
        if ((input.Body?.Length ?? 0) > MaxBodyLength)
        {
            return new("body", "Knowledge.Invalid.ArticleBody", "The body is at most 100,000 characters.");
        }
        var slug = string.IsNullOrWhiteSpace(input.Slug) ? WorkspaceService.Slugify(title) : input.Slug.Trim();
        if (!SlugPattern().IsMatch(slug))
        {
            return new("slug", "Knowledge.Invalid.Slug", "A slug is 1 to 48 lower-case letters, digits and hyphens.");
        }
        if (await db.Articles.AnyAsync(a => a.Slug == slug && a.Id != article.Id, ct))
        {
            return new("slug", "Knowledge.Invalid.SlugTaken", "Another article already has this slug.");
        }
        if (input.CategoryId is { } categoryId && !await db.ArticleCategories.AnyAsync(c => c.Id == categoryId, ct))
        {
            return new("categoryId", "Knowledge.Invalid.UnknownCategory", "Unknown category.");
        }
        article.Title = title;
        article.Slug = slug;
        article.Language = input.Language!;
        article.Body = IngestService.Clean(input.Body ?? "");
        article.CategoryId = input.CategoryId;
        article.IsPublished = input.IsPublished ?? article.IsPublished;
        article.UpdatedAt = now;
        return null;
    }

    internal static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, ArticleCategory category, string? name, int? position, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(category);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxCategoryLength)
        {
            return new("name", "Knowledge.Invalid.Name80", "A name of 1 to 80 characters is required.");
        }
        if (await db.ArticleCategories.AnyAsync(c => c.Name == trimmed && c.Id != category.Id, ct))
        {
            return new("name", "Knowledge.Invalid.CategoryTaken", "Another category already has this name.");
        }
        category.Name = trimmed;
        category.Position = position ?? category.Position;
        return null;
    }

    internal static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, CannedResponse canned, CannedResponseInput input, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(canned);
        ArgumentNullException.ThrowIfNull(input);
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return new("name", "Knowledge.Invalid.Name80", "A name of 1 to 80 characters is required.");
        }
        if (CheckLanguage(input.Language) is { } language)
        {
            return language;
        }
        var body = IngestService.Clean(input.Body ?? "");
        if (body.Length == 0 || input.Body!.Length > IngestService.MaxTextLength)
        {
            return new("body", "Knowledge.Invalid.ReplyText", "A text of 1 to 100,000 characters is required.");
        }
        if (await db.CannedResponses.AnyAsync(c => c.Name == name && c.Id != canned.Id, ct))
        {
            return new("name", "Knowledge.Invalid.NameTaken", "Another one already has this name.");
        }
        canned.Name = name;
        canned.Language = input.Language!;
        canned.Body = body;
        canned.UpdatedAt = now;
        return null;
    }

    internal static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Macro macro, MacroInput input, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(macro);
        ArgumentNullException.ThrowIfNull(input);
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return new("name", "Knowledge.Invalid.Name80", "A name of 1 to 80 characters is required.");
        }
        if ((input.ReplyText?.Length ?? 0) > IngestService.MaxTextLength)
        {
            return new("replyText", "Knowledge.Invalid.ReplyText", "A text of 1 to 100,000 characters is required.");
        }
        if (input.Status is { } status && !Enum.IsDefined(status))
        {
            return new("status", "Knowledge.Invalid.Status", "The status is Open, Pending or Resolved.");
        }
        if (input.Status == ConversationStatus.Snoozed)
        {
            // A snooze needs a time, which a macro saved once cannot know.
            return new("status", "Knowledge.Invalid.Status", "The status is Open, Pending or Resolved.");
        }
        if (input.Priority is { } priority && !Enum.IsDefined(priority))
        {
            return new("priority", "Knowledge.Invalid.Priority", "The priority is Low, Normal, High or Urgent.");
        }
        var labels = (input.AddLabelIds ?? []).Distinct().ToList();
        if (await db.Labels.CountAsync(l => labels.Contains(l.Id), ct) != labels.Count)
        {
            return new("addLabelIds", "Knowledge.Invalid.UnknownLabel", "Unknown label.");
        }
        if (input.AssigneeId is { } assignee)
        {
            var role = await db.Memberships.Where(m => m.UserId == assignee).Select(m => (Role?)m.Role).FirstOrDefaultAsync(ct);
            if (role is null or Role.Analyst)
            {
                return new("assigneeId", "Knowledge.Invalid.Assignee", "Conversations are assigned to agents, admins or owners of this workspace.");
            }
        }
        if (await db.Macros.AnyAsync(m => m.Name == name && m.Id != macro.Id, ct))
        {
            return new("name", "Knowledge.Invalid.NameTaken", "Another one already has this name.");
        }
        var reply = IngestService.Clean(input.ReplyText ?? "");
        macro.Name = name;
        macro.ReplyText = reply.Length == 0 ? null : reply;
        macro.AddLabelIds = labels;
        macro.Status = input.Status;
        macro.Priority = input.Priority;
        macro.AssigneeId = input.AssigneeId;
        macro.UpdatedAt = now;
        return null;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Writes a new article (<paramref name="articleId"/> null) or changes one.</summary>
    public async Task<Change<Article>> SaveArticleAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? articleId, ArticleInput input,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var article = articleId is { } id
            ? await db.Articles.FirstOrDefaultAsync(a => a.Id == id, ct)
            : new Article { WorkspaceId = actor.WorkspaceId, Title = "", Slug = "", CreatedAt = Now };
        if (article is null)
        {
            return Change<Article>.NotFound;
        }
        if (await ApplyAsync(db, article, input, Now, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (articleId is null)
        {
            db.Articles.Add(article);
        }
        audit.Add(db, articleId is null ? "article.created" : "article.updated", actor.WorkspaceId, actor.UserId, actorName, article.Title);
        await db.SaveChangesAsync(ct);
        return new(article, null);
    }

    public async Task<Change<Article>> DeleteArticleAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid articleId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var article = await db.Articles.FirstOrDefaultAsync(a => a.Id == articleId, ct);
        if (article is null)
        {
            return Change<Article>.NotFound;
        }
        db.Articles.Remove(article);
        audit.Add(db, "article.deleted", actor.WorkspaceId, actor.UserId, actorName, article.Title);
        await db.SaveChangesAsync(ct);
        return new(article, null);
    }

    /// <summary>Creates a category (<paramref name="categoryId"/> null), or renames or moves one.</summary>
    public async Task<Change<ArticleCategory>> SaveCategoryAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? categoryId,
        string? name, int? position, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var category = categoryId is { } id
            ? await db.ArticleCategories.FirstOrDefaultAsync(c => c.Id == id, ct)
            : new ArticleCategory { WorkspaceId = actor.WorkspaceId, Name = "" };
        if (category is null)
        {
            return Change<ArticleCategory>.NotFound;
        }
        if (await ApplyAsync(db, category, name, position, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (categoryId is null)
        {
            db.ArticleCategories.Add(category);
        }
        audit.Add(db, categoryId is null ? "article-category.created" : "article-category.updated", actor.WorkspaceId, actor.UserId, actorName, category.Name);
        await db.SaveChangesAsync(ct);
        return new(category, null);
    }

    /// <summary>Deletes a category; its articles stay, uncategorised.</summary>
    public async Task<Change<ArticleCategory>> DeleteCategoryAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid categoryId,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var category = await db.ArticleCategories.FirstOrDefaultAsync(c => c.Id == categoryId, ct);
        if (category is null)
        {
            return Change<ArticleCategory>.NotFound;
        }
        // Loaded so the change tracker uncategorises them too, whatever the provider does on delete.
        await db.Articles.Where(a => a.CategoryId == categoryId).LoadAsync(ct);
        db.ArticleCategories.Remove(category);
        audit.Add(db, "article-category.deleted", actor.WorkspaceId, actor.UserId, actorName, category.Name);
        await db.SaveChangesAsync(ct);
        return new(category, null);
    }

    /// <summary>Saves a new canned response (<paramref name="cannedResponseId"/> null) or changes one.</summary>
    public async Task<Change<CannedResponse>> SaveCannedResponseAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? cannedResponseId,
        CannedResponseInput input, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var canned = cannedResponseId is { } id
            ? await db.CannedResponses.FirstOrDefaultAsync(c => c.Id == id, ct)
            : new CannedResponse { WorkspaceId = actor.WorkspaceId, Name = "" };
        if (canned is null)
        {
            return Change<CannedResponse>.NotFound;
        }
        if (await ApplyAsync(db, canned, input, Now, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (cannedResponseId is null)
        {
            db.CannedResponses.Add(canned);
        }
        audit.Add(db, cannedResponseId is null ? "canned-response.created" : "canned-response.updated", actor.WorkspaceId, actor.UserId, actorName, canned.Name);
        await db.SaveChangesAsync(ct);
        return new(canned, null);
    }

    public async Task<Change<CannedResponse>> DeleteCannedResponseAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid cannedResponseId,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var canned = await db.CannedResponses.FirstOrDefaultAsync(c => c.Id == cannedResponseId, ct);
        if (canned is null)
        {
            return Change<CannedResponse>.NotFound;
        }
        db.CannedResponses.Remove(canned);
        audit.Add(db, "canned-response.deleted", actor.WorkspaceId, actor.UserId, actorName, canned.Name);
        await db.SaveChangesAsync(ct);
        return new(canned, null);
    }

    /// <summary>Saves a new macro (<paramref name="macroId"/> null) or changes one.</summary>
    public async Task<Change<Macro>> SaveMacroAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? macroId, MacroInput input,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var macro = macroId is { } id
            ? await db.Macros.FirstOrDefaultAsync(m => m.Id == id, ct)
            : new Macro { WorkspaceId = actor.WorkspaceId, Name = "" };
        if (macro is null)
        {
            return Change<Macro>.NotFound;
        }
        if (await ApplyAsync(db, macro, input, Now, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (macroId is null)
        {
            db.Macros.Add(macro);
        }
        audit.Add(db, macroId is null ? "macro.created" : "macro.updated", actor.WorkspaceId, actor.UserId, actorName, macro.Name);
        await db.SaveChangesAsync(ct);
        return new(macro, null);
    }

    public async Task<Change<Macro>> DeleteMacroAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid macroId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var macro = await db.Macros.FirstOrDefaultAsync(m => m.Id == macroId, ct);
        if (macro is null)
        {
            return Change<Macro>.NotFound;
        }
        db.Macros.Remove(macro);
        audit.Add(db, "macro.deleted", actor.WorkspaceId, actor.UserId, actorName, macro.Name);
        await db.SaveChangesAsync(ct);
        return new(macro, null);
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")]
    private static partial Regex SlugPattern();
}
