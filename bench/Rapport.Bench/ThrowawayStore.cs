using Npgsql;

namespace Rapport.Bench;

/// <summary>What a benchmark leaves behind: its PostgreSQL database and its data folder, removed unless asked to keep them.</summary>
internal static class ThrowawayStore
{
    public static void Remove(string name, bool keep, string folder, string? database, string? postgresServer)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        if (keep)
        {
            Console.WriteLine($"[{name}] kept: {(database is null ? Path.Combine(folder, "rapport.db") : database)}");
            return;
        }
        if (database is not null)
        {
            using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgresServer) { Database = "postgres" }.ConnectionString);
            admin.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            drop.ExecuteNonQuery();
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open on a loaded machine: the temporary folder is the system's to clean.
        }
    }
}
