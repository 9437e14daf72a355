using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Audit;
using Rapport.Channels;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Learning;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Workspaces;

namespace Rapport.Data;

/// <summary>
/// The one database. Derived per provider (<see cref="SqliteRapportDbContext"/>, <see cref="PostgresRapportDbContext"/>)
/// only so that each provider keeps its own migrations set; the model is the same.
/// </summary>
public abstract class RapportDbContext(DbContextOptions options)
    : IdentityDbContext<User, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>
    /// When set, every query on workspace-owned data sees only this workspace, whatever the code forgets.
    /// Set for each API request and each page; left null by the CLI and workers, which name workspaces explicitly.
    /// </summary>
    public Guid? ScopedWorkspaceId { get; set; }

    /// <summary>
    /// Set by ingest around the save of a batch, inside its transaction: the rows the batch adds are written with the
    /// provider's bulk path (<see cref="BulkInsertInterceptor"/>).
    /// </summary>
    internal bool WriteAddedRowsInBulk { get; set; }

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Label> Labels => Set<Label>();
    public DbSet<CustomStatus> CustomStatuses => Set<CustomStatus>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<WebhookReceipt> WebhookReceipts => Set<WebhookReceipt>();
    public DbSet<Channels.Import.ImportRun> ImportRuns => Set<Channels.Import.ImportRun>();
    public DbSet<Channels.Import.ImportChunk> ImportChunks => Set<Channels.Import.ImportChunk>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<ContactIdentity> ContactIdentities => Set<ContactIdentity>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ConversationLabel> ConversationLabels => Set<ConversationLabel>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Conversations.Attachments.MessageAttachment> MessageAttachments => Set<Conversations.Attachments.MessageAttachment>();
    public DbSet<MessageAnalysis> MessageAnalyses => Set<MessageAnalysis>();
    public DbSet<Correction> Corrections => Set<Correction>();
    public DbSet<TrainedModel> TrainedModels => Set<TrainedModel>();
    public DbSet<ReportingEvent> ReportingEvents => Set<ReportingEvent>();
    public DbSet<OutboxItem> OutboxItems => Set<OutboxItem>();
    public DbSet<Ingest.ReceivedItem> ReceivedItems => Set<Ingest.ReceivedItem>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Notifications.Notification> Notifications => Set<Notifications.Notification>();
    public DbSet<Sla.SlaPolicy> SlaPolicies => Set<Sla.SlaPolicy>();
    public DbSet<Sla.BusinessHoursSpan> BusinessHours => Set<Sla.BusinessHoursSpan>();
    public DbSet<Sla.Holiday> Holidays => Set<Sla.Holiday>();
    public DbSet<Sla.SlaSettings> SlaSettings => Set<Sla.SlaSettings>();
    public DbSet<Sla.SlaAlert> SlaAlerts => Set<Sla.SlaAlert>();
    public DbSet<Automation.AutomationRule> AutomationRules => Set<Automation.AutomationRule>();
    public DbSet<Satisfaction.SurveyResponse> SurveyResponses => Set<Satisfaction.SurveyResponse>();
    public DbSet<Satisfaction.SurveySettings> SurveySettings => Set<Satisfaction.SurveySettings>();
    public DbSet<KnowledgeBase.Article> Articles => Set<KnowledgeBase.Article>();
    public DbSet<KnowledgeBase.ArticleCategory> ArticleCategories => Set<KnowledgeBase.ArticleCategory>();
    public DbSet<KnowledgeBase.CannedResponse> CannedResponses => Set<KnowledgeBase.CannedResponse>();
    public DbSet<KnowledgeBase.Macro> Macros => Set<KnowledgeBase.Macro>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    private static readonly System.Reflection.MethodInfo ScopeMethod =
        typeof(RapportDbContext).GetMethod(nameof(ScopeToWorkspace), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;

    private void ScopeToWorkspace<T>(ModelBuilder builder)
        where T : class, IWorkspaceOwned =>
        builder.Entity<T>().HasQueryFilter(x => ScopedWorkspaceId == null || x.WorkspaceId == ScopedWorkspaceId);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Enums as names: readable in the database and safe when members are added.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
        // Every time is UTC; SQLite forgets the kind on the way back, PostgreSQL requires it on the way in.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);

        builder.Entity<Workspace>(e =>
        {
            e.HasIndex(w => w.Slug).IsUnique();
            e.Property(w => w.Name).HasMaxLength(200);
            e.Property(w => w.Slug).HasMaxLength(64);
        });
        builder.Entity<Membership>(e =>
        {
            e.HasIndex(m => new { m.WorkspaceId, m.UserId }).IsUnique();
            e.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Team>(e =>
        {
            e.HasIndex(t => new { t.WorkspaceId, t.Name }).IsUnique();
            e.HasMany(t => t.Members).WithOne().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<TeamMember>().HasKey(m => new { m.TeamId, m.UserId });
        builder.Entity<Invitation>().HasIndex(i => i.TokenHash).IsUnique();
        builder.Entity<Label>().HasIndex(l => new { l.WorkspaceId, l.Name }).IsUnique();
        builder.Entity<CustomStatus>().HasIndex(s => new { s.WorkspaceId, s.Name }).IsUnique();
        builder.Entity<ApiToken>().HasIndex(t => t.TokenHash).IsUnique();
        builder.Entity<Channel>().HasIndex(c => c.WorkspaceId);
        builder.Entity<WebhookReceipt>().HasIndex(r => new { r.ChannelId, r.DeliveryId }).IsUnique();
        // Receipts past the replay window are pruned by age.
        builder.Entity<WebhookReceipt>().HasIndex(r => r.ReceivedAt);
        builder.Entity<Contact>(e =>
        {
            e.HasIndex(c => c.WorkspaceId);
            e.HasMany(c => c.Identities).WithOne().HasForeignKey(i => i.ContactId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<ContactIdentity>().HasIndex(i => new { i.ChannelId, i.Handle }).IsUnique();
        builder.Entity<Conversation>(e =>
        {
            e.HasIndex(c => new { c.WorkspaceId, c.Status, c.NeedsAnswer });
            e.HasIndex(c => new { c.WorkspaceId, c.LastMessageAt });
            e.HasIndex(c => new { c.ChannelId, c.ExternalThreadId });
            e.HasIndex(c => c.ContactId);
            e.HasOne(c => c.Contact).WithMany().HasForeignKey(c => c.ContactId);
            e.HasMany(c => c.Labels).WithOne().HasForeignKey(l => l.ConversationId).OnDelete(DeleteBehavior.Cascade);
            e.Property(c => c.Version).IsConcurrencyToken();
        });
        builder.Entity<ConversationLabel>(e =>
        {
            e.HasKey(l => new { l.ConversationId, l.LabelId });
            e.HasOne<Label>().WithMany().HasForeignKey(l => l.LabelId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Message>(e =>
        {
            // Idempotent ingest: one message per (channel, external id), whatever retries or crashes happen.
            e.HasIndex(m => new { m.ChannelId, m.ExternalId }).IsUnique();
            e.HasIndex(m => new { m.ConversationId, m.CreatedAt });
            // The outcome report counts a workspace's inbound messages and delivered replies of a period from this index
            // alone: the channel, delivery and id ride along so no row of the table is read.
            e.HasIndex(m => new { m.WorkspaceId, m.Direction, m.CreatedAt, m.ChannelId, m.DeliveryStatus, m.Id });
            e.HasOne(m => m.Analysis).WithOne().HasForeignKey<MessageAnalysis>(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<MessageAnalysis>(e =>
        {
            e.HasKey(a => a.MessageId);
            // The outcome report reads each message's sentiment, intent and urgency signals from the index, not the table.
            e.HasIndex(a => new { a.MessageId, a.Sentiment, a.Intent, a.Urgency });
            // It counts the few messages that recommend the brand or advise against it, not every analysis.
            e.HasIndex(a => new { a.WorkspaceId, a.Recommendation });
        });
        builder.Entity<Correction>().HasIndex(c => new { c.WorkspaceId, c.CreatedAt });
        builder.Entity<TrainedModel>().HasIndex(m => new { m.WorkspaceId, m.Number }).IsUnique();
        // Figures by the conversation's creation (surveys, sentiment at opening) per channel, from the index alone.
        builder.Entity<ReportingEvent>().HasIndex(r => new { r.WorkspaceId, r.Name, r.StartedAt, r.ChannelId, r.Value, r.ConversationId });
        builder.Entity<OutboxItem>(e =>
        {
            e.HasIndex(o => o.IdempotencyKey).IsUnique();
            e.HasIndex(o => new { o.Status, o.NextAttemptAt });
            // The outcome report counts the posts published in a period.
            e.HasIndex(o => new { o.WorkspaceId, o.SentAt });
            // Ingest finds the brand's published post a reply answers by the network's id.
            e.HasIndex(o => new { o.ChannelId, o.ExternalId });
        });
        builder.Entity<AuditEntry>().HasIndex(a => new { a.WorkspaceId, a.At });
        // Each feature folder keeps its own entities' configuration (IEntityTypeConfiguration) next to them.
        builder.ApplyConfigurationsFromAssembly(typeof(RapportDbContext).Assembly);

        // Defence in depth: a request scoped to a workspace cannot read another workspace's rows.
        foreach (var type in builder.Model.GetEntityTypes().Select(t => t.ClrType).Where(typeof(IWorkspaceOwned).IsAssignableFrom).ToList())
        {
            ScopeMethod.MakeGenericMethod(type).Invoke(this, [builder]);
        }
    }
}

public sealed class SqliteRapportDbContext(DbContextOptions<SqliteRapportDbContext> options) : RapportDbContext(options);

public sealed class PostgresRapportDbContext(DbContextOptions<PostgresRapportDbContext> options) : RapportDbContext(options);
