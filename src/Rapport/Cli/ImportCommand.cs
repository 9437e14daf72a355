using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Data;
using Spectre.Console;

namespace Rapport.Cli;

/// <summary>`rapport import FILE --channel NAME`: a JSON or CSV file of messages through the ingest path, with a progress bar.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A .json or .csv file of messages, or an X archive's tweets.js (formats in docs/command-line.md)." };
        var channel = new Option<string>("--channel") { Description = "The channel the messages arrived on; an import channel of that name is created if there is none.", Required = true };
        var workspace = new Option<string?>("--workspace") { Description = "The workspace's slug; needed only when there are several." };
        var command = new Command("import", "Import messages from a file through the ingest path (idempotent when re-run).") { file, channel, workspace };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"No such file: {path.FullName}");
                return 2;
            }
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            await cli.PrepareDatabaseAsync(ct);
            await using var db = factory.CreateDbContext();
            var slug = result.GetValue(workspace);
            var workspaces = await db.Workspaces.Where(w => slug == null || w.Slug == slug).Take(2).ToListAsync(ct);
            if (workspaces.Count != 1)
            {
                await Console.Error.WriteLineAsync(workspaces.Count == 0
                    ? "No such workspace. Create one first (rapport users create … --workspace SLUG)."
                    : "There are several workspaces: name one with --workspace SLUG.");
                return 2;
            }
            var ws = workspaces[0];
            var name = result.GetValue(channel)!;
            var target = await db.Channels.FirstOrDefaultAsync(c => c.WorkspaceId == ws.Id && c.Name == name, ct);
            if (target is null)
            {
                target = new Channel { WorkspaceId = ws.Id, Name = name, Kind = ChannelKind.Import, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
                db.Channels.Add(target);
                await db.SaveChangesAsync(ct);
                Console.WriteLine($"Created the import channel \"{name}\".");
            }

            await using var scope = cli.Services.CreateAsyncScope();
            var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
            await using var stream = path.OpenRead();
            ImportSummary? summary = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask($"Importing {path.Name}", maxValue: Math.Max(1, stream.Length));
                    var progress = new Progress<ImportProgress>(p => task.Value = p.BytesRead);
                    summary = await import.ImportAsync(ws.Id, target.Id, stream, path.Name, progress, ct);
                    task.Value = task.MaxValue;
                });
            Console.WriteLine($"Imported {summary!.Imported} message(s); {summary.AlreadyThere} were already there; {summary.ErrorCount} row(s) refused.");
            if (summary.BrandReplies > 0)
            {
                Console.WriteLine($"Stored {summary.BrandReplies} brand reply(ies) as the brand's answers.");
            }
            foreach (var error in summary.Errors.Take(50))
            {
                Console.WriteLine($"  line {error.Line}: {error.Error}");
            }
            return summary.ErrorCount > 0 && summary.Imported + summary.BrandReplies + summary.AlreadyThere == 0 ? 1 : 0;
        });
        return command;
    }
}
