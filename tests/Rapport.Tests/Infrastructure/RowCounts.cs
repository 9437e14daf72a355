using Microsoft.EntityFrameworkCore;

namespace Rapport.Tests.Infrastructure;

/// <summary>
/// The number of rows in every table of the model, read in one query. A refused call must leave each as it was:
/// counts catch the half-written case that matters (a conversation stored without its message, a channel without its
/// settings), since every write of one request is one transaction. A restored backup must match the one taken.
/// </summary>
internal sealed class RowCounts(Rapport.Data.RapportDbContext db)
{
    // The scheduler writes its job runs and the watchers their leases on their own clock, whatever a request did.
    private readonly List<string> tables = [.. db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct()
        .Where(t => t is not ("JobRuns" or "ChannelWatchLeases"))];

    public async Task<Dictionary<string, long>> ReadAsync()
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }
        await using var command = connection.CreateCommand();
        command.CommandText = string.Join(" UNION ALL ", tables.Select((t, i) => $"SELECT {i}, COUNT(*) FROM \"{t}\""));
        var counts = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[tables[Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)]] = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        return counts;
    }

    /// <summary>The tables whose count changed, but for the one record a refusal is meant to leave: a failed sign-in is audited.</summary>
    public static string Changed(Dictionary<string, long> before, Dictionary<string, long> after, string path) =>
        string.Join(", ", before.Where(b => after[b.Key] != b.Value && !(path.EndsWith("/auth/signin", StringComparison.Ordinal) && b.Key == "AuditEntries"))
            .Select(b => $"{b.Key} {b.Value}→{after[b.Key]}"));
}
