using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Evaluation;
using Rapport.Analysis.Training;
using Rapport.Data;
using Rapport.Learning;

namespace Rapport.Cli;

/// <summary>`rapport train` and `rapport eval`: the workspace's model and the evaluation the benchmarks use.</summary>
public static class LearningCommands
{
    public static Command Train()
    {
        var workspace = new Option<string?>("--workspace") { Description = "The workspace's slug; needed only when there are several." };
        var from = new Option<FileInfo?>("--from") { Description = "A labelled CSV (columns text, intent, needs_answer, sentiment; any may be missing) added to the workspace's examples first." };
        var rollback = new Option<bool>("--rollback") { Description = "Make the previous model current again instead of training." };
        var command = new Command("train", "Retrain the workspace's model on the seed corpus plus its corrections; it replaces the current model only if cross-validation says it is not worse.")
        {
            workspace, from, rollback,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            await cli.PrepareDatabaseAsync(ct);
            var workspaceId = await FindWorkspaceAsync(factory, result.GetValue(workspace), ct);
            if (workspaceId is null)
            {
                return 2;
            }
            await using var scope = cli.Services.CreateAsyncScope();
            var training = scope.ServiceProvider.GetRequiredService<WorkspaceTraining>();
            if (result.GetValue(rollback))
            {
                var rolled = await training.RollBackAsync(workspaceId.Value, ct);
                Console.WriteLine(rolled ? "The previous model is current again." : "There is no previous model to roll back to.");
                return rolled ? 0 : 1;
            }
            if (result.GetValue(from) is { } file)
            {
                if (!file.Exists)
                {
                    await Console.Error.WriteLineAsync($"No such file: {file.FullName}");
                    return 2;
                }
                var added = await training.AddExamplesAsync(workspaceId.Value, LabelledCsv.Load(file.FullName), ct);
                Console.WriteLine($"Added {added} labelled example(s) from {file.Name}.");
            }
            Console.WriteLine("Training on the seed corpus and the workspace's corrections, with cross-validation…");
            var outcome = await training.TrainAsync(workspaceId.Value, ct);
            Console.WriteLine($"{"head",-14}{"candidate",10}{"current",10}");
            foreach (var (head, score) in outcome.Candidate)
            {
                var baseline = outcome.Baseline?.GetValueOrDefault(head);
                Console.WriteLine($"{head,-14}{score,10:0.000}{(baseline is null ? "" : baseline.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),10}");
            }
            Console.WriteLine(outcome.Replaced
                ? $"Model {outcome.Number} ({outcome.Corrections} correction(s), {outcome.Examples} examples) is now current; the previous one is kept (train --rollback)."
                : $"Model {outcome.Number} scored worse than the current one and was kept aside; the current model stays.");
            return 0;
        });
        return command;
    }

    public static Command Eval()
    {
        var task = new Option<string>("--task") { Description = "complaint, sentiment, toxicity, clickbait or intent.", Required = true };
        var test = new Option<FileInfo>("--test") { Description = "The labelled CSV to evaluate on.", Required = true };
        var train = new Option<FileInfo?>("--train") { Description = "Train on this CSV, then test on --test." };
        var cv = new Option<int?>("--cv") { Description = "Stratified K-fold cross-validation on --test." };
        var textColumn = new Option<string?>("--text-column") { Description = "Default: text, else headline." };
        var labelColumn = new Option<string?>("--label-column") { Description = "Default: the column named after the task, else label." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the text report." };
        var command = new Command("eval", "Evaluate the understanding engine on a labelled CSV: zero-shot (the shipped model), --train FILE, or --cv K.")
        {
            task, test, train, cv, textColumn, labelColumn, json,
        };
        command.SetAction(result =>
        {
            var testFile = result.GetValue(test)!;
            var trainFile = result.GetValue(train);
            if (!testFile.Exists || trainFile is { Exists: false })
            {
                Console.Error.WriteLine($"No such file: {(testFile.Exists ? trainFile!.FullName : testFile.FullName)}");
                return 2;
            }
            if (trainFile is not null && result.GetValue(cv) is not null)
            {
                Console.Error.WriteLine("Use either --train or --cv, not both.");
                return 2;
            }
            EvalReport report;
            try
            {
                report = EvaluationRunner.Run(new EvalOptions(EvalOptions.ParseTask(result.GetValue(task)!), testFile.FullName, trainFile?.FullName,
                    result.GetValue(cv), result.GetValue(textColumn), result.GetValue(labelColumn)));
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine(result.GetValue(json) ? report.ToJson() : report.ToText());
            return 0;
        });
        return command;
    }

    private static async Task<Guid?> FindWorkspaceAsync(RapportDbContextFactory factory, string? slug, CancellationToken ct)
    {
        await using var db = factory.CreateDbContext();
        var found = await db.Workspaces.Where(w => slug == null || w.Slug == slug).Select(w => w.Id).Take(2).ToListAsync(ct);
        if (found.Count == 1)
        {
            return found[0];
        }
        await Console.Error.WriteLineAsync(found.Count == 0 ? "No such workspace." : "There are several workspaces: name one with --workspace SLUG.");
        return null;
    }
}
