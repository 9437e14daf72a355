using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Listening;

/// <summary>
/// One UTC day's mentions of a topic with one sentiment, noise left out: the daily roll-up share of voice reads for the
/// whole days of a period (decision 0077). Kept by database triggers on MentionTopics in the same transaction as every
/// write to them (ingest, re-match, reprocess, bulk), so it is never behind.
/// </summary>
public sealed class TopicDay : IWorkspaceOwned
{
    public Guid WorkspaceId { get; set; }
    public Guid TopicId { get; set; }
    public DateOnly Day { get; set; }
    public string Sentiment { get; set; } = "";
    public long Count { get; set; }
}

internal sealed class TopicDayConfiguration : IEntityTypeConfiguration<TopicDay>
{
    public void Configure(EntityTypeBuilder<TopicDay> builder)
    {
        builder.ToTable("TopicDays");
        builder.HasKey(d => new { d.TopicId, d.Day, d.Sentiment });
        builder.Property(d => d.Sentiment).HasMaxLength(32);
        builder.HasOne<Topic>().WithMany().HasForeignKey(d => d.TopicId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>The triggers that keep <see cref="TopicDay"/>, as the migration that made them installed them (decision 0077).</summary>
internal static class TopicRollupSql
{
    private const string Columns = "\"WorkspaceId\", \"TopicId\", \"Day\", \"Sentiment\", \"Count\"";

    private static string Bump(string r, string day, string heard, int n) => n > 0
        ? $"INSERT INTO \"TopicDays\" ({Columns}) SELECT {r}.\"WorkspaceId\", {r}.\"TopicId\", {day}, {r}.\"Sentiment\", 1 WHERE {heard} "
            + "ON CONFLICT (\"TopicId\", \"Day\", \"Sentiment\") DO UPDATE SET \"Count\" = \"TopicDays\".\"Count\" + 1;"
        : $"UPDATE \"TopicDays\" SET \"Count\" = \"Count\" - 1 WHERE \"TopicId\" = {r}.\"TopicId\" AND \"Day\" = {day} AND \"Sentiment\" = {r}.\"Sentiment\" AND {heard};";

    private static string SqliteDay(string r) => $"substr({r}.\"MentionCreatedAt\", 1, 10)";

    private static string SqliteHeard(string r) => $"{r}.\"IsNoise\" = 0";

    public static readonly string SqliteCreate = string.Join("\n",
        $"CREATE TRIGGER \"TopicDays_MentionTopics_Insert\" AFTER INSERT ON \"MentionTopics\" BEGIN {Bump("NEW", SqliteDay("NEW"), SqliteHeard("NEW"), 1)} END;",
        $"CREATE TRIGGER \"TopicDays_MentionTopics_Delete\" AFTER DELETE ON \"MentionTopics\" BEGIN {Bump("OLD", SqliteDay("OLD"), SqliteHeard("OLD"), -1)} END;",
        "CREATE TRIGGER \"TopicDays_MentionTopics_Update\" AFTER UPDATE OF \"TopicId\", \"MentionCreatedAt\", \"Sentiment\", \"IsNoise\" ON \"MentionTopics\" "
            + "WHEN OLD.\"TopicId\" IS NOT NEW.\"TopicId\" OR OLD.\"MentionCreatedAt\" IS NOT NEW.\"MentionCreatedAt\" OR OLD.\"Sentiment\" IS NOT NEW.\"Sentiment\" "
            + $"OR OLD.\"IsNoise\" IS NOT NEW.\"IsNoise\" BEGIN {Bump("OLD", SqliteDay("OLD"), SqliteHeard("OLD"), -1)} {Bump("NEW", SqliteDay("NEW"), SqliteHeard("NEW"), 1)} END;");

    public const string SqliteDrop = """
        DROP TRIGGER IF EXISTS "TopicDays_MentionTopics_Insert"; DROP TRIGGER IF EXISTS "TopicDays_MentionTopics_Delete"; DROP TRIGGER IF EXISTS "TopicDays_MentionTopics_Update";
        """;

    private static string PostgresDay(string r) => $"(({r}.\"MentionCreatedAt\") AT TIME ZONE 'UTC')::date";

    private static string PostgresHeard(string r) => $"NOT {r}.\"IsNoise\"";

    public static readonly string PostgresCreate = string.Join("\n",
        "CREATE FUNCTION topic_days_mention_topics() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN",
        "IF TG_OP = 'UPDATE' AND OLD.\"TopicId\" = NEW.\"TopicId\" AND OLD.\"MentionCreatedAt\" = NEW.\"MentionCreatedAt\" AND OLD.\"Sentiment\" = NEW.\"Sentiment\" "
            + "AND OLD.\"IsNoise\" = NEW.\"IsNoise\" THEN RETURN NULL; END IF;",
        $"IF TG_OP IN ('UPDATE', 'DELETE') THEN {Bump("OLD", PostgresDay("OLD"), PostgresHeard("OLD"), -1)} END IF;",
        $"IF TG_OP IN ('UPDATE', 'INSERT') THEN {Bump("NEW", PostgresDay("NEW"), PostgresHeard("NEW"), 1)} END IF;",
        "RETURN NULL; END $$;",
        "CREATE TRIGGER topic_days AFTER INSERT OR DELETE OR UPDATE OF \"TopicId\", \"MentionCreatedAt\", \"Sentiment\", \"IsNoise\" ON \"MentionTopics\" "
            + "FOR EACH ROW EXECUTE FUNCTION topic_days_mention_topics();");

    public const string PostgresDrop = """
        DROP TRIGGER IF EXISTS topic_days ON "MentionTopics"; DROP FUNCTION IF EXISTS topic_days_mention_topics();
        """;

    /// <summary>The days of the links already stored, for the migration that adds the triggers.</summary>
    public static string Backfill(bool postgres) =>
        "DELETE FROM \"TopicDays\";\n"
        + $"INSERT INTO \"TopicDays\" ({Columns}) SELECT t.\"WorkspaceId\", t.\"TopicId\", {(postgres ? PostgresDay("t") : SqliteDay("t"))}, t.\"Sentiment\", COUNT(*) "
        + $"FROM \"MentionTopics\" AS t WHERE {(postgres ? PostgresHeard("t") : SqliteHeard("t"))} GROUP BY 1, 2, 3, 4;";
}
