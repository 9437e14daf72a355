using System.Text.Json;
using Microsoft.Extensions.Localization;
using Rapport.Resources;

namespace Rapport.Conversations;

/// <summary>One reason behind an analysis, in words ("Signals a complaint"), with the customer's words that drove it.</summary>
public sealed record AnalysisReason(string Sentence, IReadOnlyList<string> Terms);

/// <summary>
/// What the understanding engine said, in the reader's language: the values it stores by name (Complaint, SafetyRisk…)
/// and the "Why?" of its explanation, told as sentences ("Signals a complaint: frein, accident") rather than as the
/// stored keys. Values the engine may add later, not yet in the resources, show their name rather than nothing.
/// </summary>
public sealed class AnalysisWords(IStringLocalizer<Strings> l)
{
    public string Intent(string intent) => Named("Intent.", intent);

    public string Sentiment(string sentiment) => Named("Sentiment.", sentiment);

    public string Language(string language) => Named("Inbox.Language.", language);

    /// <summary>Comma-separated urgency signals ("Outage,LongWait") as words, or "none".</summary>
    public string Urgency(string signals) => List("Urgency.", signals);

    public string Toxicity(string kinds) => List("Toxicity.", kinds);

    public string Themes(string themes) => List("Theme.", themes);

    /// <summary>
    /// The reasons behind the analysis, from the explanation kept with it (the engine's result as JSON). An explanation
    /// that cannot be read (an older model's) gives none: the labels shown beside it still say what was understood.
    /// </summary>
    public IReadOnlyList<AnalysisReason> Explain(string explanation)
    {
        var reasons = new List<AnalysisReason>();
        try
        {
            using var json = JsonDocument.Parse(explanation);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return reasons;
            }
            var urgency = Items(root, "urgency");
            if (Scored(root, "intent") is { } intent)
            {
                reasons.Add(new(Named("Why.Intent.", intent.Value), Terms(intent.Evidence)));
            }
            if (root.TryGetProperty("needsAnswer", out var needs) && needs.ValueKind == JsonValueKind.Object
                && needs.TryGetProperty("value", out var value) && value.TryGetDouble(out var probability))
            {
                if (probability >= 0.5 && urgency.Count > 0)
                {
                    // The engine's evidence for "needs an answer" is then the urgency's: say which urgency it is.
                    reasons.Add(new(l["Why.NeedsAnswerBecause", string.Join(", ", urgency.Select(u => Named("Why.Urgency.", u.Value)))], []));
                }
                else
                {
                    reasons.Add(new(l[probability >= 0.5 ? "Why.NeedsAnswer" : "Why.NoAnswer"], Terms(Evidence(needs))));
                }
            }
            if (Scored(root, "sentiment") is { } sentiment)
            {
                reasons.Add(new(Named("Why.Sentiment.", sentiment.Value), Terms(sentiment.Evidence)));
            }
            foreach (var signal in urgency)
            {
                reasons.Add(new(l["Why.Urgent", Named("Why.Urgency.", signal.Value)], Terms(signal.Evidence)));
            }
            foreach (var kind in Items(root, "toxicity"))
            {
                reasons.Add(new(l["Why.Toxic", Named("Toxicity.", kind.Value)], Terms(kind.Evidence)));
            }
            foreach (var theme in Items(root, "themes"))
            {
                reasons.Add(new(l["Why.Theme", Named("Theme.", theme.Value)], Terms(theme.Evidence)));
            }
            if (Scored(root, "language") is { } language)
            {
                reasons.Add(new(Named("Why.Language.", language.Value), Terms(language.Evidence)));
            }
        }
        catch (JsonException)
        {
            // An explanation from an older model version: the labels still show.
        }
        return reasons;
    }

    /// <summary>
    /// The customer's words as the reader should see them: a negated word ("not:happy") says it is negated, a lone
    /// question mark is named, and other punctuation (a full stop the model weighed) is no reason a person would give.
    /// </summary>
    private List<string> Terms(IEnumerable<string> evidence)
    {
        var terms = new List<string>();
        foreach (var term in evidence)
        {
            var text = term.StartsWith("not:", StringComparison.Ordinal) ? l["Why.Negated", term[4..]].Value : term;
            if (term.Trim() == "?")
            {
                text = l["Why.QuestionMark"];
            }
            else if (!term.Any(char.IsLetterOrDigit))
            {
                continue;
            }
            if (!terms.Contains(text))
            {
                terms.Add(text);
            }
        }
        return terms;
    }

    private sealed record Item(string Value, IReadOnlyList<string> Evidence);

    private static Item? Scored(JsonElement root, string name) =>
        root.TryGetProperty(name, out var scored) && scored.ValueKind == JsonValueKind.Object
            && scored.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String
            ? new Item(value.GetString()!, Evidence(scored))
            : null;

    private static List<Item> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
                .Where(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String)
                .Select(i => new Item(i.GetProperty("value").GetString()!, Evidence(i)))
                .ToList()
            : [];

    private static List<string> Evidence(JsonElement scored) =>
        scored.TryGetProperty("evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Array
            ? evidence.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

    private string List(string prefix, string values)
    {
        var names = values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length == 0 ? l["Analysis.None"] : string.Join(", ", names.Select(n => Named(prefix, n)));
    }

    private string Named(string prefix, string value)
    {
        var text = l[prefix + value];
        return text.ResourceNotFound ? value : text.Value;
    }
}
