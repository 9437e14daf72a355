using System.CommandLine;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Rapport.Data;

namespace Rapport.Cli;

/// <summary>
/// `rapport backup FILE` and `rapport restore FILE --replace`: the whole of a Rapport, which is its database. Messages,
/// attachments, models and the data-protection keys that decrypt channel secrets all live there (the key certificate,
/// when one is set, stays outside on purpose: keep it with the backups, not in them).
/// SQLite is copied with its online backup API, a consistent copy while the server runs; PostgreSQL with its own
/// pg_dump and pg_restore (the postgresql-client package), whose custom format restores into any empty or older
/// database of the same version or later.
/// </summary>
public static class BackupCommands
{
    /// <summary>The first bytes of each kind of backup file, so a restore refuses the wrong one before touching anything.</summary>
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();
    private static readonly byte[] PostgresHeader = "PGDMP"u8.ToArray();

    public static Command Backup()
    {
        var file = new Argument<FileInfo>("file") { Description = "Where to write the backup (it must not exist yet)." };
        var command = new Command("backup", "Copy the whole database (every workspace, message, secret and model) into one file, while the server runs.") { file };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var target = result.GetValue(file)!;
            if (target.Exists)
            {
                await Console.Error.WriteLineAsync($"{target.FullName} exists already; choose a new name, so no backup is overwritten.");
                return 2;
            }
            Directory.CreateDirectory(target.DirectoryName!);
            var options = Options([.. result.UnmatchedTokens]);
            try
            {
                if (RapportDbContextFactory.ProviderFor(options) == DatabaseProvider.Sqlite)
                {
                    await using var source = new SqliteConnection(RapportDbContextFactory.SqliteConnectionString(options));
                    await using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target.FullName, Pooling = false }.ConnectionString);
                    await source.OpenAsync(ct);
                    await copy.OpenAsync(ct);
                    source.BackupDatabase(copy);
                }
                else
                {
                    await PostgresToolAsync("pg_dump", options.Postgres!, ["--format=custom", "--no-owner", "--no-privileges", "--file", target.FullName], ct);
                }
            }
            catch (Exception e)
            {
                // A half-written backup is worse than none: it would be found later and trusted.
                target.Refresh();
                if (target.Exists)
                {
                    target.Delete();
                }
                if (e is OperationCanceledException)
                {
                    throw;
                }
                await Console.Error.WriteLineAsync("No backup was written: " + e.Message);
                return 1;
            }
            target.Refresh();
            Console.WriteLine($"Backed up the {RapportDbContextFactory.ProviderFor(options)} database to {target.FullName} ({target.Length:N0} bytes).");
            return 0;
        });
        return command;
    }

    public static Command Restore()
    {
        var file = new Argument<FileInfo>("file") { Description = "A file written by `rapport backup` on the same kind of database." };
        var replace = new Option<bool>("--replace") { Description = "Confirm that everything in the configured database is replaced by the backup." };
        var command = new Command("restore", "Replace the whole database with a backup. Stop every Rapport server first.") { file, replace };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var source = result.GetValue(file)!;
            if (!source.Exists)
            {
                await Console.Error.WriteLineAsync($"{source.FullName} does not exist.");
                return 2;
            }
            var options = Options([.. result.UnmatchedTokens]);
            var provider = RapportDbContextFactory.ProviderFor(options);
            var header = new byte[SqliteHeader.Length];
            await using (var stream = source.OpenRead())
            {
                await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
            }
            var expected = provider == DatabaseProvider.Sqlite ? SqliteHeader : PostgresHeader;
            if (!header.AsSpan().StartsWith(expected))
            {
                await Console.Error.WriteLineAsync($"{source.FullName} is not a backup of a {provider} database written by `rapport backup`; nothing was changed.");
                return 2;
            }
            if (!result.GetValue(replace))
            {
                await Console.Error.WriteLineAsync("Restoring replaces everything in the configured database. Stop every Rapport server, then run again with --replace.");
                return 2;
            }
            if (provider == DatabaseProvider.Sqlite)
            {
                await using var backup = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source.FullName, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
                await using var live = new SqliteConnection(RapportDbContextFactory.SqliteConnectionString(options));
                await backup.OpenAsync(ct);
                await live.OpenAsync(ct);
                // The backup API replaces the destination's every page in one step: no mix of old and restored rows.
                backup.BackupDatabase(live);
                SqliteConnection.ClearAllPools();
            }
            else
            {
                try
                {
                    // --clean drops what the backup holds before recreating it, in one transaction: all of it or none.
                    await PostgresToolAsync("pg_restore", options.Postgres!,
                        ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", source.FullName], ct);
                }
                catch (InvalidOperationException e)
                {
                    await Console.Error.WriteLineAsync("Nothing was restored: " + e.Message);
                    return 1;
                }
            }
            await using var db = new RapportDbContextFactory(options).CreateDbContext();
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            Console.WriteLine($"Restored the {provider} database from {source.FullName}."
                + (pending > 0 ? $" It predates this version by {pending} migration(s): run `rapport migrate` before starting the servers." : ""));
            return 0;
        });
        return command;
    }

    private static RapportOptions Options(string[] hostArgs)
    {
        using var cli = CliServices.Create(hostArgs);
        return cli.Services.GetRequiredService<IOptions<RapportOptions>>().Value;
    }

    /// <summary>Runs pg_dump or pg_restore on the configured database; the password travels in the environment, never on the command line.</summary>
    private static async Task PostgresToolAsync(string tool, string connectionString, string[] arguments, CancellationToken ct)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("--dbname=" + connection.Database);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        if (connection.Password is { Length: > 0 } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{tool} was not found: install PostgreSQL's client tools (Debian: apt install postgresql-client) in the same major version as the server or later.");
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(ct);
            var output = process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {(await errors).Trim()} {(await output).Trim()}".Trim());
            }
        }
    }
}
