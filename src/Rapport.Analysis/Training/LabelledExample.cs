using Rapport.Analysis.Evaluation;

namespace Rapport.Analysis.Training;

/// <summary>
/// A message with the labels a person gave it (a seed row, or an agent's correction). Any label may be
/// missing: each head learns only from the examples that carry its label.
/// </summary>
public sealed record LabelledExample(string Text, string? Language = null, Intent? Intent = null, bool? NeedsAnswer = null, SentimentLabel? Sentiment = null);

/// <summary>Reads labelled examples from CSV (<c>rapport train --from FILE.csv</c>) and the embedded seed corpus.</summary>
public static class LabelledCsv
{
    /// <summary>
    /// Reads a CSV with a header and a <c>text</c> column; the optional columns <c>intent</c>
    /// (complaint, question, request, feedback, praise, purchase_intent, chatter, spam),
    /// <c>needs_answer</c> (0/1, true/false, yes/no), <c>sentiment</c> (negative/neutral/positive or −1/0/1)
    /// and <c>language</c> fill the labels; unknown or empty values leave a label missing.
    /// </summary>
    public static IReadOnlyList<LabelledExample> Read(TextReader reader, string? language = null)
    {
        var table = CsvTable.Read(reader);
        var text = table.ColumnIndex("text", "message", "body");
        if (text < 0)
        {
            throw new InvalidDataException("The CSV needs a 'text' column.");
        }
        var intent = table.ColumnIndex("intent");
        var needs = table.ColumnIndex("needs_answer", "needsanswer");
        var sentiment = table.ColumnIndex("sentiment");
        var lang = table.ColumnIndex("language", "lang");
        var result = new List<LabelledExample>(table.Rows.Count);
        foreach (var row in table.Rows)
        {
            var t = CsvTable.Cell(row, text);
            if (string.IsNullOrWhiteSpace(t))
            {
                continue;
            }
            var l = CsvTable.Cell(row, lang);
            result.Add(new LabelledExample(
                t,
                string.IsNullOrWhiteSpace(l) ? language : l.Trim().ToLowerInvariant(),
                ParseIntent(CsvTable.Cell(row, intent)),
                ParseBool(CsvTable.Cell(row, needs)),
                ParseSentiment(CsvTable.Cell(row, sentiment))));
        }
        return result;
    }

    public static IReadOnlyList<LabelledExample> Load(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader);
    }

    public static Intent? ParseIntent(string value)
    {
        var v = value.Trim().Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return v.Length > 0 && Enum.TryParse<Intent>(v, ignoreCase: true, out var intent) && Enum.IsDefined(intent) && !int.TryParse(v, out _) ? intent : null;
    }

    public static bool? ParseBool(string value) => value.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "y" or "oui" => true,
        "0" or "false" or "no" or "n" or "non" => false,
        _ => null,
    };

    public static SentimentLabel? ParseSentiment(string value) => value.Trim().ToLowerInvariant() switch
    {
        "negative" or "neg" or "-1" => SentimentLabel.Negative,
        "neutral" or "neu" or "0" => SentimentLabel.Neutral,
        "positive" or "pos" or "1" => SentimentLabel.Positive,
        _ => null,
    };

    /// <summary>The seed corpus written by the project and embedded in this assembly (French and English).</summary>
    public static IReadOnlyList<LabelledExample> SeedCorpus() => SeedCache.Value;

    private static readonly Lazy<IReadOnlyList<LabelledExample>> SeedCache = new(LoadSeed, LazyThreadSafetyMode.ExecutionAndPublication);

    private static List<LabelledExample> LoadSeed()
    {
        var assembly = typeof(LabelledCsv).Assembly;
        var result = new List<LabelledExample>();
        foreach (var lang in new[] { "en", "fr" })
        {
            using var stream = assembly.GetManifestResourceStream($"Rapport.Analysis.Seed.messages.{lang}.csv");
            if (stream is null)
            {
                continue;
            }
            using var reader = new StreamReader(stream);
            result.AddRange(Read(reader, lang));
        }
        return result;
    }
}
