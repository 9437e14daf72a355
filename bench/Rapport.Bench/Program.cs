using System.Diagnostics;
using System.Globalization;
using Rapport.Analysis;
using Rapport.Analysis.Evaluation;

namespace Rapport.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var name = args.Length > 0 ? args[0] : "help";
        switch (name)
        {
            case "analysis-throughput":
                Throughput.Run();
                return 0;
            case "inbox-latency":
                return InboxLatency.Run(args);
            case "chat-latency":
                return ChatLatency.Run(args);
            case "cluster-load":
                return ClusterLoad.Run(args);
            case "link-redirect":
                return LinkRedirect.Run(args);
            case "outcome-report":
                return OutcomeReport.Run(args);
            case "ingest-throughput":
                return Ingest.Throughput(args);
            case "listening-throughput":
                return Listening.Throughput(args);
            case "listening-dashboard":
                return ListeningDashboardLatency.Run(args);
            case "import-memory":
                return Ingest.Memory(args);
            case "publish-punctuality":
                return PublishPunctuality.Run(args);
            case "post-review":
                return PostReview.Run(args);
            case "accuracy":
                return Accuracy.Run(args);
            case "similarity":
                return Similarity.Run(args);
            case "spike-quality":
                return SpikeQuality.Run(args);
            case "complaint-threshold":
                {
                    // How EvaluationRunner.ComplaintThreshold is derived: from the seed corpus only (docs/decisions/0012).
                    var sw = Stopwatch.StartNew();
                    var d = ComplaintThresholdRule.DeriveFromSeed();
                    foreach (var c in d.Curve.Where(c => Math.Round(c.Threshold * 100) % 5 == 0 || c.Threshold == d.Threshold))
                    {
                        Console.WriteLine($"  t={c.Threshold:F2} recall={c.Recall:F3} precision={c.Precision:F3}");
                    }
                    Console.WriteLine($"{d} ({sw.Elapsed.TotalSeconds:F1} s); constant in the library: {EvaluationRunner.ComplaintThreshold:F2}");
                    Console.WriteLine($"complaint-threshold: {d.Threshold:F2} P(complaint)");
                    return 0;
                }
            case "sentiment-calibrate":
                return SentimentCalibrate.Run(args);
            case "seed-cv":
                SeedCv();
                return 0;
            case "eval":
                {
                    // eval TASK TEST [train FILE] [cv K] [label COLUMN] [text COLUMN]: the library's entry point, as the CLI calls it.
                    var o = new EvalOptions(EvalOptions.ParseTask(args[1]), args[2]);
                    for (var i = 3; i + 1 < args.Length; i += 2)
                    {
                        o = args[i] switch
                        {
                            "train" => o with { TrainPath = args[i + 1] },
                            "cv" => o with { CvFolds = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                            "label" => o with { LabelColumn = args[i + 1] },
                            "text" => o with { TextColumn = args[i + 1] },
                            _ => o,
                        };
                    }
                    var report = EvaluationRunner.Run(o);
                    Console.WriteLine(report.ToText());
                    Console.WriteLine($"eval: {report.MacroF1:F4} macro-F1 ({report.Seconds:F1} s)");
                    return 0;
                }
            case "probe":
                foreach (var t in args.Skip(1))
                {
                    var r = TextAnalyzer.Default.Analyze(t);
                    Console.WriteLine($"{t}\n  lang={r.Language.Value}({r.Language.Confidence}) intent={r.Intent.Value}({r.Intent.Confidence}) [{string.Join("|", r.Intent.Evidence)}] needs={r.NeedsAnswer.Value} sent={r.Sentiment.Value} {r.SentimentScore} [{string.Join("|", r.Sentiment.Evidence)}] urg=[{string.Join(",", r.Urgency.Select(u => u.Value + ":" + string.Join("/", u.Evidence)))}] kp=[{string.Join("|", r.KeyPhrases)}]");
                }
                return 0;
            default:
                Console.Error.WriteLine("usage: Rapport.Bench NAME: analysis-throughput | inbox-latency [--scale S] [--runs N] [--keep] [--no-sqlite] | chat-latency [--runs N] | link-redirect [--requests N] [--concurrency C] [--postgres CONNECTION] | outcome-report [--scale S] [--runs N] [--keep] [--no-sqlite] | ingest-throughput [--count N] [--no-sqlite] | import-memory [--size-mb N] | listening-throughput [--count N] [--topics T] | listening-dashboard [--scale S] [--runs N] [--keep] [--no-sqlite] | post-review [--posts N] [--runs R] | publish-punctuality [--count N] [--minutes M] [--keep] | accuracy [--eval DIR] [--only SET] [--no-peers] | spike-quality [--series N] [--dev] [--eval DIR] | complaint-threshold | sentiment-calibrate [--eval DIR] | seed-cv | eval TASK TEST [train FILE] [cv K] [label COL] [text COL] | probe TEXT...");
                return 2;
        }
    }

    private static void SeedCv()
    {
        var sw = Stopwatch.StartNew();
        var model = AnalyzerModel.Train([]);
        Console.WriteLine($"train on {model.ExampleCount} seed examples: {sw.ElapsedMilliseconds} ms, version {model.Version}");
        sw.Restart();
        var cv = AnalyzerModel.CrossValidate([], 5);
        Console.WriteLine($"5-fold CV: {sw.ElapsedMilliseconds} ms");
        foreach (var (head, m) in new[] { ("intent", cv.Intent), ("needs_answer", cv.NeedsAnswer), ("sentiment", cv.Sentiment) })
        {
            Console.WriteLine($"{head}: acc {m.Accuracy:F3} macro-F1 {m.MacroF1:F3}  " + string.Join(" ", m.PerClass.Select(c => $"{c.Label}={c.F1:F2}")));
        }
        Console.WriteLine($"seed-cv: {cv.Intent.MacroF1:F3} intent-macro-F1");
    }
}
