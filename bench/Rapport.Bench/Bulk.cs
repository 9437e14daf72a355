using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Rapport.Data;

namespace Rapport.Bench;

/// <summary>Loads many rows into one table fast: one prepared statement in one transaction on SQLite, binary COPY on PostgreSQL.</summary>
internal abstract class Bulk : IDisposable
{
    public static Bulk For(RapportDbContextFactory factory, string table, string[] columns)
    {
        using var db = factory.CreateDbContext();
        var connectionString = db.Database.GetConnectionString()!;
        var list = string.Join(", ", columns.Select(c => $"\"{c}\""));
        return db.Database.IsSqlite()
            ? new SqliteBulk(connectionString, $"INSERT INTO \"{table}\" ({list}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})", columns.Length)
            : new PostgresBulk(connectionString, $"COPY \"{table}\" ({list}) FROM STDIN (FORMAT BINARY)");
    }

    public abstract void Row(params object?[] values);

    public abstract void Complete();

    public abstract void Dispose();

    private sealed class SqliteBulk : Bulk
    {
        private readonly SqliteConnection connection;
        private readonly SqliteTransaction transaction;
        private readonly SqliteCommand command;

        public SqliteBulk(string connectionString, string sql, int count)
        {
            connection = new SqliteConnection(connectionString);
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA synchronous=OFF";
                pragma.ExecuteNonQuery();
            }
            transaction = connection.BeginTransaction();
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            for (var i = 0; i < count; i++)
            {
                command.Parameters.Add(new SqliteParameter($"$p{i}", null));
            }
            command.Prepare();
        }

        public override void Row(params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                // As EF stores them on SQLite: GUIDs as upper-case text, times as "yyyy-MM-dd HH:mm:ss.FFFFFFF".
                command.Parameters[i].Value = values[i] switch
                {
                    null => DBNull.Value,
                    Guid g => g.ToString().ToUpperInvariant(),
                    // EF keeps decimals as invariant text on SQLite.
                    decimal m => m.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    var v => v,
                };
            }
            command.ExecuteNonQuery();
        }

        public override void Complete() => transaction.Commit();

        public override void Dispose()
        {
            command.Dispose();
            transaction.Dispose();
            connection.Dispose();
        }
    }

    private sealed class PostgresBulk : Bulk
    {
        private readonly NpgsqlConnection connection;
        private readonly NpgsqlBinaryImporter importer;

        public PostgresBulk(string connectionString, string copy)
        {
            connection = new NpgsqlConnection(connectionString);
            connection.Open();
            importer = connection.BeginBinaryImport(copy);
        }

        public override void Row(params object?[] values)
        {
            importer.StartRow();
            foreach (var value in values)
            {
                switch (value)
                {
                    case null:
                        importer.WriteNull();
                        break;
                    case Guid g:
                        importer.Write(g, NpgsqlDbType.Uuid);
                        break;
                    case string s:
                        importer.Write(s, NpgsqlDbType.Text);
                        break;
                    case bool b:
                        importer.Write(b, NpgsqlDbType.Boolean);
                        break;
                    case int n:
                        importer.Write(n, NpgsqlDbType.Integer);
                        break;
                    case double d:
                        importer.Write(d, NpgsqlDbType.Double);
                        break;
                    case long l:
                        importer.Write(l, NpgsqlDbType.Bigint);
                        break;
                    case decimal m:
                        importer.Write(m, NpgsqlDbType.Numeric);
                        break;
                    case DateTime t:
                        importer.Write(t, NpgsqlDbType.TimestampTz);
                        break;
                    default:
                        throw new ArgumentException($"No COPY mapping for {value.GetType()}.", nameof(values));
                }
            }
        }

        public override void Complete() => importer.Complete();

        public override void Dispose()
        {
            importer.Dispose();
            connection.Dispose();
        }
    }
}
