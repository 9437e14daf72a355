using System.Text;
using Rapport.Analysis.Text;

namespace Rapport.Analysis;

/// <summary>
/// Reads a message in the light of its thread, after the message alone has been read: a customer's answer to the brand's
/// question, a thank-you after a fix, a follow-up that only adds a detail, and "still not working" after a fix. Only the
/// start of the message and the end of the brand's message are read (a question or a fix closes a reply; signatures aside),
/// so a long thread or a huge text costs no more than a short one. The cues are ours, in French and English, matched on
/// folded words (no accents, no apostrophes), so "ça n'a rien changé" and "ca na rien change" are one.
/// </summary>
internal static class ConversationReading
{
    private const int MaxChars = 1_000;

    /// <summary>Longest message still read as a short answer or a detail (in words): a long one says more than that.</summary>
    private const int MaxReplyWords = 40;

    /// <summary>A lexicon score beyond this is an emotion worth keeping in a plain answer ("No, and I'm furious").</summary>
    private const double ClearlyEmotional = 0.4;

    /// <summary>The problem is back, or never went away.</summary>
    private static readonly string[] StillBroken =
    [
        "still not", "still doesnt", "still does not", "still dont", "still isnt", "still is not", "still cant", "still cannot",
        "still broken", "still the same", "still having", "still getting", "still no", "still wont", "still crashing", "still failing",
        "same problem", "same issue", "same error", "didnt work", "did not work", "doesnt work", "does not work", "not working",
        "isnt working", "not fixed", "isnt fixed", "wasnt fixed", "didnt help", "did not help", "didnt fix", "did not fix",
        "no change", "nothing changed", "nothing has changed", "happened again", "broken again", "again the same", "thanks for nothing",
        "toujours pas", "toujours le meme", "toujours la meme", "toujours en panne", "toujours bloque", "toujours bloquee",
        "toujours rien", "toujours impossible", "marche toujours pas", "fonctionne toujours pas", "ne marche pas", "ne fonctionne pas",
        "marche pas", "fonctionne pas", "meme probleme", "meme souci", "meme erreur", "meme bug", "pas regle", "pas resolu",
        "pas corrige", "rien change", "rien na change", "na rien change", "na pas marche", "a pas marche", "na pas fonctionne",
        "encore en panne", "de nouveau en panne", "ca recommence", "merci pour rien",
    ];

    /// <summary>Thanks, or the news that it works now.</summary>
    private static readonly string[] Gratitude =
    [
        "thanks", "thank you", "thank u", "thx", "ty", "cheers", "much appreciated", "appreciate it", "works now", "working now",
        "it works", "that worked", "all good", "problem solved", "issue solved", "sorted", "fixed it", "that fixed", "that did it",
        "perfect", "awesome",
        "merci", "mercii", "ca marche", "ca fonctionne", "ca remarche", "ca refonctionne", "marche bien", "fonctionne bien",
        "cest bon", "cest regle", "cest resolu", "cest parfait", "probleme resolu", "parfait", "genial", "nickel", "impeccable",
    ];

    /// <summary>Thanks that ask for something ("merci de me rappeler", "thanks in advance"): a request, not a thank-you.</summary>
    private static readonly string[] ThanksAhead = ["merci de", "merci d", "merci davance", "merci par avance", "thanks in advance", "thank you in advance"];

    /// <summary>The brand says it fixed, sent or refunded something.</summary>
    private static readonly string[] FixAnnounced =
    [
        "fixed", "resolved", "solved", "sorted", "should work", "should be working", "should now", "should be fine", "is back",
        "are back", "back up", "back online", "restored", "weve updated", "we have updated", "refunded", "refund has been",
        "has been processed", "has been sent", "has been reset", "have reset", "weve reset", "corrected", "deployed", "try again now",
        "all set", "up and running", "done",
        "corrige", "corrigee", "resolu", "resolue", "regle", "reglee", "retabli", "retablie", "devrait fonctionner", "devrait marcher",
        "devrait etre", "cest fait", "rembourse", "remboursee", "remboursement a ete", "a ete envoye", "a ete envoyee", "reinitialise",
        "reinitialisee", "mis a jour", "reessayer", "de nouveau disponible", "fonctionne a nouveau", "remis en service", "repare", "reparee",
    ];

