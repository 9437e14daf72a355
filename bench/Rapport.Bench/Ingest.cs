using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Cli;
using Rapport.Data;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// ingest-throughput [--count N] [--no-sqlite]: N generated messages (1,000,000 by default) imported from a CSV through
/// the one ingest path (ImportService, IngestService, analysis), into a fresh SQLite database, and into PostgreSQL too
/// when RAPPORT_BENCH_POSTGRES holds a server's connection string; then the same file accepted alone and processed by the
/// ingest worker until drained; and the storage floor (the same rows copied by the database itself). Target: 5,000
/// messages/s end to end.
/// import-memory [--size-mb N] [--text-chars N]: a CSV of about N MB (1,024 by default) of messages of about N characters
/// imported into SQLite, with the peak working set and the GC heap at 10 %, 50 % and 100 % of the file: they must not
/// grow with its size.
/// </summary>
internal static class Ingest
{
    private const double TargetPerSecond = 5_000;

    public static int Throughput(string[] args)
    {
        var count = (long)Option(args, "--count", 1_000_000);
        var folder = TempFolder();
        try
        {
            var csv = Path.Combine(folder, "messages.csv");
            var sw = Stopwatch.StartNew();
            Generate(csv, row => row < count);
            Console.WriteLine($"ingest-throughput: {count:N0} messages, {new FileInfo(csv).Length / 1e6:F1} MB of CSV generated in {sw.Elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores");
            Console.WriteLine($"load average (1, 5, 15 min) at start: {LoadAverages()}");
            var rates = new List<double>();
            List<string?> servers = [];
            if (!args.Contains("--no-sqlite"))
            {
                servers.Add(null);
            }
            if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is { Length: > 0 } server)
            {
                servers.Add(server);
            }
            foreach (var target in servers)
            {
                // End to end as a channel or an import does it: accept with a claim, process at once (decision 0056), then
                // the storage floor measured on the rows that run stored.
                var import = ImportInto(target, csv, folder, null, measureFloor: true);
                // Accept alone, then the ingest worker draining what was accepted: the same two steps split.
                var split = AcceptThenDrain(target, csv, folder);
                rates.Add(import.PerSecond);
                rates.Add(split.EndToEnd);
                Console.WriteLine($"[{import.Provider}] end to end {import.PerSecond:F0} msg/s (import: accept + processing), {split.EndToEnd:F0} msg/s (accept, then worker until drained); "
                    + $"accept alone {split.Accept:F0} msg/s; storage floor {import.Floor:F0} msg/s; end to end / floor = {import.PerSecond / import.Floor:P0}; load average {LoadAverages()}");
            }
            if (rates.Count == 0)
            {
                Console.Error.WriteLine("--no-sqlite needs RAPPORT_BENCH_POSTGRES (a PostgreSQL server's connection string).");
                return 2;
            }
            Console.WriteLine($"target: {(rates.Min() >= TargetPerSecond ? "met" : "MISSED")} ({rates.Min():F0} ≥ {TargetPerSecond:F0} messages/s)");
            Console.WriteLine($"ingest-throughput: {rates.Min():F0} msg/s");
            return 0;
        }
        finally
        {
            Delete(folder);
        }
    }

    public static int Memory(string[] args)
    {
        var bytes = (long)(Option(args, "--size-mb", 1024) * 1024 * 1024);
        var folder = TempFolder();
        try
        {
            var csv = Path.Combine(folder, "messages.csv");
            var sw = Stopwatch.StartNew();
            var file = new FileInfo(csv);
            // Messages of about this many characters (default: the analysis benchmark's short ones); e-mail bodies of a few KB
            // make a 1 GB file of a few hundred thousand messages instead of millions.
            var textChars = (int)Option(args, "--text-chars", 1);
            Generate(csv, _ => file.Length < bytes, file, textChars);
            file.Refresh();
            Console.WriteLine($"import-memory: {file.Length / 1e6:F1} MB of CSV (messages of {textChars:N0}+ characters) generated in {sw.Elapsed.TotalSeconds:F1} s");
            GC.Collect();
            var marks = new SortedDictionary<int, string>();
            var result = ImportInto(null, csv, folder, p =>
            {
                var percent = p.TotalBytes == 0 ? 100 : (int)(p.BytesRead * 100 / p.TotalBytes);
                foreach (var mark in new[] { 10, 50, 100 })
                {
                    if (percent >= mark && !marks.ContainsKey(mark))
                    {
                        marks[mark] = $"{p.Rows:N0} rows: working set {WorkingSetMb():F0} MB (peak {PeakMb():F0} MB), "
                            + $"managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MB (after the last GC {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:F0} MB, GC #{GC.CollectionCount(0)})";
                    }
                }
            });
            foreach (var (mark, figures) in marks)
            {
                Console.WriteLine($"  at {mark,3} %: {figures}");
            }
            Console.WriteLine($"{result.Imported:N0} messages at {result.PerSecond:F0} msg/s");
            Console.WriteLine($"import-memory: {PeakMb():F0} MB");
            return 0;
        }
        finally
        {
            Delete(folder);
        }
    }

    private sealed record Result(long Imported, double PerSecond, string Provider = "", double Floor = 0);

    private sealed record Split(double Accept, double EndToEnd);

    private static Result ImportInto(string? postgresServer, string csv, string folder, Action<ImportProgress>? onProgress, bool measureFloor = false)
    {
        using var bench = BenchDatabase.Create(postgresServer, folder, []);
        var (cli, factory, workspace, channel, name) = (bench.Cli, bench.Factory, bench.Workspace, bench.Channel, bench.Name);
        using var scope = cli.Services.CreateScope();
        var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
        using var stream = File.OpenRead(csv);
        // The default model is trained once per process on first use (seconds): a start-up cost, not throughput.
        _ = Analysis.TextAnalyzer.Default;
        var sw = Stopwatch.StartNew();
        var cpu = CpuTime();
        var lastReport = TimeSpan.Zero;
        var summary = import.ImportAsync(workspace.Id, channel.Id, stream, "messages.csv", new SyncProgress(p =>
        {
            onProgress?.Invoke(p);
            if (sw.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = sw.Elapsed;
                Console.WriteLine($"[{name}] {p.Rows:N0} rows, {p.Rows / sw.Elapsed.TotalSeconds:F0} msg/s");
            }
        })).GetAwaiter().GetResult();
        var seconds = sw.Elapsed.TotalSeconds;
        if (summary.ErrorCount > 0)
        {
            throw new InvalidOperationException($"The generated file had refused rows: {summary.Errors[0].Error}");
        }
        var perSecond = summary.Imported / seconds;
        // The machine may be shared: this process's CPU time per message does not depend on what else runs (the database server's does not count).
        var cpuPerMessage = (CpuTime() - cpu).TotalMicroseconds / Math.Max(1, summary.Imported);
        Console.WriteLine($"[{name}] {summary.Imported:N0} messages imported in {seconds:F1} s: {perSecond:F0} msg/s; {cpuPerMessage:F0} µs of CPU per message in this process; "
            + $"peak working set {PeakMb():F0} MB; load average {LoadAverage()}");
        var floor = measureFloor ? StorageFloor(cli, folder, summary.Imported) : 0;
        return new Result(summary.Imported, perSecond, name, floor);
    }

    /// <summary>
    /// The file's rows accepted alone (stored as received, unclaimed, in the import's batch size), then processed by the
    /// ingest worker until nothing is left: accept alone, and accept then process end to end.
    /// </summary>
    private static Split AcceptThenDrain(string? postgresServer, string csv, string folder)
    {
        using var bench = BenchDatabase.Create(postgresServer, folder, [$"--Rapport:Ingest:BatchSize={ImportService.RowsPerBatch}"]);
        var (cli, factory, workspace, channel, name) = (bench.Cli, bench.Factory, bench.Workspace, bench.Channel, bench.Name);
        _ = Analysis.TextAnalyzer.Default;
        using var scope = cli.Services.CreateScope();
        var ingest = scope.ServiceProvider.GetRequiredService<Rapport.Ingest.IngestService>();
        var sw = Stopwatch.StartNew();
        long accepted = 0;
        using (var db = factory.CreateDbContext())
        using (var stream = File.OpenRead(csv))
        {
            var batch = new List<Rapport.Ingest.InboundItem>(ImportService.RowsPerBatch);
            var rows = MessageFile.ReadAsync(stream, "messages.csv", channel.Id).GetAsyncEnumerator();
            while (rows.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                batch.Add(rows.Current.Item!);
                if (batch.Count == ImportService.RowsPerBatch)
                {
                    accepted += ingest.AcceptAsync(db, workspace.Id, batch, claim: false).GetAwaiter().GetResult();
                    batch.Clear();
                }
            }
            accepted += ingest.AcceptAsync(db, workspace.Id, batch, claim: false).GetAwaiter().GetResult();
        }
        var acceptSeconds = sw.Elapsed.TotalSeconds;
        var drained = cli.Services.GetRequiredService<Rapport.Ingest.IngestWorker>().DrainAsync().GetAwaiter().GetResult();
        var seconds = sw.Elapsed.TotalSeconds;
        using (var db = factory.CreateDbContext())
        {
            var messages = db.Messages.Count();
            Console.WriteLine($"[{name}] {accepted:N0} accepted in {acceptSeconds:F1} s ({accepted / acceptSeconds:F0} msg/s), {drained:N0} processed by the worker in {seconds - acceptSeconds:F1} s "
                + $"({drained / (seconds - acceptSeconds):F0} msg/s): {messages:N0} messages stored, {accepted / seconds:F0} msg/s end to end; load average {LoadAverage()}");
            if (messages != accepted)
            {
                throw new InvalidOperationException($"{accepted} items accepted but {messages} messages stored.");
            }
        }
        return new Split(accepted / acceptSeconds, accepted / seconds);
    }

    /// <summary>
    /// A fresh database (a SQLite folder, or a PostgreSQL database dropped afterwards) migrated by the CLI's own services,
    /// with one workspace and one import channel to ingest into.
    /// </summary>
    private sealed class BenchDatabase : IDisposable
    {
        private string? postgresServer;
        private string? database;

        public required CliServices Cli { get; init; }
        public required RapportDbContextFactory Factory { get; init; }
        public required Workspace Workspace { get; init; }
        public required Channel Channel { get; init; }
        public string Name => Factory.Provider.ToString();

        public static BenchDatabase Create(string? postgresServer, string folder, string[] settings)
        {
            string[] config = [$"--Rapport:DataFolder={Path.Combine(folder, "data-" + Guid.NewGuid().ToString("N")[..6])}", .. settings];
            string? database = null;
            if (postgresServer is not null)
            {
                var builder = new NpgsqlConnectionStringBuilder(postgresServer) { Database = "rapport_bench_" + Guid.NewGuid().ToString("N")[..8] };
                database = builder.Database;
                config = [.. config, $"--Rapport:Postgres={builder.ConnectionString}", "--Rapport:MigrateOnStart=true"];
            }
            var cli = CliServices.Create(config);
            cli.PrepareDatabaseAsync(default).GetAwaiter().GetResult();
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            var now = DateTime.UtcNow;
            var workspace = new Workspace { Name = "Bench", Slug = "bench", CreatedAt = now };
            var channel = new Channel { WorkspaceId = workspace.Id, Name = "Import", Kind = ChannelKind.Import, Direction = ChannelDirection.Inbox, CreatedAt = now };
            using (var db = factory.CreateDbContext())
            {
                db.Workspaces.Add(workspace);
                db.Channels.Add(channel);
                db.SaveChanges();
            }
            return new BenchDatabase { Cli = cli, Factory = factory, Workspace = workspace, Channel = channel, postgresServer = postgresServer, database = database };
        }

        public void Dispose()
        {
            Cli.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            if (database is not null)
            {
                using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgresServer) { Database = "postgres" }.ConnectionString);
                admin.Open();
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
                drop.ExecuteNonQuery();
            }
        }
    }

    /// <summary>The tables ingest writes, in the order their foreign keys need.</summary>
    private static readonly string[] IngestTables =
        ["Contacts", "ContactIdentities", "Conversations", "Messages", "MessageAnalyses", "ReportingEvents", "ReceivedItems"];

    /// <summary>
    /// The storage floor: the rows the import stored, copied by the database itself (INSERT … SELECT, one transaction)
    /// into empty tables with the same indexes and full-text search. On SQLite, a fresh database made by the same
    /// migrations (indexes and full-text triggers), attached; on PostgreSQL, a schema of tables made LIKE the real ones
    /// INCLUDING ALL (indexes, the full-text expression index; not the foreign keys). Messages per second.
    /// </summary>
    private static double StorageFloor(CliServices cli, string folder, long messages)
    {
        var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
        using var db = factory.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        connection.Open();
        string schema;
        if (connection is NpgsqlConnection)
        {
            schema = "floor";
            Execute(connection, "CREATE SCHEMA floor");
            foreach (var table in IngestTables)
            {
                Execute(connection, $"CREATE TABLE floor.\"{table}\" (LIKE public.\"{table}\" INCLUDING ALL)");
            }
        }
        else
        {
            // An empty database with the same schema: a second data folder, migrated as the first.
            using var empty = CliServices.Create([$"--Rapport:DataFolder={Path.Combine(folder, "floor-" + Guid.NewGuid().ToString("N")[..6])}"]);
            empty.PrepareDatabaseAsync(default).GetAwaiter().GetResult();
            string path;
            using (var emptyDb = empty.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
            {
                path = emptyDb.Database.GetDbConnection().DataSource;
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            schema = "floor";
            // Like the PostgreSQL copy, which has no foreign keys: the floor is the rows, their indexes and full-text search.
            Execute(connection, "PRAGMA foreign_keys = OFF");
            Execute(connection, $"ATTACH DATABASE '{path.Replace("'", "''", StringComparison.Ordinal)}' AS floor");
        }
        var sw = Stopwatch.StartNew();
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var table in IngestTables)
            {
                Execute(connection, $"INSERT INTO {schema}.\"{table}\" SELECT * FROM \"{table}\"", transaction);
            }
            transaction.Commit();
        }
        return messages / sw.Elapsed.TotalSeconds;
    }

    private static void Execute(System.Data.Common.DbConnection connection, string sql, System.Data.Common.DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Rows in the documented CSV format while <paramref name="more"/> says so: one customer in three writes again,
    /// answering their previous message, as threads do; texts from the analysis benchmark's templates.
    /// </summary>
    private static void Generate(string path, Func<long, bool> more, FileInfo? watch = null, int textChars = 1)
    {
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16))
        {
            writer.WriteLine("external_id,author,author_name,text,created_at,in_reply_to");
            var random = new Random(11);
            var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            long row = 0;
            while (true)
            {
                var texts = Bench.Throughput.Messages(10_000, seed: (int)(row / 10_000));
                for (var t = 0; t < texts.Length; t++)
                {
                    var text = texts[t];
                    for (var next = t + 1; text.Length < textChars; next++)
                    {
                        text += "\n" + texts[next % texts.Length];
                    }
                    if (!more(row) || (watch is not null && row % 10_000 == 0 && Flushed(writer, watch) && !more(row)))
                    {
                        return;
                    }
                    var replying = row > 0 && random.Next(3) == 0;
                    var parent = replying ? row - 1 - random.Next((int)Math.Min(row, 50)) : -1;
                    var customer = replying ? parent % 100_000 + 1 : row % 100_000 + 1;
                    writer.Write(row + 1);
                    writer.Write(",@customer");
                    writer.Write(customer);
                    writer.Write(",Customer ");
                    writer.Write(customer);
                    writer.Write(",\"");
                    writer.Write(text.Replace("\"", "\"\"", StringComparison.Ordinal));
                    writer.Write("\",");
                    writer.Write(start.AddSeconds(row * 3).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                    writer.Write(',');
                    if (replying)
                    {
                        writer.Write(parent + 1);
                    }
                    writer.WriteLine();
                    row++;
                }
            }
        }
    }

    private static bool Flushed(StreamWriter writer, FileInfo file)
    {
        writer.Flush();
        file.Refresh();
        return true;
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The 1-minute load average where the system tells it (Linux), to read the figures of a shared machine.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static double WorkingSetMb()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1048576.0;
    }

    private static double PeakMb()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>Reports on the importing thread, at once: Progress&lt;T&gt; would post to the thread pool and measure late.</summary>
    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    private static string TempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static void Delete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
    }
}
