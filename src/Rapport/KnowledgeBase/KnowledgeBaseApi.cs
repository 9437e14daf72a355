using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.KnowledgeBase;

public sealed record ArticleDto(Guid Id, string Title, string Slug, string Language, string Body, Guid? CategoryId, bool IsPublished,
    DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ArticleSearchHitDto(Guid Id, string Title, string Slug, string Language, bool IsPublished, double Score, IReadOnlyList<string> Matched);

public sealed record CategoryDto(Guid Id, string Name, int Position);

public sealed record CategoryRequest([property: MaxLength(KnowledgeBaseService.MaxCategoryLength)] string? Name, int? Position);

/// <summary>Articles and their categories; the unanswered questions; reply suggestions for a conversation.</summary>
public static class KnowledgeBaseApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/articles", ListAsync).WithSummary("Articles, drafts included, by title; with q, the matching ones, most relevant first.");
        workspace.MapGet("/articles/{articleId:guid}", GetAsync).WithSummary("One article, its markdown body included.");
        workspace.MapPost("/articles", CreateAsync).RequireAuthorization(Policies.Agent).WithSummary("Writes an article (a draft unless isPublished).");
        workspace.MapPut("/articles/{articleId:guid}", UpdateAsync).RequireAuthorization(Policies.Agent).WithSummary("Edits, publishes or unpublishes an article.");
        workspace.MapDelete("/articles/{articleId:guid}", DeleteAsync).RequireAuthorization(Policies.Agent).WithSummary("Deletes an article.");
        workspace.MapGet("/article-categories", CategoriesAsync).WithSummary("Article categories, in their order.");
        workspace.MapPost("/article-categories", CreateCategoryAsync).RequireAuthorization(Policies.Agent).WithSummary("Creates a category.");
        workspace.MapPut("/article-categories/{categoryId:guid}", UpdateCategoryAsync).RequireAuthorization(Policies.Agent).WithSummary("Renames or moves a category.");
        workspace.MapDelete("/article-categories/{categoryId:guid}", DeleteCategoryAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Deletes a category; its articles stay, uncategorised.");
        workspace.MapGet("/unanswered-questions", UnansweredAsync)
            .WithSummary("Groups of similar customer questions of the last 90 days that no published article answers, most asked first.");
        workspace.MapGet("/conversations/{conversationId:guid}/suggestions", SuggestAsync)
            .WithSummary("Published articles and past answers that may answer the customer's latest messages, with a score and why.");
    }

    private static ArticleDto ToDto(Article a) => new(a.Id, a.Title, a.Slug, a.Language, a.Body, a.CategoryId, a.IsPublished, a.CreatedAt, a.UpdatedAt);

    private static async Task<IResult> ListAsync(RapportDbContext db, string? q, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(q))
        {
            if (q.Length > 500)
            {
                return Problems.Invalid("q", "A search is at most 500 characters.");
            }
            var hits = (await ArticleIndex.LoadAsync(db, publishedOnly: false, ct)).Search(TermSet.Of(q));
            return TypedResults.Ok(hits.Select(h => new ArticleSearchHitDto(h.Article.Id, h.Article.Title, h.Article.Slug, h.Article.Language,
                h.Article.IsPublished, h.Score, h.Matched)).ToList());
        }
        var articles = await db.Articles.AsNoTracking().OrderBy(a => a.Title).ToListAsync(ct);
        return TypedResults.Ok(articles.Select(ToDto).ToList());
    }

    private static async Task<Results<Ok<ArticleDto>, ProblemHttpResult>> GetAsync(Guid articleId, RapportDbContext db, CancellationToken ct) =>
        await db.Articles.AsNoTracking().FirstOrDefaultAsync(a => a.Id == articleId, ct) is { } article
            ? TypedResults.Ok(ToDto(article))
            : Problems.NotFound("Article");

    private static async Task<Results<Created<ArticleDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, ArticleInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveArticleAsync(db, http.Member(), http.User.Identity?.Name, null, request, ct);
        return change.Item is { } article
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/articles/{article.Id}", ToDto(article))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<ArticleDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid articleId, ArticleInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveArticleAsync(db, http.Member(), http.User.Identity?.Name, articleId, request, ct);
        return change switch
        {
            { Item: { } article } => TypedResults.Ok(ToDto(article)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Article"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid articleId, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct) =>
        (await knowledge.DeleteArticleAsync(db, http.Member(), http.User.Identity?.Name, articleId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Article");

    private static async Task<Ok<List<CategoryDto>>> CategoriesAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.ArticleCategories.OrderBy(c => c.Position).ThenBy(c => c.Name).Select(c => new CategoryDto(c.Id, c.Name, c.Position)).ToListAsync(ct));

    private static async Task<Results<Created<CategoryDto>, ValidationProblem>> CreateCategoryAsync(
        Guid workspaceId, CategoryRequest request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveCategoryAsync(db, http.Member(), http.User.Identity?.Name, null, request.Name, request.Position, ct);
        return change.Item is { } category
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/article-categories/{category.Id}", new CategoryDto(category.Id, category.Name, category.Position))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<CategoryDto>, ValidationProblem, ProblemHttpResult>> UpdateCategoryAsync(
        Guid categoryId, CategoryRequest request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveCategoryAsync(db, http.Member(), http.User.Identity?.Name, categoryId, request.Name, request.Position, ct);
        return change switch
        {
            { Item: { } category } => TypedResults.Ok(new CategoryDto(category.Id, category.Name, category.Position)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Category"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteCategoryAsync(
        Guid categoryId, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct) =>
        (await knowledge.DeleteCategoryAsync(db, http.Member(), http.User.Identity?.Name, categoryId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Category");

    private static async Task<Ok<List<UnansweredQuestionGroup>>> UnansweredAsync(RapportDbContext db, UnansweredQuestions questions, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await questions.FindAsync(db, limit ?? 50, ct));

    private static async Task<Results<Ok<SuggestionList>, ProblemHttpResult>> SuggestAsync(
        Guid workspaceId, Guid conversationId, RapportDbContext db, ReplySuggestions suggestions, CancellationToken ct) =>
        await suggestions.SuggestAsync(db, workspaceId, conversationId, ct) is { } list ? TypedResults.Ok(list) : Problems.NotFound("Conversation");
}