    /// <summary>The brand asks the customer for something (besides a question mark).</summary>
    private static readonly string[] AsksCustomer =
    [
        "could you", "can you", "would you", "please send", "please share", "please confirm", "please provide", "please let us know",
        "let us know", "send us", "dm us", "tell us", "do you", "are you", "have you", "did you", "which", "what is your",
        "pourriez vous", "pouvez vous", "pourrais tu", "peux tu", "merci de nous", "merci de me", "envoyez nous", "indiquez nous",
        "dites nous", "est ce que", "avez vous", "utilisez vous", "etes vous", "quel", "quelle", "en mp", "en message prive",
    ];

    /// <summary>A message that opens like this adds to what the customer said before.</summary>
    private static readonly string[] AddsDetail =
    [
        "also", "and", "plus", "ps", "btw", "by the way", "oh and", "forgot to", "i forgot", "one more thing", "in addition", "additionally",
        "fyi", "for info", "here is", "heres", "the order number", "my order number", "order number", "the reference",
        "aussi", "et", "egalement", "au fait", "de plus", "en plus", "autre chose", "jai oublie", "joubliais", "pour info", "precision",
        "voici", "ci joint", "le numero", "mon numero", "numero de commande", "la reference", "ma reference",
    ];

    /// <summary>The message as read in its thread, or <paramref name="result"/> itself when the thread changes nothing.</summary>
    public static TextAnalysisResult Apply(TextAnalysisResult result, string text, double lexicon, ConversationContext thread)
    {
        var message = Folded(text, fromEnd: false);
        var words = WordCount(message);
        if (words == 0)
        {
            return result;
        }
        var brand = thread.BrandMessage is { Length: > 0 } b ? Folded(b, fromEnd: true) : null;
        var asksBack = text.AsSpan(0, Math.Min(text.Length, MaxChars)).Contains('?');

        if (brand is not null && Find(message, StillBroken) is { } broken)
        {
            // After any reply from the brand (above all a fix), the problem is back: a complaint again, whatever the words.
            return Reread(result, Intent.Complaint, 0.85, broken, Math.Min(result.SentimentScore, -0.5), Math.Max(result.NeedsAnswer.Value, 0.85));
        }

        if (brand is not null && !asksBack && Find(message, Gratitude) is { } thanks && Find(message, ThanksAhead) is null && (Find(brand, FixAnnounced) is not null || words <= 6))
        {
            // Thanks after a fix, or a short thank-you after any reply: the conversation can close.
            return Reread(result, Intent.Praise, 0.85, thanks, Math.Max(result.SentimentScore, 0.6), Math.Min(result.NeedsAnswer.Value, 0.1));
        }

        var calm = Math.Abs(lexicon) < ClearlyEmotional;
        if (brand is not null && !thread.CustomerWroteSince && words <= MaxReplyWords && (brand.Contains('?', StringComparison.Ordinal) || Find(brand, AsksCustomer) is not null))
        {
            // The agent asked, the customer answered: the ball is back with the brand. The answer is not a complaint in
            // itself; it carries on what the customer came for.
            if (!calm && lexicon < 0)
            {
                // An angry answer ("I sent it three times already, this is ridiculous") is still a complaint.
                return Reread(result, Intent.Complaint, 0.7, Clip(text), Math.Min(result.SentimentScore, -0.2), Math.Max(result.NeedsAnswer.Value, 0.8));
            }
            var intent = asksBack ? Intent.Question : Carried(thread.ConversationIntent);
            return Reread(result, intent, 0.8, Clip(text), calm ? 0 : result.SentimentScore, Math.Max(result.NeedsAnswer.Value, 0.8));
        }

        if (thread.ConversationIntent is { } conversationIntent and not (Intent.Spam or Intent.Chatter) && words <= MaxReplyWords && !asksBack
            && StartsWith(message, AddsDetail) is { } detail)
        {
            // A detail added to what is waiting: same subject, still waiting for the brand.
            return Reread(result, conversationIntent, 0.75, detail, calm ? 0 : result.SentimentScore, Math.Max(result.NeedsAnswer.Value, 0.75));
        }
        return result;
    }

