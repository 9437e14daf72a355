using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Export;

namespace Rapport.Cli;

/// <summary>`rapport export`: a workspace's data of one kind over a period, streamed to a file as CSV or JSON Lines (docs/export.md).</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var workspace = new Option<string>("--workspace") { Description = "The workspace: its id or its slug.", Required = true };
        var what = new Option<ExportWhat>("--what") { Description = "conversations, messages, mentions, posts, clicks, conversions or events.", Required = true };
        var format = new Option<ExportFormat>("--format") { Description = "csv (default) or jsonl.", DefaultValueFactory = _ => ExportFormat.Csv };
        var from = new Option<DateTime?>("--from") { Description = "First day (UTC, included), e.g. 2026-01-01. Default: the beginning." };
        var to = new Option<DateTime?>("--to") { Description = "Last moment (UTC, excluded), e.g. 2026-04-01. Default: now." };
        var output = new Option<FileInfo>("--out") { Description = "The file to write; - for standard output.", Required = true };
        var command = new Command("export", "Export a workspace's conversations, messages, mentions, posts, link clicks, conversions or reporting events.")
        {
            workspace, what, format, from, to, output,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            await cli.PrepareDatabaseAsync(ct);
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            await using var db = factory.CreateDbContext();
            var named = result.GetValue(workspace)!;
            var found = Guid.TryParse(named, out var id)
                ? await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct)
                : await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Slug == named, ct);
            if (found is null)
            {
                await Console.Error.WriteLineAsync($"No workspace {named}.");
                return 1;
            }
            var start = Utc(result.GetValue(from)) ?? DateTime.UnixEpoch;
            var end = Utc(result.GetValue(to)) ?? DateTime.UtcNow;
            var kind = result.GetValue(what);
            var shape = result.GetValue(format);
            var service = cli.Services.GetRequiredService<ExportService>();
            var total = await service.CountAsync(db, found.Id, kind, start, end, ct);
            var file = result.GetValue(output)!;
            var toStdout = file.Name == "-";
            await using var stream = toStdout ? Console.OpenStandardOutput() : new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, true);
            var bar = new ProgressBar(total);
            var rows = await ExportService.WriteAsync(service.Open(db, found.Id, kind, start, end), shape, stream, bar, ct);
            bar.Done();
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Exported {rows:N0} {kind.ToString().ToLowerInvariant()} of {found.Slug} ({start:yyyy-MM-dd} to {end:yyyy-MM-dd}){(toStdout ? "" : " to " + file.FullName)}."));
            return 0;
        });
        return command;
    }

    private static DateTime? Utc(DateTime? value) => value is { } v ? (v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : null;

    /// <summary>A bar on standard error, redrawn in place; the data itself goes to the file (or standard output) untouched.</summary>
    private sealed class ProgressBar(int total) : IProgress<long>
    {
        private const int Width = 30;

        public void Report(long value)
        {
            var share = total == 0 ? 1 : Math.Min(1, value / (double)total);
            var filled = (int)Math.Round(share * Width);
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {share,4:P0} {value:N0}/{total:N0} rows"));
        }

        public void Done() => Console.Error.WriteLine();
    }
}
