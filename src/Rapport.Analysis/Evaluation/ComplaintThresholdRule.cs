using System.Globalization;
using Rapport.Analysis.Training;

namespace Rapport.Analysis.Evaluation;

/// <summary>One candidate threshold of the zero-shot complaint detector, measured on held-out seed folds.</summary>
/// <param name="Threshold">P(complaint) from which a message is flagged.</param>
/// <param name="Recall">Complaint recall on the held-out seed examples.</param>
/// <param name="Precision">Complaint precision on the held-out seed examples.</param>
public sealed record ComplaintThresholdPoint(double Threshold, double Recall, double Precision);

/// <summary>The threshold chosen by <see cref="ComplaintThresholdRule"/> and the curve it was chosen from.</summary>
public sealed record ComplaintThresholdDerivation(double Threshold, double Recall, double Precision, int Complaints, int Examples, IReadOnlyList<ComplaintThresholdPoint> Curve)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"threshold {Threshold:F2}: held-out seed complaint recall {Recall:F3}, precision {Precision:F3} ({Complaints} complaints in {Examples} intent-labelled examples)");
}

/// <summary>
/// How <see cref="EvaluationRunner.ComplaintThreshold"/> is chosen, from our own seed corpus only (never from
/// an evaluation set; docs/decisions/0012): the seed corpus is split into stratified folds (5, seed 42, as
/// <see cref="AnalyzerModel.CrossValidateOn"/>); each fold is analysed by a model trained on the other folds,
/// with <c>EvaluationRunner.IsComplaint</c> at each candidate threshold (0.01 to 0.50 by 0.01); the
/// threshold is the <b>largest</b> one whose held-out complaint recall is at least <see cref="TargetRecall"/>
/// (the most precise detector that still finds nine complaints in ten). Deterministic.
/// </summary>
public static class ComplaintThresholdRule
{
    /// <summary>The complaint recall the zero-shot detector must reach on held-out seed folds.</summary>
    public const double TargetRecall = 0.90;

    /// <summary>Derives the threshold from <see cref="LabelledCsv.SeedCorpus"/> (about 10 s on two cores).</summary>
    public static ComplaintThresholdDerivation DeriveFromSeed(int folds = 5, int seed = 42) =>
        Derive(LabelledCsv.SeedCorpus(), folds, seed);

    /// <summary>Derives the threshold from the intent-labelled examples of <paramref name="examples"/>.</summary>
    public static ComplaintThresholdDerivation Derive(IReadOnlyList<LabelledExample> examples, int folds = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var strata = examples.Select(e => e.Intent?.ToString() ?? e.Sentiment?.ToString() ?? "none").ToArray();
        var fold = Folds.Stratified(strata, folds, seed);
        // Per held-out intent-labelled example: the truth, and the lowest threshold at which it is NOT flagged
        // (flagged at every threshold ≤ p when only the probability flags it; always flagged when another clause does).
        var held = new List<(bool Truth, TextAnalysisResult Result, IReadOnlyDictionary<Intent, double> P)>();
        for (var f = 0; f < folds; f++)
        {
            var train = examples.Where((_, i) => fold[i] != f).ToList();
            var analyzer = new TextAnalyzer(AnalyzerModel.TrainOn(train, seed));
            for (var i = 0; i < examples.Count; i++)
            {
                if (fold[i] == f && examples[i].Intent is { } truth)
                {
                    // No language hint: as the zero-shot evaluation sees a message.
                    var text = examples[i].Text;
                    held.Add((truth == Intent.Complaint, analyzer.Analyze(text), analyzer.IntentProbabilities(text)));
                }
            }
        }
        var complaints = held.Count(h => h.Truth);
        var curve = new List<ComplaintThresholdPoint>();
        for (var k = 1; k <= 50; k++)
        {
            var t = k / 100.0;
            int tp = 0, fp = 0;
            foreach (var (truth, result, p) in held)
            {
                if (EvaluationRunner.IsComplaint(result, p, t))
                {
                    if (truth)
                    {
                        tp++;
                    }
                    else
                    {
                        fp++;
                    }
                }
            }
            curve.Add(new ComplaintThresholdPoint(t, complaints == 0 ? 0 : (double)tp / complaints, tp + fp == 0 ? 0 : (double)tp / (tp + fp)));
        }
        // Recall falls as the threshold rises: the largest threshold still at the target; the lowest one if none is.
        var chosen = curve.LastOrDefault(c => c.Recall >= TargetRecall) ?? curve[0];
        return new ComplaintThresholdDerivation(chosen.Threshold, chosen.Recall, chosen.Precision, complaints, held.Count, curve);
    }
}
