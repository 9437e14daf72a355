namespace Rapport.Analysis.Evaluation;

/// <summary>Precision, recall, F1 and support of one class.</summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);

/// <summary>Accuracy, macro-F1, macro-recall, per-class metrics and the confusion matrix (rows: truth, columns: prediction).</summary>
public sealed record ClassificationMetrics(
    int N,
    double Accuracy,
    double MacroF1,
    double MacroRecall,
    IReadOnlyList<ClassMetrics> PerClass,
    IReadOnlyList<string> Labels,
    int[][] Confusion)
{
    /// <summary>Computes the metrics over (truth, prediction) pairs; classes are the sorted union of both.</summary>
    public static ClassificationMetrics Compute(IEnumerable<(string Truth, string Predicted)> pairs, IEnumerable<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = pairs.ToList();
        var labelSet = new SortedSet<string>(labels ?? [], StringComparer.Ordinal);
        foreach (var (t, p) in list)
        {
            labelSet.Add(t);
            labelSet.Add(p);
        }
        var ordered = labelSet.ToArray();
        var index = ordered.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var confusion = ordered.Select(_ => new int[ordered.Length]).ToArray();
        var correct = 0;
        foreach (var (t, p) in list)
        {
            confusion[index[t]][index[p]]++;
            if (t == p)
            {
                correct++;
            }
        }
        var perClass = new List<ClassMetrics>();
        for (var c = 0; c < ordered.Length; c++)
        {
            var tp = confusion[c][c];
            var support = confusion[c].Sum();
            var predicted = confusion.Sum(row => row[c]);
            var precision = predicted == 0 ? 0 : (double)tp / predicted;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(ordered[c], precision, recall, f1, support));
        }
        // Macro averages run over the classes present in the truth, as scikit-learn does for the labels seen.
        var present = perClass.Where(c => c.Support > 0).ToList();
        return new ClassificationMetrics(
            list.Count,
            list.Count == 0 ? 0 : (double)correct / list.Count,
            present.Count == 0 ? 0 : present.Average(c => c.F1),
            present.Count == 0 ? 0 : present.Average(c => c.Recall),
            perClass,
            ordered,
            confusion);
    }
}

/// <summary>Stratified fold assignment: each class is spread evenly over the folds, after a seeded shuffle.</summary>
public static class Folds
{
    public static int[] Stratified(IReadOnlyList<string> labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var random = new Random(seed);
        var order = Enumerable.Range(0, labels.Count).ToArray();
        random.Shuffle(order);
        var result = new int[labels.Count];
        var next = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in order)
        {
            next.TryGetValue(labels[i], out var k);
            result[i] = k % folds;
            next[labels[i]] = k + 1;
        }
        return result;
    }
}
