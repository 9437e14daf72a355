using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Rapport.Data;

/// <summary>
/// Writes the rows a save adds to the tables an ingest batch appends to (contacts, conversations, messages, analyses,
/// attachments, reporting events, accepted items) with the provider's bulk path, a PostgreSQL binary COPY or one prepared SQLite
/// statement per table, instead of EF Core's per-row command generation; EF Core then saves the rest (updates, rows of
/// other tables) in the same transaction. Registered after every other save interceptor, so the rows it writes are the
/// ones the SLA, inbox-rank and live-update interceptors have already seen and completed. It acts only when the saver
/// asked for it (<see cref="RapportDbContext.WriteAddedRowsInBulk"/>) inside a transaction, which keeps the batch whole:
/// a refused row fails the save like any other, as a <see cref="DbUpdateException"/>, and nothing of the batch is kept
/// (docs/decisions/0042-bulk-writes.md).
/// </summary>
public sealed class BulkInsertInterceptor : SaveChangesInterceptor
{
    /// <summary>The tables written in bulk, in the order their foreign keys need.</summary>
    private static readonly Type[] Tables =
    [
        typeof(Contacts.Contact), typeof(Contacts.ContactIdentity), typeof(Conversations.Conversation), typeof(Conversations.Message),
        typeof(Conversations.MessageAnalysis), typeof(Conversations.Attachments.MessageAttachment), typeof(Reports.ReportingEvent), typeof(Ingest.ReceivedItem),
        typeof(Links.LinkClick),
    ];

    private static readonly ConcurrentDictionary<(Type Context, Type Entity), Table> Plans = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is RapportDbContext { WriteAddedRowsInBulk: true })
        {
            // Only ingest asks for bulk writes, and it saves asynchronously.
            throw new InvalidOperationException("Bulk writes are made by asynchronous saves only.");
        }
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is RapportDbContext { WriteAddedRowsInBulk: true } db && db.Database.CurrentTransaction is { } transaction)
        {
            await WriteAsync(db, transaction.GetDbTransaction(), cancellationToken);
        }
        return result;
    }

    private static async Task WriteAsync(RapportDbContext db, DbTransaction transaction, CancellationToken ct)
    {
        var added = new Dictionary<Type, List<EntityEntry>>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added && Array.IndexOf(Tables, entry.Metadata.ClrType) >= 0)
            {
                if (!added.TryGetValue(entry.Metadata.ClrType, out var rows))
                {
                    added[entry.Metadata.ClrType] = rows = [];
                }
                rows.Add(entry);
            }
        }
        var connection = transaction.Connection!;
        var written = new List<(Table Table, List<EntityEntry> Rows)>(added.Count);
        try
        {
            foreach (var type in Tables)
            {
                if (added.TryGetValue(type, out var rows))
                {
                    var table = Plans.GetOrAdd((db.GetType(), type), key => Table.For(db.Model.FindEntityType(key.Entity)!, connection));
                    await table.WriteAsync(connection, transaction, rows, ct);
                    written.Add((table, rows));
                }
            }
        }
        catch (DbException e)
        {
            // What EF Core would have thrown for the same refused row: callers retry or report it the same way.
            throw new DbUpdateException($"The database refused a row of the batch: {e.Message}", e);
        }
        foreach (var (table, rows) in written)
        {
            // Written: EF Core must not insert it again. A row whose key the database made (a reporting event's number)
            // is let go, since its key is not read back; nothing in a batch refers to one.
            var state = table.KeyByDatabase ? EntityState.Detached : EntityState.Unchanged;
            foreach (var entry in rows)
            {
                entry.State = state;
            }
        }
    }

    /// <summary>How one table is written: its columns, each with the type mapping EF Core would use for it.</summary>
    private sealed class Table(string name, Column[] columns, bool keyByDatabase, bool postgres)
    {
        /// <summary>The database numbers the key (it is not among the columns written).</summary>
        public bool KeyByDatabase { get; } = keyByDatabase;

        private readonly string sql = postgres
            ? $"COPY \"{name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)"
            : $"INSERT INTO \"{name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";

        public static Table For(IEntityType entity, DbConnection connection)
        {
            var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            // Keys the database numbers itself are left to it.
            static bool ByDatabase(IProperty p) => p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) && p.ClrType != typeof(Guid);
            var columns = entity.GetProperties()
                .Where(p => !ByDatabase(p))
                .Select(p => new Column(p, p.GetColumnName(store)!, (RelationalTypeMapping)p.GetRelationalTypeMapping()))
                .ToArray();
            return new Table(store.Name, columns, entity.FindPrimaryKey()!.Properties.Any(ByDatabase), connection is NpgsqlConnection);
        }

        public Task WriteAsync(DbConnection connection, DbTransaction transaction, List<EntityEntry> rows, CancellationToken ct) =>
            postgres ? CopyAsync((NpgsqlConnection)connection, rows, ct) : InsertAsync(connection, transaction, rows, ct);

        private async Task CopyAsync(NpgsqlConnection connection, List<EntityEntry> rows, CancellationToken ct)
        {
            await using var writer = await connection.BeginBinaryImportAsync(sql, ct);
            foreach (var entry in rows)
            {
                await writer.StartRowAsync(ct);
                var values = entry.CurrentValues;
                foreach (var column in columns)
                {
                    if (column.ToProvider(values[column.Property]) is { } value)
                    {
                        await writer.WriteAsync(value, column.DataTypeName, ct);
                    }
                    else
                    {
                        await writer.WriteNullAsync(ct);
                    }
                }
            }
            await writer.CompleteAsync(ct);
        }

        private async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<EntityEntry> rows, CancellationToken ct)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            var parameters = columns.Select((c, i) => c.Mapping.CreateParameter(command, "@p" + i, null, c.Property.IsNullable)).ToArray();
            command.Parameters.AddRange(parameters);
            // One statement, prepared once and run for each row.
            await command.PrepareAsync(ct);
            foreach (var entry in rows)
            {
                var values = entry.CurrentValues;
                for (var i = 0; i < columns.Length; i++)
                {
                    parameters[i].Value = columns[i].ToProvider(values[columns[i].Property]) ?? DBNull.Value;
                }
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping)
    {
        /// <summary>The store type without its size or precision ("character varying(200)" is written as "character varying").</summary>
        public string DataTypeName { get; } = Mapping.StoreTypeNameBase;

        public object? ToProvider(object? value) =>
            value is null ? null : Mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value;
    }
}
