using System.Diagnostics;
using Rapport.Analysis.Evaluation;
using Rapport.Analysis.Meaning;
using Rapport.Analysis.Text;

namespace Rapport.Bench;

/// <summary>
/// Similarity by meaning (decision 0076), each variant side by side: words only (TF-IDF of stems, what matching was),
/// static word vectors distilled from the sentence model, and the sentence model itself. On BANKING77's train file, read
/// at run time and never copied: nearest-neighbour intent accuracy leaving each question out, the V-measure of the
/// product's greedy grouping against the intents, CPU per message; search over 10,000 texts (p95); and on the French
/// paraphrases we wrote (tests/Rapport.Analysis.Tests/Data/paraphrases.fr.tsv), how often a question's nearest is its
/// paraphrase, in French and from French to English.
/// </summary>
internal static class Similarity
{
    private const int QueriesAsked = 2000;

    private delegate float[][] Embed(IReadOnlyList<string> texts);

    public static int Run(string[] args)
    {
        var given = args.SkipWhile(a => a != "--eval").Skip(1).FirstOrDefault();
        var limitArg = args.SkipWhile(a => a != "--limit").Skip(1).FirstOrDefault();
        var eval = Accuracy.FindEvalDirectory(given);
        if (eval is null)
        {
            Console.Error.WriteLine("shared/eval not found: pass --eval DIR");
            return 1;
        }
        var table = CsvTable.Load(Path.Combine(eval, "banking77-en", "train.csv"));
        var textColumn = table.ColumnIndex("text");
        var labelColumn = table.ColumnIndex("category");
        var rows = table.Rows.Select(r => (Text: CsvTable.Cell(r, textColumn), Label: CsvTable.Cell(r, labelColumn))).ToList();
        if (limitArg is not null)
        {
            // A spread sample: every k-th row, so every intent keeps its share.
            var limit = int.Parse(limitArg, System.Globalization.CultureInfo.InvariantCulture);
            var step = Math.Max(1, rows.Count / limit);
            rows = [.. rows.Where((_, i) => i % step == 0).Take(limit)];
        }
        var texts = rows.Select(r => r.Text).ToList();
        var labels = rows.Select(r => r.Label).ToList();
        Console.WriteLine($"banking77-en/train.csv: {rows.Count} questions, {labels.Distinct().Count()} intents; load {Machine.LoadAverages()}");

        var encoder = SentenceEncoder.Shared;
        var distilStart = Process.GetCurrentProcess().TotalProcessorTime;
        var distilWatch = Stopwatch.StartNew();
        var statics = StaticWordVectors.Distil(encoder);
        Console.WriteLine($"static vectors distilled from the model: {encoder.VocabularySize} word pieces in {distilWatch.Elapsed.TotalSeconds:F1} s " +
            $"({(Process.GetCurrentProcess().TotalProcessorTime - distilStart).TotalSeconds:F1} s CPU)");

        var variants = new (string Name, Embed Embed, double Threshold)[]
        {
            ("words (TF-IDF stems)", WordVectors, 0.5),
            ("static word vectors", t => [.. t.Select(statics.Encode)], 0.75),
            ("sentence model", t => Batched(encoder, t), TextMeaning.SameQuestion),
        };
        var sentenceVectors = Array.Empty<float[]>();
        Console.WriteLine();
        Console.WriteLine("| variant | NN intent accuracy (leave one out) | V-measure (grouping) | groups | CPU per message |");
        Console.WriteLine("|---|---|---|---|---|");
        var only = args.SkipWhile(a => a != "--variant").Skip(1).FirstOrDefault();
        var staticVectors = Array.Empty<float[]>();
        foreach (var (name, embed, threshold) in variants.Where(v => only is null || only.Split(',').Any(o => v.Name.Contains(o, StringComparison.Ordinal))))
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var vectors = embed(texts);
            var perMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / texts.Count;
            if (name == "sentence model")
            {
                sentenceVectors = vectors;
            }
            if (name == "static word vectors")
            {
                staticVectors = vectors;
            }
            var accuracy = NearestNeighbourAccuracy(vectors, labels);
            var groups = GroupByCentroid(vectors, threshold);
            var v = VMeasure(groups, labels);
            Console.WriteLine($"| {name} | {accuracy:F3} | {v:F3} (threshold {threshold:F2}) | {groups.Distinct().Count()} | {perMessage:F3} ms |");
        }
        Console.WriteLine();
        foreach (var (name, vectors, thresholds) in new[] { ("sentence model", sentenceVectors, new[] { 0.5, 0.6, 0.7 }), ("static word vectors", staticVectors, new[] { 0.8, 0.85, 0.9 }) })
        {
            if (vectors.Length == 0)
            {
                continue;
            }
            foreach (var t in thresholds)
            {
                var nearest = Group(vectors, t);
                var centroid = GroupByCentroid(vectors, t);
                Console.WriteLine($"  {name} grouping at {t:F2}: V-measure {VMeasure(centroid, labels):F3} joining the closest group's centre ({centroid.Distinct().Count()} groups), " +
                    $"{VMeasure(nearest, labels):F3} joining the closest question's group ({nearest.Distinct().Count()} groups)");
            }
        }

