using Npgsql;

namespace Rapport.Tests.Infrastructure;

/// <summary>
/// The database providers every data test runs on. PostgreSQL is the throwaway cluster that ./test.sh starts;
/// its connection string comes in RAPPORT_TEST_POSTGRES.
/// </summary>
public static class Databases
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static TheoryData<string> All => [Sqlite, Postgres];

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable("RAPPORT_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "RAPPORT_TEST_POSTGRES is not set. Run the tests with ./test.sh, which starts a throwaway PostgreSQL cluster, " +
                "or point RAPPORT_TEST_POSTGRES at a server (for example Host=127.0.0.1;Port=5432;Username=postgres).");

    /// <summary>A connection string to a new, empty database on the test server (created by the first migration).</summary>
    public static string NewPostgresDatabase()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer)
        {
            Database = "rapport_test_" + Guid.NewGuid().ToString("N")[..12],
        };
        return builder.ConnectionString;
    }

    /// <summary>Drops a throwaway database so a long test run does not fill the cluster.</summary>
    public static async Task DropPostgresDatabaseAsync(string connection)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connection);
        var name = builder.Database;
        builder.Database = "postgres";
        await using var admin = new Npgsql.NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public static string NewTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
