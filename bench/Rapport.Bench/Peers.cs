using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rapport.Analysis.Evaluation;

namespace Rapport.Bench;

/// <summary>
/// The published lexicon baselines, run from their own npm packages in the same benchmark run as Rapport:
/// <c>vader-sentiment</c> 1.1.3 (VADER's compound score, the usual ±0.05 neutral band) and <c>sentiment</c> 5.0.2
/// (AFINN-165; zero is neutral). bench/peers/score.js scores a JSON array of texts read from standard input.
/// Both are English lexicons: they are run on the English sets only.
/// </summary>
internal static class Peers
{
    public static readonly string[] Names = ["VADER (vader-sentiment 1.1.3)", "AFINN (sentiment 5.0.2)"];

    /// <summary>Why the peers cannot run here, or null when they can.</summary>
    public static string? Problem { get; private set; }

    private static string? s_directory;

    /// <summary>Finds bench/peers, checks Node.js, and installs the locked packages with <c>npm ci</c> when missing.</summary>
    public static bool Prepare()
    {
        s_directory = FindDirectory();
        if (s_directory is null)
        {
            Problem = "bench/peers/package.json not found (run from the repository)";
            return false;
        }
        if (Run("node", "--version", null, s_directory, 30) is not { ExitCode: 0 })
        {
            Problem = "Node.js (node) is not on PATH: install Node.js 20 and run `npm ci` in bench/peers to compare with VADER and AFINN";
            return false;
        }
        if (!Directory.Exists(Path.Combine(s_directory, "node_modules", "vader-sentiment")) || !Directory.Exists(Path.Combine(s_directory, "node_modules", "sentiment")))
        {
            var install = Run("npm", "ci --no-audit --no-fund", null, s_directory, 300);
            if (install is not { ExitCode: 0 })
            {
                Problem = $"`npm ci` in {s_directory} failed ({install?.Error.Trim() ?? "npm not on PATH"}): the peers' packages are not installed";
                return false;
            }
        }
        return true;
    }

    /// <summary>VADER's compound score and AFINN's score for each text, in order.</summary>
    public static (double Vader, double Afinn)[]? Score(IReadOnlyList<string> texts)
    {
        if (s_directory is null)
        {
            return null;
        }
        var result = Run("node", "score.js", JsonSerializer.Serialize(texts), s_directory, 600);
        if (result is not { ExitCode: 0 })
        {
            Problem = $"bench/peers/score.js failed: {result?.Error.Trim()}";
            return null;
        }
        using var doc = JsonDocument.Parse(result.Output);
        return doc.RootElement.EnumerateArray().Select(e => (e.GetProperty("vader").GetDouble(), e.GetProperty("afinn").GetDouble())).ToArray();
    }

    /// <summary>Sentiment labels as the peers' authors define them: 0 negative, 1 neutral, 2 positive.</summary>
    public static string Sentiment(double score, bool vader) =>
        vader ? (score >= 0.05 ? "2" : score <= -0.05 ? "0" : "1") : (score > 0 ? "2" : score < 0 ? "0" : "1");

    private static string? FindDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "peers");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private sealed record Outcome(int ExitCode, string Output, string Error);

    private static Outcome? Run(string file, string arguments, string? input, string directory, int timeoutSeconds)
    {
        try
        {
            var info = new ProcessStartInfo(file, arguments)
            {
                WorkingDirectory = directory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = Encoding.UTF8,
                UseShellExecute = false,
            };
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.Write(input);
            }
            process.StandardInput.Close();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                return new Outcome(-1, "", $"timed out after {timeoutSeconds} s");
            }
            return new Outcome(process.ExitCode, output.Result, error.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// Rapport's shipped model and both peers on one English set, as rows of a markdown table: the metric of each
    /// and Rapport's figure divided by the peer's.
    /// </summary>
    public static IEnumerable<string> Compare(string set, EvalTask task, string path)
    {
        var data = EvaluationRunner.LoadLabelled(path, task);
        var scores = Score(data.Select(d => d.Text).ToList());
        if (scores is null)
        {
            yield return $"| {set} | peers not run: {Problem} | | | | | |";
            yield break;
        }
        var ours = data.Select(d => EvaluationRunner.ZeroShot(task, d.Text)).ToArray();
        var inv = CultureInfo.InvariantCulture;
        if (task == EvalTask.Sentiment)
        {
            var labels = new[] { "0", "1", "2" };
            var r = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, ours[i])), labels);
            var v = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, Sentiment(scores[i].Vader, vader: true))), labels);
            var a = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, Sentiment(scores[i].Afinn, vader: false))), labels);
            yield return string.Create(inv, $"| {set} | macro-recall | {r.MacroRecall:F3} | {v.MacroRecall:F3} | {a.MacroRecall:F3} | {r.MacroRecall / v.MacroRecall:F2} | {r.MacroRecall / a.MacroRecall:F2} |");
            yield return string.Create(inv, $"| {set} | macro-F1 | {r.MacroF1:F3} | {v.MacroF1:F3} | {a.MacroF1:F3} | {r.MacroF1 / v.MacroF1:F2} | {r.MacroF1 / a.MacroF1:F2} |");
        }
        else
        {
            // A lexicon's zero-shot complaint detector: a negative message is a complaint.
            var labels = new[] { "0", "1" };
            var r = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, ours[i])), labels);
            var v = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, Sentiment(scores[i].Vader, vader: true) == "0" ? "1" : "0")), labels);
            var a = ClassificationMetrics.Compute(data.Select((d, i) => (d.Label, Sentiment(scores[i].Afinn, vader: false) == "0" ? "1" : "0")), labels);
            ClassMetrics One(ClassificationMetrics m) => m.PerClass.First(c => c.Label == "1");
            yield return string.Create(inv, $"| {set} | recall(1) | {One(r).Recall:F3} | {One(v).Recall:F3} | {One(a).Recall:F3} | {One(r).Recall / One(v).Recall:F2} | {One(r).Recall / One(a).Recall:F2} |");
            yield return string.Create(inv, $"| {set} | precision(1) | {One(r).Precision:F3} | {One(v).Precision:F3} | {One(a).Precision:F3} | {One(r).Precision / One(v).Precision:F2} | {One(r).Precision / One(a).Precision:F2} |");
            yield return string.Create(inv, $"| {set} | macro-F1 | {r.MacroF1:F3} | {v.MacroF1:F3} | {a.MacroF1:F3} | {r.MacroF1 / v.MacroF1:F2} | {r.MacroF1 / a.MacroF1:F2} |");
        }
    }
}
