using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>A help article in French or English, written in markdown; only published ones reach the public help page.</summary>
public sealed class Article : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid? CategoryId { get; set; }
    public required string Title { get; set; }
    /// <summary>Unique in the workspace; the address of the article on the public help page.</summary>
    public required string Slug { get; set; }
    /// <summary>"fr" or "en".</summary>
    public string Language { get; set; } = "en";
    /// <summary>Markdown, rendered without raw HTML and sanitized (<see cref="ArticleMarkdown"/>).</summary>
    public string Body { get; set; } = "";
    public bool IsPublished { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A group of articles on the help page ("Orders", "Livraison").</summary>
public sealed class ArticleCategory : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>Order on the help page, smallest first.</summary>
    public int Position { get; set; }
}

public sealed class ArticleConfiguration : IEntityTypeConfiguration<Article>
{
    public void Configure(EntityTypeBuilder<Article> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasIndex(a => new { a.WorkspaceId, a.Slug }).IsUnique();
        builder.HasIndex(a => new { a.WorkspaceId, a.IsPublished });
        builder.Property(a => a.Title).HasMaxLength(KnowledgeBaseService.MaxTitleLength);
        builder.Property(a => a.Slug).HasMaxLength(KnowledgeBaseService.MaxSlugLength);
        builder.Property(a => a.Language).HasMaxLength(8);
        builder.HasOne<ArticleCategory>().WithMany().HasForeignKey(a => a.CategoryId).OnDelete(DeleteBehavior.SetNull);
    }
}

public sealed class ArticleCategoryConfiguration : IEntityTypeConfiguration<ArticleCategory>
{
    public void Configure(EntityTypeBuilder<ArticleCategory> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasIndex(c => new { c.WorkspaceId, c.Name }).IsUnique();
        builder.Property(c => c.Name).HasMaxLength(KnowledgeBaseService.MaxCategoryLength);
    }
}
