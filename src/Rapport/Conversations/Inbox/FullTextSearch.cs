using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Conversations.Inbox;

/// <summary>
/// Full-text search over message text, French and English, accents ignored. The SQL lives here, in one place,
/// for the migrations that create it and the queries that use it (docs/decisions/0030-inbox-rank.md).
/// <list type="bullet">
/// <item>SQLite: an FTS5 table over Messages (external content, kept in sync by triggers) with the
/// <c>unicode61 remove_diacritics 2</c> tokenizer; words are stemmed lightly here and matched as prefixes.</item>
/// <item>PostgreSQL: <c>unaccent</c> + the french and english snowball stemmers in two text search configurations,
/// with a GIN index on the union of both vectors.</item>
/// </list>
/// </summary>
public static class FullTextSearch
{
    /// <summary>Longest search accepted; a search is a few words, not a document.</summary>
    public const int MaxQueryLength = 500;

    /// <summary>
    /// A search looks at the most recent matching messages, at most this many: a word in every tenth message of a
    /// million then costs what a rare one does, and the list, in inbox order, comes from recent activity.
    /// </summary>
    public const int MaxMatchingMessages = 2_000;

    /// <summary>Words of a search used at most; the rest are ignored.</summary>
    private const int MaxWords = 16;

    public static readonly string[] SqliteUp =
    [
        """
        CREATE VIRTUAL TABLE IF NOT EXISTS "MessageSearch" USING fts5(
            "Text", content='Messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')
        """,
        """
        CREATE TRIGGER IF NOT EXISTS "Messages_Search_Insert" AFTER INSERT ON "Messages" BEGIN
            INSERT INTO "MessageSearch"(rowid, "Text") VALUES (new.rowid, new."Text");
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS "Messages_Search_Delete" AFTER DELETE ON "Messages" BEGIN
            INSERT INTO "MessageSearch"("MessageSearch", rowid, "Text") VALUES ('delete', old.rowid, old."Text");
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS "Messages_Search_Update" AFTER UPDATE OF "Text" ON "Messages" BEGIN
            INSERT INTO "MessageSearch"("MessageSearch", rowid, "Text") VALUES ('delete', old.rowid, old."Text");
            INSERT INTO "MessageSearch"(rowid, "Text") VALUES (new.rowid, new."Text");
        END
        """,
        // Indexes what is already stored; also what to run after any rebuild of the Messages table.
        """INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild')""",
    ];

    public static readonly string[] SqliteDown =
    [
        """DROP TRIGGER IF EXISTS "Messages_Search_Update" """,
        """DROP TRIGGER IF EXISTS "Messages_Search_Delete" """,
        """DROP TRIGGER IF EXISTS "Messages_Search_Insert" """,
        """DROP TABLE IF EXISTS "MessageSearch" """,
    ];

    /// <summary>The indexed expression; queries repeat it exactly so the GIN index serves them.</summary>
    private const string PostgresVector =
        """(to_tsvector('rapport_french'::regconfig, "Text") || to_tsvector('rapport_english'::regconfig, "Text"))""";

    public static readonly string[] PostgresUp =
    [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "CREATE TEXT SEARCH CONFIGURATION rapport_french (COPY = french)",
        "ALTER TEXT SEARCH CONFIGURATION rapport_french ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
        "CREATE TEXT SEARCH CONFIGURATION rapport_english (COPY = english)",
        "ALTER TEXT SEARCH CONFIGURATION rapport_english ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
        $"""CREATE INDEX "IX_Messages_Search" ON "Messages" USING GIN ({PostgresVector})""",
        // With the GIN index, lets a search read one recent period of a workspace's messages at a time (below).
        """CREATE INDEX "IX_Messages_Search_Time" ON "Messages" ("WorkspaceId", "CreatedAt")""",
    ];

    public static readonly string[] PostgresDown =
    [
        """DROP INDEX IF EXISTS "IX_Messages_Search_Time" """,
        """DROP INDEX IF EXISTS "IX_Messages_Search" """,
        "DROP TEXT SEARCH CONFIGURATION IF EXISTS rapport_english",
        "DROP TEXT SEARCH CONFIGURATION IF EXISTS rapport_french",
    ];

