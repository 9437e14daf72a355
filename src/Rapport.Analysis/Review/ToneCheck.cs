using System.Text.RegularExpressions;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Review;

/// <summary>What a tone check noticed in a draft reply.</summary>
public enum ToneFlagKind
{
    /// <summary>Laughter, a winking emoji or a sarcastic turn in a reply to someone who complains.</summary>
    JokeAnsweringComplaint,
    /// <summary>A question the customer asked that the reply does not seem to address.</summary>
    UnansweredQuestion,
    /// <summary>The customer complains and the reply neither apologises nor acknowledges the problem.</summary>
    NoAcknowledgement,
}

/// <summary>One thing to look at before sending: its kind, the words that raised it, and why it matters.</summary>
public sealed record ToneFlag(ToneFlagKind Kind, string Evidence, string Explanation);

public sealed record ToneReview(IReadOnlyList<ToneFlag> Flags)
{
    public bool IsClean => Flags.Count == 0;
}

/// <summary>
/// Reads a draft reply against the customer's message (French or English) before it is sent, the way a team lead
/// would over an agent's shoulder. It only flags, with an explanation; the agent decides. Pure and thread-safe.
/// </summary>
public static class ToneCheck
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;
    // A guard against hostile text, far above the microseconds these linear patterns take on a draft.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    // Matched on folded text (lower case, no accents), so "désolé", "Desole" and "DÉSOLÉ" are one.
    private static readonly Regex Joke = new(
        @"\b(?:ha){2,}h?\b|\b(?:hi){2,}\b|\b(?:he){3,}\b|\blol\b|\bmdr\b|\bptdr\b|\blmao\b|\brofl\b|\bjk\b|\bjust kidding\b|\bje plaisante\b|\bje rigole\b"
        + @"|\bc'?est (?:une )?blague\b|\boh,? (?:great|wonderful|fantastic|joy|super|genial)\b|\byeah,? right\b|\bwhat a surprise\b|\bquelle surprise\b"
        + @"|\bsans blague\b|\bc'?est ca,? oui\b|\bthanks for nothing\b|\bmerci du cadeau\b|\bwelcome to the club\b|\bbienvenue au club\b|\bcheer up\b"
        + @"|\bon (?:a|a tous) connu pire\b|\bcould be worse\b|\bfirst world problem|\bprobleme de riche"
        + @"|😂|🤣|😜|😝|😛|😉|🙃|😅|😆|😁|🤪|😏",
        Options, Timeout);

    private static readonly Regex Acknowledgement = new(
        @"\bsorry\b|\bapolog|\bregret|\bunderstand|\bfrustrat|\binconvenien|\bthanks? (?:you )?for (?:letting us know|reporting|flagging|your patience|bearing with)"
        + @"|\bwe hear you\b|\bnot (?:ok|okay|acceptable|what you expected)\b|\bshould(?: not|n't) have\b|\bmy bad\b|\bour (?:mistake|fault)\b"
        + @"|\bdesole|\bexcus|\bpardon|\bnavre|\bregrett|\bcompren|\bmerci (?:de|pour) (?:nous avoir (?:signale|prevenu)|votre (?:retour|patience|signalement))"
        + @"|\bnous sommes conscients\b|\bje suis conscient|\bce n'?est pas normal\b|\bpas acceptable\b|\binadmissible\b|\bnotre (?:erreur|faute)\b",
        Options, Timeout);

    private static readonly Regex Complaint = new(
        @"\bnot working\b|\bdoes(?:n'?t| not) work|\bdid(?:n'?t| not) (?:arrive|work|get)|\bbroken\b|\bstill waiting\b|\bstill (?:no|not)\b|\bnever (?:arrived|received|got)\b"
        + @"|\bdisappoint|\bunacceptable\b|\brefund\b|\bterrible\b|\bawful\b|\bworst\b|\bangry\b|\bfurious\b|\bscam\b|\bwaste of\b|\bridiculous\b|\bdamaged\b|\bcharged twice\b"
        + @"|\bmarche pas\b|\bmarche plus\b|\bfonctionne (?:pas|plus)\b|\ben panne\b|\bcasse|\btoujours pas\b|\bjamais (?:recu|arrive)|\bdecu|\binadmissible\b|\binacceptable\b"
        + @"|\brembours|\bnul\b|\bhonte|\bscandal|\barnaque|\babime|\bfurieux|\benerve|\bj'?attends depuis\b|\bdebite deux fois\b",
        Options, Timeout);

    private static readonly Regex Word = new(@"[\p{L}\p{N}]+", Options, Timeout);

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        // English
        "what", "when", "where", "which", "who", "whom", "whose", "why", "how", "does", "did", "have", "has", "had", "will", "would", "could",
        "should", "shall", "can", "cannot", "your", "yours", "mine", "this", "that", "these", "those", "there", "their", "them", "they", "with",
        "from", "into", "about", "still", "just", "please", "anyone", "someone", "going", "been", "being", "were", "then", "than", "also",
        "some", "any", "know", "tell", "here", "hello", "thanks", "thank", "really", "even", "much", "many", "more", "most", "very", "again",
        // French
        "quand", "comment", "pourquoi", "quoi", "quel", "quelle", "quels", "quelles", "est", "sont", "avez", "avons", "pouvez", "pourriez",
        "peux", "peut", "vous", "nous", "votre", "vos", "notre", "mon", "mes", "ton", "tes", "les", "des", "une", "pour", "avec", "dans",
        "sur", "par", "pas", "plus", "encore", "toujours", "alors", "donc", "mais", "quelqu", "bonjour", "merci", "svp", "stp", "cela",
        "ceci", "cette", "ces", "leur", "leurs", "elle", "elles", "ils", "faire", "fait", "etre", "avoir", "aussi", "tres", "bien", "quelque",
        "qui", "que", "dois", "doit", "faut", "combien", "jour", "jours",
    };

    /// <summary>
    /// Checks <paramref name="reply"/> against <paramref name="customerMessage"/>. <paramref name="customerComplains"/> is what the
    /// analysis said (a complaint, or negative sentiment); when unknown the customer's words decide. Explanations are in
    /// <paramref name="explainIn"/> ("fr" or "en").
    /// </summary>
    public static ToneReview Review(string? customerMessage, string? reply, bool? customerComplains = null, string explainIn = "en")
    {
        var flags = new List<ToneFlag>();
        try
        {
            Read(customerMessage, reply, customerComplains, explainIn, flags);
        }
        catch (RegexMatchTimeoutException)
        {
            // The timeout guards against hostile text; on a starved machine it can also strike an ordinary draft. The check
            // only advises, so it says what it found so far rather than throw into the agent's Send (which would lose the page).
        }
        return new ToneReview(flags);
    }

    private static void Read(string? customerMessage, string? reply, bool? customerComplains, string explainIn, List<ToneFlag> flags)
    {
        if (string.IsNullOrWhiteSpace(reply) || string.IsNullOrWhiteSpace(customerMessage))
        {
            return;
        }
        var fr = explainIn.StartsWith("fr", StringComparison.OrdinalIgnoreCase);
        var customer = Cap(customerMessage);
        var draft = TextFolding.Fold(Cap(reply));
        var complains = customerComplains ?? Complaint.IsMatch(TextFolding.Fold(customer));

        if (complains && Joke.Match(draft) is { Success: true } joke)
        {
            flags.Add(new(ToneFlagKind.JokeAnsweringComplaint, joke.Value, fr
                ? "Le client se plaint : une plaisanterie, un rire ou de l'ironie peut être lu comme de la moquerie. Gardez l'humour pour quand le problème est réglé."
                : "The customer is complaining: a joke, laughter or sarcasm can read as mocking them. Keep the humour for when the problem is solved."));
        }
        var replyStems = Word.Matches(draft).Select(m => Stem(m.Value)).ToHashSet(StringComparer.Ordinal);
        foreach (var question in Questions(customer))
        {
            var terms = Word.Matches(TextFolding.Fold(question)).Select(m => m.Value).Where(w => w.Length >= 4 && !StopWords.Contains(w)).ToList();
            if (terms.Count > 0 && !terms.Any(t => replyStems.Contains(Stem(t))))
            {
                flags.Add(new(ToneFlagKind.UnansweredQuestion, question, fr
                    ? $"Le client demande « {question} » et la réponse n'en parle pas ({string.Join(", ", terms)}). Répondez-y, ou dites quand vous aurez la réponse."
                    : $"The customer asks “{question}” and the reply does not address it ({string.Join(", ", terms)}). Answer it, or say when you will know."));
            }
        }
        if (complains && !Acknowledgement.IsMatch(draft))
        {
            flags.Add(new(ToneFlagKind.NoAcknowledgement, "", fr
                ? "Le client se plaint et la réponse ne reconnaît pas le problème : un mot d'excuse ou « je comprends » montre qu'il a été entendu avant la solution."
                : "The customer is complaining and the reply does not acknowledge the problem: a word of apology or “I understand” shows they were heard before the fix."));
        }
    }

    /// <summary>The customer's questions: each sentence that ends with a question mark.</summary>
    private static IEnumerable<string> Questions(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '.' or '!' or '\n' or '?')
            {
                var sentence = text[start..(i + 1)].Trim();
                start = i + 1;
                if (c == '?' && sentence.Length > 1)
                {
                    yield return sentence;
                }
            }
        }
    }

    /// <summary>A crude stem shared by French and English inflections: "delivered" and "delivery", "livraison" and "livré" share their first four letters.</summary>
    private static string Stem(string word) => word.Length > 4 ? word[..4] : word;

    private static string Cap(string text) => text.Length > Tokenizer.MaxAnalysedChars ? text[..Tokenizer.MaxAnalysedChars] : text;
}
