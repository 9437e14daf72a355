using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Rapport.Scheduling;

/// <summary>
/// The tables of Quartz.NET's ADO job store on PostgreSQL, qrtz_ prefix, created by our own migrations so that
/// `rapport migrate` prepares everything a node needs and nodes never need the right to create tables. The DDL is the
/// one Quartz ships inside its package for this very version (the resource its own SchemaProvisioning runs), so the
/// columns always match the library: a hand-copied script from the documentation lags behind (4.7 validates columns
/// that older published scripts lack). Every statement is CREATE … IF NOT EXISTS. Kept out of the generated migration so
/// the migration can be regenerated without losing it. SQLite keeps its jobs in memory and has none of these tables.
/// </summary>
public static partial class QuartzSchema
{
    public const string Prefix = "qrtz_";

    private const string Resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    public static void CreatePostgres(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        foreach (var statement in Statements())
        {
            migrationBuilder.Sql(statement);
        }
    }

    public static void DropPostgres(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        // Children first: the script creates each table after those it refers to.
        foreach (var table in Tables().Reverse())
        {
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {table};");
        }
    }

    /// <summary>Quartz's PostgreSQL schema, one statement each, with our prefix.</summary>
    public static IReadOnlyList<string> Statements()
    {
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"Quartz no longer ships {Resource}: write its schema for this migration by hand.");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("{0}", Prefix, StringComparison.Ordinal).Replace("{1}", Prefix, StringComparison.Ordinal);
        // Statements are separated by a line that reads exactly "--;;"; comment lines are left out.
        return [.. Separator().Split(script)
            .Select(s => string.Join('\n', s.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(s => s.Length > 0)];
    }

    private static IEnumerable<string> Tables() =>
        Statements().Select(s => CreateTable().Match(s)).Where(m => m.Success).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"^--;;[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Separator();

    [GeneratedRegex(@"^CREATE TABLE IF NOT EXISTS (\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();
}
