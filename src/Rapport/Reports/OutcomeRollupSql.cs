namespace Rapport.Reports;

/// <summary>
/// The triggers that keep <see cref="OutcomeDay"/> (decision 0077), as the migration that made them installed them: on
/// LinkClicks, Messages and MessageAnalyses, every insert, delete and relevant update adds or takes away one on its day's
/// row, in the same statement's transaction, whatever wrote it (EF, the bulk paths, raw SQL). Days are UTC days. A change
/// to these statements needs a new migration; this text is what the first one ran.
/// </summary>
internal static class OutcomeRollupSql
{
    private const string None = "'00000000-0000-0000-0000-000000000000'";

    private const string Columns = "\"WorkspaceId\", \"Figure\", \"Day\", \"ChannelId\", \"LinkId\", \"Count\"";

    private const string Key = "\"WorkspaceId\", \"Figure\", \"Day\", \"ChannelId\", \"LinkId\"";

    /// <summary>
    /// Adds one to each selected day (made when it has none yet), or takes one away from it. Taking away only updates: a
    /// day a cascade already removed (its workspace deleted) stays removed.
    /// </summary>
    private static string Bump(string keys, string fromWhere, int n) => n > 0
        ? $"INSERT INTO \"OutcomeDays\" ({Columns}) SELECT {keys}, 1 {fromWhere} ON CONFLICT ({Key}) DO UPDATE SET \"Count\" = \"OutcomeDays\".\"Count\" + 1;"
        : $"UPDATE \"OutcomeDays\" SET \"Count\" = \"Count\" - 1 WHERE ({Key}) IN (SELECT {keys} {fromWhere});";

    // What each figure counts, for a row of its table (r): the same rule as the report's live queries.
    private static string Click(string r, string day, int n) =>
        Bump($"{r}.\"WorkspaceId\", 'click', {day}, {None}, {r}.\"LinkId\"", $"WHERE {r}.\"WorkspaceId\" IS NOT NULL", n);

    private static string Reply(string r, string day, int n) =>
        Bump($"{r}.\"WorkspaceId\", 'reply', {day}, {r}.\"ChannelId\", {None}", $"WHERE {r}.\"Direction\" = 'Outbound' AND {r}.\"DeliveryStatus\" = 'Sent'", n);

    /// <summary>A message's analysis (a) counted by sentiment and by stance, for an inbound message (m).</summary>
    private static string Analysed(string m, string a, string from, string where, string day, int n) =>
        Bump($"{m}.\"WorkspaceId\", 'inbound:' || {a}.\"Sentiment\", {day}, {m}.\"ChannelId\", {None}", $"FROM {from} WHERE {where} AND {m}.\"Direction\" = 'Inbound'", n)
        + "\n" + Bump($"{m}.\"WorkspaceId\", 'stance:' || {a}.\"Recommendation\", {day}, {m}.\"ChannelId\", {None}",
            $"FROM {from} WHERE {where} AND {m}.\"Direction\" = 'Inbound' AND {a}.\"Recommendation\" <> ''", n);

    private static string SqliteDay(string column) => $"substr({column}, 1, 10)";