    /// <summary>
    /// The ids of the workspace's conversations with a message matching <paramref name="search"/>, or null when the
    /// search holds no word (only punctuation, quotes, operators): then nothing is filtered.
    /// </summary>
    public static IQueryable<Guid>? Conversations(RapportDbContext db, Guid workspaceId, string search)
    {
        ArgumentNullException.ThrowIfNull(db);
        var words = Words(search);
        if (words.Count == 0)
        {
            return null;
        }
        if (db.Database.IsNpgsql())
        {
            // websearch_to_tsquery never fails on user input; the words are passed already cleaned anyway.
            var text = string.Join(' ', words);
            // A common word matches tens of thousands of messages, and the GIN index cannot give them newest first:
            // read the last week, then the rest of the month, then everything older, and stop as soon as the cap is
            // reached (PostgreSQL runs the later branches of a UNION ALL under a LIMIT only when it needs them). The
            // recent periods combine the GIN index with the time index; the older one reaches only rarer words, for
            // which the GIN index alone is cheap (1M messages: every search word p95 under 30 ms instead of 200 ms).
            var now = DateTime.UtcNow;
            DateTime?[] bounds = [now.AddDays(-7), now.AddDays(-30), null];
            var periods = bounds.Select((from, i) =>
                $"""
                (SELECT m."ConversationId" FROM "Messages" m
                 WHERE m."WorkspaceId" = @workspace AND {PostgresVector.Replace("\"Text\"", "m.\"Text\"", StringComparison.Ordinal)} @@ @query
                   {(from is null ? "" : $"AND m.\"CreatedAt\" >= @from{i}")} {(i == 0 ? "" : $"AND m.\"CreatedAt\" < @from{i - 1}")}
                 ORDER BY m."CreatedAt" DESC)
                """);
            var parameters = new List<object>
            {
                new Npgsql.NpgsqlParameter("workspace", workspaceId),
                new Npgsql.NpgsqlParameter("text", text),
            };
            parameters.AddRange(bounds.Select((from, i) => (from, i)).Where(b => b.from is not null)
                .Select(b => new Npgsql.NpgsqlParameter($"from{b.i}", b.from!.Value)));
            return db.Database.SqlQueryRaw<Guid>($"""
                SELECT DISTINCT x."ConversationId" AS "Value" FROM (
                    SELECT * FROM ({string.Join(" UNION ALL ", periods)}) periods LIMIT {MaxMatchingMessages}) x
                """.Replace("@query", "(websearch_to_tsquery('rapport_french'::regconfig, @text) || websearch_to_tsquery('rapport_english'::regconfig, @text))",
                StringComparison.Ordinal), [.. parameters]);
        }
        // Each word quoted (so no FTS5 operator survives) and matched as a prefix of its light stem: "colis" finds
        // "colis", "shipping" finds "shipped", "problems" finds "problème".
        var match = string.Join(' ', words.Select(w => $"\"{Stem(w)}\"*"));
        var workspace = workspaceId.ToString().ToUpperInvariant();
        // FTS5 walks the matches newest first (rowid order) and stops at the cap.
        return db.Database.SqlQuery<Guid>($"""
            SELECT DISTINCT x."ConversationId" AS "Value" FROM (
                SELECT m."ConversationId" FROM "MessageSearch" s JOIN "Messages" m ON m.rowid = s.rowid
                WHERE "MessageSearch" MATCH {match} AND m."WorkspaceId" = {workspace}
                ORDER BY s.rowid DESC LIMIT {MaxMatchingMessages}) x
            """);
    }

    /// <summary>The words of a search: letters and digits only, lower case, at most <see cref="MaxWords"/>.</summary>
    public static IReadOnlyList<string> Words(string? search)
    {
        var words = new List<string>();
        if (string.IsNullOrWhiteSpace(search))
        {
            return words;
        }
        var current = new StringBuilder();
        foreach (var c in search.AsSpan(0, Math.Min(search.Length, MaxQueryLength)))
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
                continue;
            }
            Flush();
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0 && words.Count < MaxWords)
            {
                words.Add(current.ToString());
            }
            current.Clear();
        }
    }

    /// <summary>
    /// A light French and English stem, accents removed, for prefix matching on SQLite: plural and common verb endings
    /// go, and the rest of the word must start the indexed word.
    /// </summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var plain = new StringBuilder(word.Length);
        foreach (var c in word.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                plain.Append(c);
            }
        }
        var w = plain.ToString();
        foreach (var ending in (ReadOnlySpan<string>)["ements", "ement", "ings", "ing", "ies", "ees", "ed", "es", "ee", "s", "x", "e"])
        {
            if (w.Length - ending.Length >= 4 && w.EndsWith(ending, StringComparison.Ordinal))
            {
                return w[..^ending.Length];
            }
        }
        return w;
    }
}
