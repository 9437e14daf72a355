using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rapport.Data;

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

    /// <summary>
    /// A new database on the test server with every migration applied: a copy of a template migrated once per run
    /// (`CREATE DATABASE … TEMPLATE`), so that each test does not replay every migration (about three quarters of a
    /// short test's time on PostgreSQL). The template's name carries the migrations it holds, so a new migration makes
    /// a new template.
    /// </summary>
    public static string NewMigratedPostgresDatabase()
    {
        var template = PostgresTemplate.Value;
        var connection = NewPostgresDatabase();
        var builder = new NpgsqlConnectionStringBuilder(connection);
        using var admin = Admin();
        using var create = new NpgsqlCommand($"CREATE DATABASE \"{builder.Database}\" TEMPLATE \"{template}\"", admin);
        create.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Puts a migrated SQLite database (a copy of one migrated once per run) where the app in <paramref name="folder"/> looks for it.</summary>
    public static void CopyMigratedSqliteDatabase(string folder) => File.Copy(SqliteTemplate.Value, Path.Combine(folder, "rapport.db"));

    private static readonly Lazy<string> PostgresTemplate = new(() =>
    {
        var name = "rapport_template_" + MigrationsHash();
        using var admin = Admin();
        using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin))
        {
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is not null)
            {
                return name;
            }
        }
        // Migrated under a name of its own, then renamed: another test process making the same template at the same
        // time cannot leave a half-migrated one behind.
        var building = new NpgsqlConnectionStringBuilder(NewPostgresDatabase()) { Pooling = false };
        Migrate(new RapportOptions { Postgres = building.ConnectionString, DataFolder = NewTempFolder() });
        using var rename = new NpgsqlCommand($"ALTER DATABASE \"{building.Database}\" RENAME TO \"{name}\"", admin);
        try
        {
            rename.ExecuteNonQuery();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{building.Database}\" WITH (FORCE)", admin);
            drop.ExecuteNonQuery();
        }
        return name;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<string> SqliteTemplate = new(() =>
    {
        var folder = NewTempFolder();
        Migrate(new RapportOptions { DataFolder = folder });
        SqliteConnection.ClearAllPools();
        // One file, no write-ahead log beside it: the copy is the whole database.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "rapport.db")};Pooling=False"))
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
        }
        return Path.Combine(folder, "rapport.db");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static void Migrate(RapportOptions options) =>
        DatabaseSetup.MigrateAsync(new RapportDbContextFactory(options)).GetAwaiter().GetResult();

    private static string MigrationsHash()
    {
        using var db = new RapportDbContextFactory(new RapportOptions { Postgres = PostgresServer }).CreateDbContext();
        var all = string.Join('\n', db.Database.GetMigrations());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)))[..16];
    }

    private static NpgsqlConnection Admin()
    {
        var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer) { Database = "postgres", Pooling = false }.ConnectionString);
        admin.Open();
        return admin;
    }

    public static string NewTempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
