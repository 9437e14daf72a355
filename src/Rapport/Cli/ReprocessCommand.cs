using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Ingest;

namespace Rapport.Cli;

/// <summary>
/// `rapport reprocess --workspace SLUG --since DATE`: the workspace's customer messages written since DATE analysed again
/// with its current model, and what derives from their analysis recomputed, without doing again what already happened;
/// then the mentions written since DATE (their analysis, search text and topics).
/// </summary>
public static class ReprocessCommand
{
    public static Command Create()
    {
        var workspace = new Option<string>("--workspace") { Description = "The workspace's slug.", Required = true };
        var since = new Option<string>("--since") { Description = "The first day (YYYY-MM-DD, UTC) of the messages to analyse again.", Required = true };
        var command = new Command("reprocess", "Analyse stored messages again with the current model; no rule, reply or notification is repeated.") { workspace, since };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            if (!DateTime.TryParse(result.GetValue(since), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var from))
            {
                await Console.Error.WriteLineAsync("--since takes a date, such as 2026-11-01.");
                return 2;
            }
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            await cli.PrepareDatabaseAsync(ct);
            await using var db = cli.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
            var slug = result.GetValue(workspace);
            var ws = await db.Workspaces.FirstOrDefaultAsync(w => w.Slug == slug, ct);
            if (ws is null)
            {
                await Console.Error.WriteLineAsync($"No workspace \"{slug}\".");
                return 2;
            }
            await using var scope = cli.Services.CreateAsyncScope();
            var reprocessing = scope.ServiceProvider.GetRequiredService<Reprocessing>();
            var lastPrinted = -1;
            var summary = await reprocessing.ReprocessAsync(db, ws.Id, from, new SyncProgress(p =>
            {
                // One line per tenth, so a log file shows it as well as a terminal.
                var tenth = p.Total == 0 ? 10 : p.Done * 10 / p.Total;
                if (tenth != lastPrinted)
                {
                    lastPrinted = tenth;
                    Console.WriteLine($"Analysed {p.Done:N0} of {p.Total:N0} message(s).");
                }
            }), ct);
            Console.WriteLine($"Reprocessed {summary.Messages:N0} message(s) since {from:yyyy-MM-dd}: {summary.Changed:N0} understood differently, {summary.Conversations:N0} conversation(s) updated.");
            // The mentions heard on listening channels take the same model (docs/listening.md).
            var mentions = await scope.ServiceProvider.GetRequiredService<Listening.MentionReprocessing>().ReprocessAsync(db, ws.Id, from, ct: ct);
            Console.WriteLine($"Reprocessed {mentions.Mentions:N0} mention(s) since {from:yyyy-MM-dd}: {mentions.Changed:N0} understood differently, {mentions.TopicLinksChanged:N0} topic link(s) changed.");
            return 0;
        });
        return command;
    }

    /// <summary>Reports at once, on the reprocessing's thread, in order.</summary>
    private sealed class SyncProgress(Action<ReprocessProgress> report) : IProgress<ReprocessProgress>
    {
        public void Report(ReprocessProgress value) => report(value);
    }
}