        SearchLatency(encoder, texts, sentenceVectors);
        French(encoder, args.SkipWhile(a => a != "--pairs").Skip(1).FirstOrDefault() ?? FindPairs("paraphrases.fr.tsv"), "written with the glossary's second pass in view");
        French(encoder, FindPairs("paraphrases.fr.heldout.tsv"), "written after the glossary, never used to change it");
        Console.WriteLine($"load after: {Machine.LoadAverages()}");
        return 0;
    }

    private static float[][] Batched(SentenceEncoder encoder, IReadOnlyList<string> texts)
    {
        var result = new float[texts.Count][];
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        foreach (var chunk in order.Chunk(16))
        {
            var vectors = encoder.EncodeBatch([.. chunk.Select(i => texts[i])]);
            for (var k = 0; k < chunk.Length; k++)
            {
                result[chunk[k]] = vectors[k];
            }
        }
        return result;
    }

    /// <summary>Binary TF-IDF vectors of the stems, hashed to 4,096 dimensions (a few collisions among BANKING77's words).</summary>
    private static float[][] WordVectors(IReadOnlyList<string> texts)
    {
        var stems = texts.Select(t => SearchTerms.Extract(t).Select(s => s.Stem).Distinct(StringComparer.Ordinal).ToList()).ToList();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in stems.SelectMany(x => x))
        {
            df[s] = df.GetValueOrDefault(s) + 1;
        }
        const int dims = 1 << 12;
        return [.. stems.Select(list =>
        {
            var v = new float[dims];
            foreach (var s in list)
            {
                v[(int)((uint)StringComparer.Ordinal.GetHashCode(s) % dims)] += (float)Math.Log(1 + (texts.Count + 1.0) / (df[s] + 1.0));
            }
            return Vectors.Normalize(v);
        })];
    }

    private static double NearestNeighbourAccuracy(float[][] vectors, List<string> labels)
    {
        // Every question is a candidate; every k-th is asked (at most 2,000), so the words variant's wide vectors stay affordable.
        var step = Math.Max(1, vectors.Length / QueriesAsked);
        var asked = Enumerable.Range(0, vectors.Length).Where(i => i % step == 0).ToList();
        var correct = 0;
        foreach (var i in asked)
        {
            var best = -1;
            var bestScore = double.NegativeInfinity;
            for (var j = 0; j < vectors.Length; j++)
            {
                if (j == i)
                {
                    continue;
                }
                var s = Vectors.Cosine(vectors[i], vectors[j]);
                if (s > bestScore)
                {
                    (best, bestScore) = (j, s);
                }
            }
            if (best >= 0 && labels[best] == labels[i])
            {
                correct++;
            }
        }
        return (double)correct / asked.Count;
    }

    /// <summary>The unanswered questions' grouping: in order, each joins the group holding its closest question when that is at least the threshold.</summary>
    private static int[] Group(float[][] vectors, double threshold)
    {
        var group = new int[vectors.Length];
        var groups = 0;
        for (var i = 0; i < vectors.Length; i++)
        {
            var best = -1;
            var bestScore = threshold;
            for (var j = 0; j < i; j++)
            {
                var s = Vectors.Cosine(vectors[i], vectors[j]);
                if (s >= bestScore)
                {
                    (best, bestScore) = (j, s);
                }
            }
            group[i] = best < 0 ? groups++ : group[best];
        }
        return group;
    }

    /// <summary>The product's grouping by meaning: in order, each joins the group whose centre (the mean of its questions) is closest, when at least the threshold.</summary>
    private static int[] GroupByCentroid(float[][] vectors, double threshold)
    {
        var group = new int[vectors.Length];
        var sums = new List<float[]>();
        var norms = new List<float>();
        for (var i = 0; i < vectors.Length; i++)
        {
            var best = -1;
            var bestScore = threshold;
            for (var g = 0; g < sums.Count; g++)
            {
                var s = Vectors.Cosine(vectors[i], sums[g]) / Math.Max(1e-9, norms[g]);
                if (s >= bestScore)
                {
                    (best, bestScore) = (g, s);
                }
            }
            if (best < 0)
            {
                sums.Add(new float[vectors[i].Length]);
                norms.Add(0);
                best = sums.Count - 1;
            }
            System.Numerics.Tensors.TensorPrimitives.Add(sums[best], vectors[i], sums[best]);
            norms[best] = System.Numerics.Tensors.TensorPrimitives.Norm(sums[best]);
            group[i] = best;
        }
        return group;
    }

    /// <summary>V-measure (Rosenberg and Hirschberg 2007): the harmonic mean of homogeneity and completeness.</summary>
    private static double VMeasure(int[] clusters, List<string> labels)
    {
        var n = (double)clusters.Length;
        var joint = new Dictionary<(int, string), int>();
        for (var i = 0; i < clusters.Length; i++)
        {
            joint[(clusters[i], labels[i])] = joint.GetValueOrDefault((clusters[i], labels[i])) + 1;
        }
        var byCluster = clusters.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var byClass = labels.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        double Entropy(IEnumerable<int> counts) => -counts.Sum(c => c / n * Math.Log(c / n));
        var hC = Entropy(byClass.Values);
        var hK = Entropy(byCluster.Values);
        double hCgivenK = 0, hKgivenC = 0;
        foreach (var ((k, c), count) in joint)
        {
            hCgivenK -= count / n * Math.Log((double)count / byCluster[k]);
            hKgivenC -= count / n * Math.Log((double)count / byClass[c]);
        }
        var homogeneity = hC == 0 ? 1 : 1 - hCgivenK / hC;
        var completeness = hK == 0 ? 1 : 1 - hKgivenC / hK;
        return homogeneity + completeness == 0 ? 0 : 2 * homogeneity * completeness / (homogeneity + completeness);
    }

    private static void SearchLatency(SentenceEncoder encoder, List<string> texts, float[][] embedded)
    {
        // 10,000 articles and past answers: the questions themselves stand in for them, cycled when fewer.
        if (embedded.Length == 0)
        {
            embedded = Batched(encoder, texts);
        }
        var index = new MeaningIndex([.. Enumerable.Range(0, 10_000).Select(i => embedded[i % embedded.Length])]);
        var queries = texts.Where((_, i) => i % Math.Max(1, texts.Count / 200) == 0).Take(200).Select(t => t + " please").ToList();
        var searchOnly = new List<double>();
        var withEmbedding = new List<double>();
        foreach (var q in queries)
        {
            var sw = Stopwatch.StartNew();
            var v = encoder.Encode(q);
            var search = Stopwatch.StartNew();
            index.Search(v, 5, TextMeaning.Related);
            searchOnly.Add(search.Elapsed.TotalMilliseconds);
            withEmbedding.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine();
        Console.WriteLine($"similarity search over {index.Count} texts, {queries.Count} queries: p50 {Percentile(searchOnly, 0.5):F2} ms, p95 {Percentile(searchOnly, 0.95):F2} ms " +
            $"(with the query's embedding: p50 {Percentile(withEmbedding, 0.5):F2} ms, p95 {Percentile(withEmbedding, 0.95):F2} ms; target p95 <= 20 ms); load {Machine.LoadAverages()}");
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static void French(SentenceEncoder encoder, string? path, string what)
    {
        if (path is null || !File.Exists(path))
        {
            Console.WriteLine("French paraphrases not found: pass --pairs FILE");
            return;
        }
        var lines = File.ReadAllLines(path).Skip(1).Select(l => l.Split('\t')).Where(c => c.Length >= 4).ToList();
        var questions = lines.Select(c => c[1]).ToList();
        var paraphrases = lines.Select(c => c[2]).ToList();
        var english = lines.Select(c => c[3]).ToList();
        var meaning = new TextMeaning(encoder);
        var all = questions.Concat(paraphrases).Concat(english).ToList();
        var variants = new (string Name, Func<IReadOnlyList<string>, string, float[][]> Embed)[]
        {
            ("words (TF-IDF stems)", (t, _) => WordVectors(t)),
            ("character 3-5-grams", (t, _) => [.. t.Select(CharacterNGrams)]),
            ("sentence model on the French as written", (t, _) => encoder.EncodeBatch([.. t])),
            ("sentence model through the care glossary", (t, language) => meaning.OfMany([.. t.Select(x => ((string?)x, (string?)language))])),
        };
        Console.WriteLine();
        Console.WriteLine($"French paraphrases: {Path.GetFileName(path)}, {lines.Count} pairs we wrote, {what}; the glossary holds {CareGlossary.Count} words and phrases): nearest of each question among all the other texts");
        Console.WriteLine("| variant | FR question -> its FR paraphrase | FR question -> its EN version |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, embed) in variants)
        {
            // One vocabulary for the word variants: the three columns embedded together.
            var french = embed([.. questions.Concat(paraphrases)], "fr");
            var en = embed([.. english], "en");
            var q = french.Take(lines.Count).ToArray();
            var p = french.Skip(lines.Count).ToArray();
            if (name.StartsWith("words", StringComparison.Ordinal))
            {
                var joint = embed(all, "fr");
                q = joint.Take(lines.Count).ToArray();
                p = joint.Skip(lines.Count).Take(lines.Count).ToArray();
                en = joint.Skip(2 * lines.Count).ToArray();
            }
            Console.WriteLine($"| {name} | {HitAtOne(q, p):F3} | {HitAtOne(q, en):F3} |");
        }
        _ = all;
    }

    private static double HitAtOne(float[][] queries, float[][] targets)
    {
        var hits = 0;
        for (var i = 0; i < queries.Length; i++)
        {
            var best = Enumerable.Range(0, targets.Length).MaxBy(j => Vectors.Cosine(queries[i], targets[j]));
            hits += best == i ? 1 : 0;
        }
        return (double)hits / queries.Length;
    }

    /// <summary>Character 3- to 5-grams of the folded words, hashed: spelling variants and shared roots meet without a stemmer.</summary>
    private static float[] CharacterNGrams(string text)
    {
        const int dims = 1 << 14;
        var v = new float[dims];
        foreach (var word in TextFolding.Fold(text).Split([' ', '\'', '-', ',', '.', '?', '!'], StringSplitOptions.RemoveEmptyEntries))
        {
            var w = $"<{word}>";
            for (var n = 3; n <= 5; n++)
            {
                for (var i = 0; i + n <= w.Length; i++)
                {
                    v[(int)((uint)StringComparer.Ordinal.GetHashCode(w.Substring(i, n)) % dims)] += 1;
                }
            }
        }
        return Vectors.Normalize(v);
    }

    private static string? FindPairs(string file)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Rapport.Analysis.Tests", "Data", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