    /// <summary>What an answer is about: the conversation's own intent, unless that would make a plain answer a complaint, a praise or noise.</summary>
    private static Intent Carried(Intent? conversation) => conversation is Intent.Question or Intent.Request or Intent.PurchaseIntent or Intent.Feedback
        ? conversation.Value
        : Intent.Request;

    private static TextAnalysisResult Reread(TextAnalysisResult result, Intent intent, double intentConfidence, string evidence, double score, double needs)
    {
        score = Math.Round(Math.Clamp(score, -1, 1), 3);
        var label = SentimentCalibration.Default.Label(score);
        var sentiment = label == result.Sentiment.Value && score == result.SentimentScore
            ? result.Sentiment
            : new Scored<SentimentLabel>(label, Math.Round(label == SentimentLabel.Neutral ? 1 - Math.Abs(score) * 2 : 0.5 + Math.Abs(score) / 2, 3), [evidence]);
        needs = Math.Round(needs, 3);
        return result with
        {
            Intent = new Scored<Intent>(intent, Math.Max(intentConfidence, intent == result.Intent.Value ? result.Intent.Confidence : 0), [evidence]),
            NeedsAnswer = needs == result.NeedsAnswer.Value ? result.NeedsAnswer : new Scored<double>(needs, Math.Round(Math.Abs(needs - 0.5) * 2, 3), [evidence]),
            SentimentScore = score,
            Sentiment = sentiment,
        };
    }

    /// <summary>
    /// The folded words of a text, one space between them and around them (" ca marche pas "), apostrophes dropped so that
    /// "doesn't" is "doesnt" and "n'a" is "na"; '?' is kept as a word. At most <see cref="MaxChars"/> of the text: its start,
    /// or its end for the brand's message.
    /// </summary>
    internal static string Folded(string text, bool fromEnd)
    {
        var part = text.Length <= MaxChars ? text : fromEnd ? text[^MaxChars..] : text[..MaxChars];
        var folded = TextFolding.Fold(part);
        var sb = new StringBuilder(folded.Length + 2);
        sb.Append(' ');
        foreach (var c in folded)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if (c is '\'' or '\u2019' or '\u02BC' || TextFolding.IsIgnorable(c))
            {
                // Dropped: "doesn't" reads as "doesnt", with or without the apostrophe.
            }
            else
            {
                if (sb[^1] != ' ')
                {
                    sb.Append(' ');
                }
                if (c == '?')
                {
                    sb.Append("? ");
                }
            }
        }
        if (sb[^1] != ' ')
        {
            sb.Append(' ');
        }
        return sb.ToString();
    }

    private static int WordCount(string folded)
    {
        var count = 0;
        for (var i = 1; i < folded.Length; i++)
        {
            if (folded[i - 1] == ' ' && folded[i] != ' ' && folded[i] != '?')
            {
                count++;
            }
        }
        return count;
    }

    private static string? Find(string folded, string[] cues)
    {
        foreach (var cue in cues)
        {
            var at = folded.IndexOf(cue, StringComparison.Ordinal);
            while (at >= 0)
            {
                if (folded[at - 1] == ' ' && folded[at + cue.Length] == ' ')
                {
                    return cue;
                }
                at = folded.IndexOf(cue, at + 1, StringComparison.Ordinal);
            }
        }
        return null;
    }

    private static string? StartsWith(string folded, string[] cues)
    {
        foreach (var cue in cues)
        {
            if (folded.Length > cue.Length + 1 && folded[1..].StartsWith(cue, StringComparison.Ordinal) && folded[cue.Length + 1] == ' ')
            {
                return cue;
            }
        }
        return null;
    }

    private static string Clip(string text)
    {
        var trimmed = text.Trim();
        return (trimmed.Length <= 60 ? trimmed : trimmed[..60]).ToLowerInvariant();
    }
}
