using System.Text;
using System.Text.RegularExpressions;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Recommendations;

/// <summary>Whether a text recommends the brand, advises against it, both, or neither.</summary>
public enum RecommendationStance
{
    None,
    Recommends,
    AdvisesAgainst,
    /// <summary>Recommends one thing and advises against another ("great support, but avoid their delivery").</summary>
    Mixed,
}

/// <summary>The words that carry a stance: where they are in the original text (UTF-16 offsets), and what they say.</summary>
public sealed record RecommendationEvidence(int Start, int Length, string Text, RecommendationStance Stance);

public sealed record RecommendationReading(RecommendationStance Stance, double Confidence, IReadOnlyList<RecommendationEvidence> Evidence)
{
    public static readonly RecommendationReading Nothing = new(RecommendationStance.None, 0, []);
}

/// <summary>
/// Finds where a mention or a message recommends the brand ("je recommande", "allez-y les yeux fermés", "I'd recommend")
/// or advises against it ("avoid them", "je déconseille", "I would not recommend"), in French and English, with the
/// exact words as evidence. Phrases, not a model: a recommendation is said in a few set ways, and an analyst must see
/// why a text was counted. Negated recommendations are read as advice against, and a question ("can you recommend…?")
/// is not a recommendation. Pure and thread-safe.
/// </summary>
public static class RecommendationDetector
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    // Matched on folded text (lower case, no accents, straight apostrophes); offsets are mapped back to the original.
    private static readonly (Regex Pattern, double Confidence)[] Against =
    [
        (new(@"\b(?:i|we)(?: really| honestly| strongly)? (?:would(?: not|n'?t)|do(?: not|n'?t)|could(?: not|n'?t)|can(?:not|'?t)|will(?: not|n'?t)|won'?t) (?:ever )?recommend\b"
            + @"|\b(?:would|do)(?: not|n'?t) recommend\b|\bnot recommended\b|\bcan(?:not|'?t) recommend (?:them|it|this|you)\b"
            + @"|\bje (?:ne )?(?:(?:vous|te|nous|le|la|les|lui|leur) |l'){0,2}deconseille|\bdeconseille\b|\bje (?:vous |te )?conseille (?:d'?eviter|de ne pas)"
            + @"|\bje ne (?:(?:vous|te|nous|le|la|les|lui|leur) |l'){0,2}recommande (?:pas|absolument pas|vraiment pas|surtout pas)\b|\b(?:a|est) (?:a )?(?:ne pas recommander|deconseiller)\b", Options, Timeout), 0.9),
        (new(@"\bavoid (?:them|this|it|at all costs|this (?:company|shop|store|brand|place))\b|\bstay away\b|\bsteer clear\b|\bdon'?t (?:buy|order|waste your)\b"
            + @"|\bnot worth (?:it|the money|a penny)\b"
            + @"|\ba eviter\b|\bevitez(?:-les| les| cette| ce)?\b|\bfuyez\b|\bpassez votre chemin\b|\bn'?achetez (?:pas|jamais|surtout pas)\b", Options, Timeout), 0.8),
        (new(@"\bnever again\b|\bplus jamais\b", Options, Timeout), 0.6),
    ];

    private static readonly (Regex Pattern, double Confidence)[] For =
    [
        (new(@"\b(?:i|we)(?: would|'d)?(?: really| highly| strongly| totally| definitely| 100%)? recommend\b|\bhighly recommend(?:ed)?\b|\b(?:would|will) (?:definitely |totally )?recommend\b"
            + @"|\bcan'?t recommend (?:them|it|this|you) enough\b|\bstrongly recommended\b"
            + @"|\bje (?:(?:vous|te|nous|le|la|les|lui|leur) |l'){0,2}recommande\b|\bje recommande vivement\b|\ba recommander\b|\bje (?:(?:vous|te|nous|le|la|les|lui|leur) |l'){0,2}conseille\b(?! d'?eviter| de ne pas)"
            + @"|\ballez[- ]y (?:les )?yeux fermes\b|\b(?:les )?yeux fermes\b|\brecommande a (?:100|cent) ?%", Options, Timeout), 0.9),
        (new(@"\bgo for it\b|\byou won'?t regret\b|\bmust[- ]have\b|\bfoncez\b|\bvous ne (?:le )?regretterez pas\b|\bn'?hesitez (?:pas|surtout pas)\b", Options, Timeout), 0.6),
    ];

    /// <summary>Asking for a recommendation is not giving one.</summary>
    private static readonly Regex Question = new(
        @"\b(?:can|could|would|will) you recommend\b|\bwhat (?:do|would) you recommend\b|\bvous (?:me )?(?:recommandez|conseillez) quoi\b|\bque (?:me )?(?:recommandez|conseillez)-vous\b"
        + @"|\b(?:pouvez|pourriez)-vous (?:me )?(?:recommander|conseiller)\b",
        Options, Timeout);

    public static RecommendationReading Detect(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return RecommendationReading.Nothing;
        }
        var input = text.Length > Tokenizer.MaxAnalysedChars ? text[..Tokenizer.MaxAnalysedChars] : text;
        var (folded, map) = Fold(input);
        var evidence = new List<RecommendationEvidence>();
        var confidence = 0.0;
        try
        {
            var taken = new List<(int Start, int End)>();
            foreach (Match q in Question.Matches(folded))
            {
                taken.Add((q.Index, q.Index + q.Length));
            }
            // Advice against first: "I would not recommend" must not also count as "I would recommend".
            foreach (var (stance, patterns) in new[] { (RecommendationStance.AdvisesAgainst, Against), (RecommendationStance.Recommends, For) })
            {
                foreach (var (pattern, weight) in patterns)
                {
                    foreach (Match m in pattern.Matches(folded))
                    {
                        var end = m.Index + m.Length;
                        if (taken.Any(t => m.Index < t.End && t.Start < end))
                        {
                            continue;
                        }
                        taken.Add((m.Index, end));
                        var start = map[m.Index];
                        var stop = map[end - 1] + 1;
                        evidence.Add(new RecommendationEvidence(start, stop - start, input[start..stop], stance));
                        confidence = Math.Max(confidence, weight);
                    }
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Hostile text on a starved machine: what was found so far stands.
        }
        if (evidence.Count == 0)
        {
            return RecommendationReading.Nothing;
        }
        var recommends = evidence.Any(e => e.Stance == RecommendationStance.Recommends);
        var against = evidence.Any(e => e.Stance == RecommendationStance.AdvisesAgainst);
        var overall = recommends && against ? RecommendationStance.Mixed : recommends ? RecommendationStance.Recommends : RecommendationStance.AdvisesAgainst;
        return new RecommendationReading(overall, confidence, evidence.OrderBy(e => e.Start).ToList());
    }

    /// <summary>The folded text and, for each of its characters, the index of the original character it came from.</summary>
    private static (string Folded, int[] Map) Fold(string text)
    {
        var folded = new StringBuilder(text.Length + 8);
        var map = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var piece = c is '\u2019' or '\u2018' or '\u02BC' ? "'" : c is '\u2011' or '\u2010' ? "-" : c < 0x80 ? char.ToLowerInvariant(c).ToString() : TextFolding.Fold(c.ToString());
            foreach (var f in piece)
            {
                folded.Append(f);
                map.Add(i);
            }
        }
        return (folded.ToString(), [.. map]);
    }
}
