using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.KnowledgeBase;

/// <summary>What an article, a category, a canned response or a macro holds; shared by the API and the pages.</summary>
public sealed record ArticleInput([property: MaxLength(KnowledgeRules.MaxTitleLength)] string? Title, [property: MaxLength(KnowledgeRules.MaxSlugLength)] string? Slug,
    [property: MaxLength(UserInput.MaxCultureLength)] string? Language, [property: MaxLength(KnowledgeRules.MaxBodyLength)] string? Body, Guid? CategoryId, bool? IsPublished);

public sealed record CannedResponseInput([property: MaxLength(KnowledgeRules.MaxNameLength)] string? Name, [property: MaxLength(UserInput.MaxCultureLength)] string? Language,
    [property: MaxLength(IngestService.MaxTextLength)] string? Body);

public sealed record MacroInput([property: MaxLength(KnowledgeRules.MaxNameLength)] string? Name, [property: MaxLength(IngestService.MaxTextLength)] string? ReplyText, IReadOnlyList<Guid>? AddLabelIds, ConversationStatus? Status, Priority? Priority, Guid? AssigneeId);

/// <summary>The rules of the knowledge base and the composer's saved replies, wherever they are set (API or settings pages).</summary>
public static partial class KnowledgeRules
{
    public const int MaxTitleLength = 200;
    public const int MaxSlugLength = 48;
    public const int MaxCategoryLength = 80;
    public const int MaxNameLength = 80;
    public const int MaxBodyLength = 100_000;

    private static RuleViolation? CheckLanguage(string? language) =>
        language is "fr" or "en" ? null : new("language", "Knowledge.Invalid.Language", "The language is \"fr\" or \"en\".");

    /// <summary>Checks an article and sets its fields; a missing slug is made from the title.</summary>
    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Article article, ArticleInput input, DateTime now, CancellationToken ct = default)
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

    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, ArticleCategory category, string? name, int? position, CancellationToken ct = default)
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

    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, CannedResponse canned, CannedResponseInput input, DateTime now, CancellationToken ct = default)
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

    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Macro macro, MacroInput input, DateTime now, CancellationToken ct = default)
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

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")]
    private static partial Regex SlugPattern();
}
