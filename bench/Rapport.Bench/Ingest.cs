using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Cli;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Bench;

/// <summary>
/// ingest-throughput [--count N] [--no-sqlite]: N generated messages (1,000,000 by default) imported from a CSV through
/// the one ingest path (ImportService, IngestService, analysis), into a fresh SQLite database, and into PostgreSQL too
/// when RAPPORT_BENCH_POSTGRES holds a server's connection string. Target: 5,000 messages/s.
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
            var rates = new List<double>();
            if (!args.Contains("--no-sqlite"))
            {
                rates.Add(ImportInto(null, csv, folder, null).PerSecond);
            }
            if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is { Length: > 0 } server)
            {
                rates.Add(ImportInto(server, csv, folder, null).PerSecond);
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

    private sealed record Result(long Imported, double PerSecond);

    private static Result ImportInto(string? postgresServer, string csv, string folder, Action<ImportProgress>? onProgress)
    {
        string[] config = [$"--Rapport:DataFolder={Path.Combine(folder, "data-" + Guid.NewGuid().ToString("N")[..6])}"];
        string? database = null;
        if (postgresServer is not null)
        {
            var builder = new NpgsqlConnectionStringBuilder(postgresServer) { Database = "rapport_bench_" + Guid.NewGuid().ToString("N")[..8] };
            database = builder.Database;
            config = [.. config, $"--Rapport:Postgres={builder.ConnectionString}", "--Rapport:MigrateOnStart=true"];
        }
        try
        {
            using var cli = CliServices.Create(config);
            cli.PrepareDatabaseAsync(default).GetAwaiter().GetResult();
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            var name = factory.Provider.ToString();
            var now = DateTime.UtcNow;
            var workspace = new Workspace { Name = "Bench", Slug = "bench", CreatedAt = now };
            var channel = new Channel { WorkspaceId = workspace.Id, Name = "Import", Kind = ChannelKind.Import, Direction = ChannelDirection.Inbox, CreatedAt = now };
            using (var db = factory.CreateDbContext())
            {
                db.Workspaces.Add(workspace);
                db.Channels.Add(channel);
                db.SaveChanges();
            }
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
            return new Result(summary.Imported, perSecond);
        }
        finally
        {
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