    public static readonly string SqliteCreate = string.Join("\n",
        $"CREATE TRIGGER \"OutcomeDays_LinkClicks_Insert\" AFTER INSERT ON \"LinkClicks\" BEGIN {Click("NEW", SqliteDay("NEW.\"At\""), 1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_LinkClicks_Delete\" AFTER DELETE ON \"LinkClicks\" BEGIN {Click("OLD", SqliteDay("OLD.\"At\""), -1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_LinkClicks_Update\" AFTER UPDATE OF \"At\", \"LinkId\", \"WorkspaceId\" ON \"LinkClicks\" BEGIN "
            + $"{Click("OLD", SqliteDay("OLD.\"At\""), -1)} {Click("NEW", SqliteDay("NEW.\"At\""), 1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_Messages_Insert\" AFTER INSERT ON \"Messages\" WHEN NEW.\"Direction\" = 'Outbound' BEGIN "
            + $"{Reply("NEW", SqliteDay("NEW.\"CreatedAt\""), 1)} END;",
        // Before: the analysis is still there to be taken away (its own cascade delete then finds no message).
        $"CREATE TRIGGER \"OutcomeDays_Messages_Delete\" BEFORE DELETE ON \"Messages\" BEGIN {Reply("OLD", SqliteDay("OLD.\"CreatedAt\""), -1)} "
            + $"{Analysed("OLD", "a", "\"MessageAnalyses\" AS a", "a.\"MessageId\" = OLD.\"Id\"", SqliteDay("OLD.\"CreatedAt\""), -1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_Messages_Update\" AFTER UPDATE OF \"Direction\", \"DeliveryStatus\", \"CreatedAt\", \"ChannelId\", \"WorkspaceId\" ON \"Messages\" "
            + "WHEN OLD.\"Direction\" IS NOT NEW.\"Direction\" OR OLD.\"DeliveryStatus\" IS NOT NEW.\"DeliveryStatus\" OR OLD.\"CreatedAt\" IS NOT NEW.\"CreatedAt\" "
            + "OR OLD.\"ChannelId\" IS NOT NEW.\"ChannelId\" OR OLD.\"WorkspaceId\" IS NOT NEW.\"WorkspaceId\" BEGIN "
            + $"{Reply("OLD", SqliteDay("OLD.\"CreatedAt\""), -1)} {Reply("NEW", SqliteDay("NEW.\"CreatedAt\""), 1)} "
            + $"{Analysed("OLD", "a", "\"MessageAnalyses\" AS a", "a.\"MessageId\" = OLD.\"Id\"", SqliteDay("OLD.\"CreatedAt\""), -1)} "
            + $"{Analysed("NEW", "a", "\"MessageAnalyses\" AS a", "a.\"MessageId\" = NEW.\"Id\"", SqliteDay("NEW.\"CreatedAt\""), 1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_MessageAnalyses_Insert\" AFTER INSERT ON \"MessageAnalyses\" BEGIN "
            + $"{Analysed("m", "NEW", "\"Messages\" AS m", "m.\"Id\" = NEW.\"MessageId\"", SqliteDay("m.\"CreatedAt\""), 1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_MessageAnalyses_Delete\" AFTER DELETE ON \"MessageAnalyses\" BEGIN "
            + $"{Analysed("m", "OLD", "\"Messages\" AS m", "m.\"Id\" = OLD.\"MessageId\"", SqliteDay("m.\"CreatedAt\""), -1)} END;",
        $"CREATE TRIGGER \"OutcomeDays_MessageAnalyses_Update\" AFTER UPDATE OF \"Sentiment\", \"Recommendation\", \"MessageId\" ON \"MessageAnalyses\" "
            + "WHEN OLD.\"Sentiment\" IS NOT NEW.\"Sentiment\" OR OLD.\"Recommendation\" IS NOT NEW.\"Recommendation\" OR OLD.\"MessageId\" IS NOT NEW.\"MessageId\" BEGIN "
            + $"{Analysed("m", "OLD", "\"Messages\" AS m", "m.\"Id\" = OLD.\"MessageId\"", SqliteDay("m.\"CreatedAt\""), -1)} "
            + $"{Analysed("m", "NEW", "\"Messages\" AS m", "m.\"Id\" = NEW.\"MessageId\"", SqliteDay("m.\"CreatedAt\""), 1)} END;");

    public const string SqliteDrop = """
        DROP TRIGGER IF EXISTS "OutcomeDays_LinkClicks_Insert"; DROP TRIGGER IF EXISTS "OutcomeDays_LinkClicks_Delete"; DROP TRIGGER IF EXISTS "OutcomeDays_LinkClicks_Update";
        DROP TRIGGER IF EXISTS "OutcomeDays_Messages_Insert"; DROP TRIGGER IF EXISTS "OutcomeDays_Messages_Delete"; DROP TRIGGER IF EXISTS "OutcomeDays_Messages_Update";
        DROP TRIGGER IF EXISTS "OutcomeDays_MessageAnalyses_Insert"; DROP TRIGGER IF EXISTS "OutcomeDays_MessageAnalyses_Delete"; DROP TRIGGER IF EXISTS "OutcomeDays_MessageAnalyses_Update";
        """;

    private static string PostgresDay(string column) => $"(({column}) AT TIME ZONE 'UTC')::date";

    public static readonly string PostgresCreate = PostgresUuids(string.Join("\n",
        "CREATE FUNCTION outcome_days_link_clicks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN",
        $"IF TG_OP IN ('UPDATE', 'DELETE') THEN {Click("OLD", PostgresDay("OLD.\"At\""), -1)} END IF;",
        $"IF TG_OP IN ('UPDATE', 'INSERT') THEN {Click("NEW", PostgresDay("NEW.\"At\""), 1)} END IF;",
        "RETURN NULL; END $$;",
        "CREATE TRIGGER outcome_days AFTER INSERT OR DELETE OR UPDATE OF \"At\", \"LinkId\", \"WorkspaceId\" ON \"LinkClicks\" FOR EACH ROW EXECUTE FUNCTION outcome_days_link_clicks();",
        "CREATE FUNCTION outcome_days_messages() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN",
        "IF TG_OP = 'UPDATE' AND OLD.\"Direction\" IS NOT DISTINCT FROM NEW.\"Direction\" AND OLD.\"DeliveryStatus\" IS NOT DISTINCT FROM NEW.\"DeliveryStatus\" "
            + "AND OLD.\"CreatedAt\" IS NOT DISTINCT FROM NEW.\"CreatedAt\" AND OLD.\"ChannelId\" IS NOT DISTINCT FROM NEW.\"ChannelId\" "
            + "AND OLD.\"WorkspaceId\" IS NOT DISTINCT FROM NEW.\"WorkspaceId\" THEN RETURN NEW; END IF;",
        $"IF TG_OP IN ('UPDATE', 'DELETE') THEN {Reply("OLD", PostgresDay("OLD.\"CreatedAt\""), -1)} "
            + $"{Analysed("OLD", "a", "\"MessageAnalyses\" AS a", "a.\"MessageId\" = OLD.\"Id\"", PostgresDay("OLD.\"CreatedAt\""), -1)} END IF;",
        $"IF TG_OP = 'INSERT' AND NEW.\"Direction\" = 'Outbound' THEN {Reply("NEW", PostgresDay("NEW.\"CreatedAt\""), 1)} END IF;",
        $"IF TG_OP = 'UPDATE' THEN {Reply("NEW", PostgresDay("NEW.\"CreatedAt\""), 1)} "
            + $"{Analysed("NEW", "a", "\"MessageAnalyses\" AS a", "a.\"MessageId\" = NEW.\"Id\"", PostgresDay("NEW.\"CreatedAt\""), 1)} END IF;",
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$;",
        // Before a delete: the analysis is still there to be taken away (its cascade delete then finds no message).
        "CREATE TRIGGER outcome_days BEFORE DELETE ON \"Messages\" FOR EACH ROW EXECUTE FUNCTION outcome_days_messages();",
        "CREATE TRIGGER outcome_days_written AFTER INSERT OR UPDATE OF \"Direction\", \"DeliveryStatus\", \"CreatedAt\", \"ChannelId\", \"WorkspaceId\" ON \"Messages\" FOR EACH ROW EXECUTE FUNCTION outcome_days_messages();",
        "CREATE FUNCTION outcome_days_message_analyses() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN",
        "IF TG_OP = 'UPDATE' AND OLD.\"Sentiment\" IS NOT DISTINCT FROM NEW.\"Sentiment\" AND OLD.\"Recommendation\" IS NOT DISTINCT FROM NEW.\"Recommendation\" "
            + "AND OLD.\"MessageId\" = NEW.\"MessageId\" THEN RETURN NULL; END IF;",
        $"IF TG_OP IN ('UPDATE', 'DELETE') THEN {Analysed("m", "OLD", "\"Messages\" AS m", "m.\"Id\" = OLD.\"MessageId\"", PostgresDay("m.\"CreatedAt\""), -1)} END IF;",
        $"IF TG_OP IN ('UPDATE', 'INSERT') THEN {Analysed("m", "NEW", "\"Messages\" AS m", "m.\"Id\" = NEW.\"MessageId\"", PostgresDay("m.\"CreatedAt\""), 1)} END IF;",
        "RETURN NULL; END $$;",
        "CREATE TRIGGER outcome_days AFTER INSERT OR DELETE OR UPDATE OF \"Sentiment\", \"Recommendation\", \"MessageId\" ON \"MessageAnalyses\" FOR EACH ROW EXECUTE FUNCTION outcome_days_message_analyses();"));

    /// <summary>PostgreSQL keeps ids as uuid, SQLite as text: the "none" id is cast there.</summary>
    private static string PostgresUuids(string sql) => sql.Replace(None, None + "::uuid", StringComparison.Ordinal);

    public const string PostgresDrop = """
        DROP TRIGGER IF EXISTS outcome_days ON "LinkClicks"; DROP FUNCTION IF EXISTS outcome_days_link_clicks();
        DROP TRIGGER IF EXISTS outcome_days ON "Messages"; DROP TRIGGER IF EXISTS outcome_days_written ON "Messages"; DROP FUNCTION IF EXISTS outcome_days_messages();
        DROP TRIGGER IF EXISTS outcome_days ON "MessageAnalyses"; DROP FUNCTION IF EXISTS outcome_days_message_analyses();
        """;

    /// <summary>The days of what is already stored, for the migration that adds the triggers (and for a rebuild).</summary>
    public static string Backfill(bool postgres)
    {
        string Day(string column) => postgres ? PostgresDay(column) : SqliteDay(column);
        var insert = $"INSERT INTO \"OutcomeDays\" ({Columns}) ";
        var sql = string.Join("\n",
            "DELETE FROM \"OutcomeDays\";",
            insert + $"SELECT c.\"WorkspaceId\", 'click', {Day("c.\"At\"")}, {None}, c.\"LinkId\", COUNT(*) FROM \"LinkClicks\" AS c GROUP BY 1, 2, 3, 4, 5;",
            insert + $"SELECT m.\"WorkspaceId\", 'reply', {Day("m.\"CreatedAt\"")}, m.\"ChannelId\", {None}, COUNT(*) FROM \"Messages\" AS m "
                + "WHERE m.\"Direction\" = 'Outbound' AND m.\"DeliveryStatus\" = 'Sent' GROUP BY 1, 2, 3, 4, 5;",
            insert + $"SELECT m.\"WorkspaceId\", 'inbound:' || a.\"Sentiment\", {Day("m.\"CreatedAt\"")}, m.\"ChannelId\", {None}, COUNT(*) FROM \"Messages\" AS m "
                + "JOIN \"MessageAnalyses\" AS a ON a.\"MessageId\" = m.\"Id\" WHERE m.\"Direction\" = 'Inbound' GROUP BY 1, 2, 3, 4, 5;",
            insert + $"SELECT m.\"WorkspaceId\", 'stance:' || a.\"Recommendation\", {Day("m.\"CreatedAt\"")}, m.\"ChannelId\", {None}, COUNT(*) FROM \"Messages\" AS m "
                + "JOIN \"MessageAnalyses\" AS a ON a.\"MessageId\" = m.\"Id\" WHERE m.\"Direction\" = 'Inbound' AND a.\"Recommendation\" <> '' GROUP BY 1, 2, 3, 4, 5;");
        return postgres ? PostgresUuids(sql) : sql;
    }
}
