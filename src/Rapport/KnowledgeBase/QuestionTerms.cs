using Rapport.Analysis.Text;

namespace Rapport.KnowledgeBase;

/// <summary>
/// How the unanswered-questions list reads a customer's question: its search terms without the chatter customers wrap
/// a question in (greetings, thanks, "its", "last", "due", "since"…), without the words of the asker's own name (a
/// signature would otherwise be the rarest, so the "key", word), and with the few support words French and English
/// customers use for the same thing brought together ("plante", "crashe", "crashes"; "appli", "app"; "maj", "update"),
/// so that four people reporting one crash make one entry whatever words or language they chose.
/// </summary>
public static partial class QuestionTerms
{
    // Folded (lower case, no accents) as the tokenizer gives them; the function words of both languages are dropped before.
    private static readonly HashSet<string> Noise = new(
        """
        bonjour bonsoir salut coucou hello hi hey dear madame monsieur mme mr mrs ms
        merci thanks thank thx please pls svp stp cordialement regards cheers best sincerely bisous
        its it's last due since still just now ago already again yet also even really very much many lot lots
        anyone someone anything something everything nothing guys folks team
        hier aujourd demain deja encore toujours depuis vraiment tres trop beaucoup bien quelqu chose rien tout tous toutes
        alors donc juste aussi meme fois jour jours semaine semaines mois today yesterday tomorrow week weeks month months day days
        help aide question questions quick ete sous etre avoir fait faire
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);

    // Each group: the stem every listed word is counted as (the first word's stem).
    private static readonly string[][] SameThing =
    [
        ["app", "appli", "application", "applications", "apps"],
        ["crash", "crashe", "crashes", "crashed", "crashing", "plante", "plant", "plantage", "bug", "bugs", "bugue"],
        ["launch", "demarrage", "ouverture", "startup", "start", "opening", "lancement"],
        ["update", "maj", "updated", "upgrade"],
        ["refund", "rembourser", "remboursement", "rembourse", "refunded"],
        ["delivery", "livraison", "livrer", "livre", "deliver", "delivered"],
        ["battery", "batterie", "batteries"],
        ["subscription", "abonnement", "plan"],
        ["invoice", "facture", "factures", "invoices"],
    ];

    private static readonly Dictionary<string, string> Canonical = BuildCanonical();

    private static Dictionary<string, string> BuildCanonical()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in SameThing)
        {
            var canonical = SearchTerms.Stem(group[0]);
            foreach (var word in group)
            {
                map[SearchTerms.Stem(word)] = canonical;
            }
        }
        return map;
    }

    /// <summary>Whether a folded word is chatter rather than what the question is about.</summary>
    public static bool IsNoise(string folded) => Noise.Contains(folded);

    /// <summary>
    /// The terms of a question asked by <paramref name="askerName"/> (whose name's words are left out); with
    /// <paramref name="bringTogether"/> false, the words keep their own stems, as articles are indexed.
    /// </summary>
    public static TermSet Of(string? text, string? askerName = null, bool bringTogether = true)
    {
        // Handles (@velovert@mastodon.example) name who was addressed, not what was asked.
        text = text is null ? null : Handle().Replace(text, " ");
        var name = SearchTerms.Extract(askerName).Select(t => t.Word).ToHashSet(StringComparer.Ordinal);
        return TermSet.Of(text, term =>
        {
            if (IsNoise(term.Word) || name.Contains(term.Word))
            {
                return null;
            }
            // "v4.2" and "4.2" are the same version.
            if (!bringTogether)
            {
                return term.Stem;
            }
            var stem = term.Stem.Length > 1 && term.Stem[0] == 'v' && char.IsAsciiDigit(term.Stem[1]) ? term.Stem[1..] : term.Stem;
            return Canonical.GetValueOrDefault(stem, stem);
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"@[\w.-]+(@[\w.-]+)?")]
    private static partial System.Text.RegularExpressions.Regex Handle();
}
