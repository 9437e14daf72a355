using System.Globalization;
using System.Text;
using Rapport.Analysis.Evaluation;

namespace Rapport.Bench;

/// <summary>
/// Every labelled set in shared/eval that fits a task, through the same <see cref="EvaluationRunner"/> as
/// <c>rapport eval</c>; ours next to the best published number of each SOURCE.txt, as a markdown table.
/// </summary>
internal static class Accuracy
{
    private sealed record Row(string Set, EvalTask Task, string Test, string? Train, int? Cv, string Metric, double? Target, string Published, string? LabelColumn = null, string? Only = null);

    public static string? FindEvalDirectory(string? given)
    {
        if (given is not null)
        {
            return Directory.Exists(given) ? Path.GetFullPath(given) : null;
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "eval"), Path.Combine(dir.FullName, "..", "shared", "eval") })
                {
                    if (Directory.Exists(candidate))
                    {
                        return Path.GetFullPath(candidate);
                    }
                }
            }
        }
        return null;
    }

    public static int Run(string[] args)
    {
        var given = args.SkipWhile(a => a != "--eval").Skip(1).FirstOrDefault();
        var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
        var eval = FindEvalDirectory(given);
        if (eval is null)
        {
            Console.Error.WriteLine("shared/eval not found: pass --eval DIR");
            return 1;
        }
        Console.WriteLine($"evaluation data: {eval}");
        string P(string set, string file) => Path.Combine(eval, set, file);
        var rows = new List<Row>
        {
            new("complaints-en", EvalTask.Complaint, P("complaints-en", "dev.csv"), null, 10, "macro-F1", 0.80, "0.79 F1 (paper, 10-fold); 0.882 macro-F1 (Jin & Aletras 2021)"),
            new("complaints-en", EvalTask.Complaint, P("complaints-en", "dev.csv"), null, null, "recall(1)", 0.85, "(out of the box, seed corpus only)"),
            new("sentiment-fr", EvalTask.Sentiment, P("sentiment-fr", "val.csv"), P("sentiment-fr", "train.csv"), null, "macro-F1", 0.62, "0.720 XLM-R, 0.548 fastText (test split)"),
            new("sentiment-en", EvalTask.Sentiment, P("sentiment-en", "val.csv"), null, null, "macro-recall", null, "0.737 TimeLMs-2021 (test split)"),
            new("sentiment-en", EvalTask.Sentiment, P("sentiment-en", "val.csv"), null, 10, "macro-recall", null, "0.737 TimeLMs-2021 (test split)"),
            new("offensive-en", EvalTask.Toxicity, P("offensive-en", "val.csv"), P("offensive-en", "train.csv"), null, "macro-F1", 0.75, "0.822 TimeLMs-2021; 0.829 OffensEval 2019 winner"),
            new("offensive-en", EvalTask.Toxicity, P("offensive-en", "val.csv"), null, null, "macro-F1", null, "(zero-shot: our toxicity rules)"),
            new("toxicity-fr", EvalTask.Toxicity, P("toxicity-fr", "dev.csv"), null, 10, "macro-F1", null, "none given in SOURCE.txt"),
            new("clickbait-en", EvalTask.Clickbait, P("clickbait-en", "dev.csv"), null, 10, "accuracy", 0.95, "~0.93 SVM (paper); 0.98-0.99 transformers"),
            new("clickbait-en", EvalTask.Clickbait, P("clickbait-en", "dev.csv"), null, null, "accuracy", null, "(zero-shot: post-review bait detector)"),
            new("banking77-en", EvalTask.Intent, P("banking77-en", "train.csv"), null, 5, "accuracy", null, "0.934 accuracy USE+ConveRT (full data, test split)", "category"),
        };
        var table = new StringBuilder();
        table.AppendLine("| set | task | mode | n | metric | ours | target | met | best published |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|");
        int targets = 0, met = 0;
        foreach (var row in rows)
        {
            if (only is not null && !row.Set.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }
            if (!File.Exists(row.Test))
            {
                Console.WriteLine($"skip {row.Set}: {row.Test} missing");
                continue;
            }
            var report = EvaluationRunner.Run(new EvalOptions(row.Task, row.Test, row.Train, row.Cv, LabelColumn: row.LabelColumn));
            var value = row.Metric switch
            {
                "macro-F1" => report.MacroF1,
                "macro-recall" => report.MacroRecall,
                "accuracy" => report.Accuracy,
                "recall(1)" => report.ForLabel("1")?.Recall ?? 0,
                _ => double.NaN,
            };
            var extra = row.Metric == "recall(1)" ? $" (precision {report.ForLabel("1")?.Precision:F3}, macro-F1 {report.MacroF1:F3})" : row.Metric != "macro-F1" ? $" (macro-F1 {report.MacroF1:F3})" : string.Empty;
            var ok = row.Target is { } t ? value >= t : (bool?)null;
            if (ok is not null)
            {
                targets++;
                met += ok.Value ? 1 : 0;
            }
            var line = string.Create(CultureInfo.InvariantCulture,
                $"| {row.Set} | {row.Task.ToString().ToLowerInvariant()} | {report.Mode} | {report.N} | {row.Metric} | {value:F3}{extra} | {(row.Target is { } tt ? "≥ " + tt.ToString("F2", CultureInfo.InvariantCulture) : "")} | {(ok is null ? "" : ok.Value ? "yes" : "no")} | {row.Published} |");
            Console.WriteLine($"{line}   [{report.Seconds:F1} s]");
            table.AppendLine(line);
        }
        Console.WriteLine();
        Console.Write(table.ToString());
        Console.WriteLine();
        // The peers beside Rapport, in this same run, on the sets they apply to (English; zero-shot against zero-shot).
        Console.WriteLine("Rapport's shipped model (seed corpus only) beside the published lexicons, same texts, same run:");
        if (args.Contains("--no-peers"))
        {
            Console.WriteLine("peers: skipped (--no-peers)");
        }
        else if (!Peers.Prepare())
        {
            Console.WriteLine($"peers: NOT RUN: {Peers.Problem}");
        }
        else
        {
            var peers = new StringBuilder();
            peers.AppendLine($"| set | metric | Rapport | {Peers.Names[0]} | {Peers.Names[1]} | Rapport / VADER | Rapport / AFINN |");
            peers.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var (set, task, file) in new[] { ("sentiment-en", EvalTask.Sentiment, P("sentiment-en", "val.csv")), ("complaints-en", EvalTask.Complaint, P("complaints-en", "dev.csv")) })
            {
                if ((only is null || set.Contains(only, StringComparison.Ordinal)) && File.Exists(file))
                {
                    foreach (var line in Peers.Compare(set, task, file))
                    {
                        peers.AppendLine(line);
                    }
                }
            }
            Console.Write(peers.ToString());
            Console.WriteLine("(sentiment-fr, toxicity-fr: not run with the peers, whose lexicons are English only)");
        }
        Console.WriteLine();
        Console.WriteLine($"accuracy: {met}/{targets} targets met");
        return 0;
    }
}
