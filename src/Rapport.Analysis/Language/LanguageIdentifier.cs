using Rapport.Analysis.Text;

namespace Rapport.Analysis.Language;

/// <summary>
/// Identifies fr, en, es, de, it, pt (else "other") from function words, common customer-care words,
/// word endings and letters with diacritics. Works on texts of two or three words, where n-gram
/// profiles alone are unreliable, and follows the majority on mixed texts.
/// </summary>
public static class LanguageIdentifier
{
    public static readonly string[] Languages = ["fr", "en", "es", "de", "it", "pt"];
    public const string Other = "other";

    private static readonly Dictionary<string, (int Mask, float Weight)> Words = BuildWords();
    private static readonly Dictionary<string, (int Mask, float Weight)>.AlternateLookup<ReadOnlySpan<char>> WordsLookup = Words.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, (int Mask, float Weight)> BuildWords()
    {
        var lists = new[]
        {
            // fr
            "le la les un une des du de et est sont je j tu il elle nous vous ils elles on ne pas plus que qui quoi quand comment pourquoi ou mais donc car avec sans pour par sur dans chez ce cette ces mon ma mes ton ta tes son sa ses notre votre vos leur leurs me te se moi toi lui y en au aux tres bien merci bonjour bonsoir salut oui non toujours jamais rien aussi encore deja depuis suis ai as avons avez ont etait fait faire peut veux voudrais colis commande livraison remboursement facture abonnement appli carte compte client service reponse probleme attente jours semaine hier aujourdhui demain svp s'il_vous_plait s'il_te_plait c'est ca cela quel quelle merde vraiment trop super genial nul franchement",
            // en
            "the a an and is are was were be been i you he she we they it my your his her our their me him us them this that these those what which who when where why how not no yes do does did have has had will would can could should there here with without for from of to in on at by about just very really thanks thank please hello hi hey order delivery refund account service customer help still got get never always again today yesterday tomorrow week days waiting love great good bad worst any some all if or but so than then too also im dont cant",
            // es
            "el la los las un una unos y es son yo tu usted nosotros ellos no si que por para con sin pero como cuando donde porque muy gracias hola buenos dias pedido envio cuenta ayuda todavia nunca siempre hoy ayer mi mis su sus esta este estoy tengo tiene hay del al lo le se me te nos fue ser estar",
            // de
            "der die das ein eine und ist sind ich du er sie wir ihr es nicht kein keine mit ohne fur von zu im in auf bei uber was wer wann wo warum wie sehr danke bitte hallo guten tag bestellung lieferung konto hilfe noch nie immer heute gestern mein meine dein sein unser ja nein auch aber oder dass haben habe hat wird werden kann konnen",
            // it
            "il lo la gli le un uno una e sono io tu lui lei noi voi loro non si che chi per con senza ma come quando dove perche molto grazie ciao buongiorno ordine consegna conto aiuto ancora mai sempre oggi ieri mio mia miei tuo suo nostro del della dei degli nel nella sul alla ho hai ha abbiamo essere questo questa",
            // pt
            "o a os as um uma e sao eu voce ele ela nos eles elas nao sim que quem por para com sem mas como quando onde porque muito obrigado obrigada ola bom dia pedido entrega conta ajuda ainda nunca sempre hoje ontem meu minha meus seu sua nosso do da dos das no na ao tenho tem foi ser estar esta isso",
        };
        var sets = lists.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)).ToArray();
        var result = new Dictionary<string, (int, float)>(StringComparer.Ordinal);
        foreach (var word in sets.SelectMany(s => s).Distinct(StringComparer.Ordinal))
        {
            var mask = 0;
            var count = 0;
            for (var l = 0; l < sets.Length; l++)
            {
                if (sets[l].Contains(word))
                {
                    mask |= 1 << l;
                    count++;
                }
            }
            result[word] = (mask, 1f / count);
        }
        return result;
    }

    /// <summary>True for a function or very common word of one of the six languages (used for key phrases).</summary>
    internal static bool IsFunctionWord(ReadOnlySpan<char> folded) => WordsLookup.ContainsKey(folded) && !CareWordsLookup.Contains(folded);

    // Common in customer care and good language cues, but content words for key phrases.
    private static readonly HashSet<string> CareWords = new(
        "colis commande livraison remboursement facture abonnement appli carte compte client service reponse probleme attente jours semaine order delivery refund account customer help pedido envio cuenta ayuda bestellung lieferung konto hilfe ordine consegna conto aiuto entrega conta ajuda".Split(' '),
        StringComparer.Ordinal);

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> CareWordsLookup = CareWords.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly (string Suffix, int Lang, float Weight)[] Endings =
    [
        ("eau", 0, 0.4f), ("eux", 0, 0.4f), ("aient", 0, 0.5f), ("ement", 0, 0.3f), ("ais", 0, 0.3f), ("oi", 0, 0.3f),
        ("ing", 1, 0.4f), ("ly", 1, 0.3f), ("ed", 1, 0.2f), ("ght", 1, 0.4f),
        ("cion", 2, 0.5f), ("dad", 2, 0.4f), ("amos", 2, 0.4f), ("ado", 2, 0.2f), ("ando", 2, 0.3f),
        ("ung", 3, 0.5f), ("keit", 3, 0.5f), ("lich", 3, 0.5f), ("cht", 3, 0.4f), ("sch", 3, 0.3f), ("en", 3, 0.1f),
        ("zione", 4, 0.6f), ("zioni", 4, 0.6f), ("ato", 4, 0.2f), ("etto", 4, 0.4f), ("gli", 4, 0.4f),
        ("cao", 5, 0.5f), ("coes", 5, 0.6f), ("mente", 5, 0.1f), ("inho", 5, 0.5f), ("inha", 5, 0.5f),
    ];

    /// <summary>Identifies the language of an already tokenized text.</summary>
    public static Scored<string> Identify(TokenizedText text, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<float> scores = stackalloc float[6];
        var source = text.Source.AsSpan(0, text.AnalysedLength);
        int latin = 0, nonLatin = 0;
        foreach (var c in source)
        {
            if (!char.IsLetter(c))
            {
                continue;
            }
            if (c <= '\u024F')
            {
                latin++;
            }
            else
            {
                nonLatin++;
            }
            switch (char.ToLowerInvariant(c))
            {
                case 'é': scores[0] += 0.3f; scores[2] += 0.15f; scores[5] += 0.15f; break;
                case 'è': scores[0] += 0.5f; scores[4] += 0.2f; break;
                case 'ê': scores[0] += 0.4f; scores[5] += 0.3f; break;
                case 'à': scores[0] += 0.4f; scores[4] += 0.2f; scores[5] += 0.1f; break;
                case 'ù': scores[0] += 0.5f; scores[4] += 0.2f; break;
                case 'ç': scores[0] += 0.4f; scores[5] += 0.4f; break;
                case 'œ': case 'î': case 'ï': case 'û': scores[0] += 0.5f; break;
                case 'ñ': scores[2] += 0.8f; break;
                case '¿': case '¡': scores[2] += 0.8f; break;
                case 'á': case 'í': case 'ó': case 'ú': scores[2] += 0.3f; scores[5] += 0.3f; break;
                case 'ß': case 'ä': case 'ö': case 'ü': scores[3] += 0.7f; break;
                case 'ã': case 'õ': scores[5] += 0.8f; break;
                case 'ò': case 'ì': scores[4] += 0.6f; break;
                case 'â': case 'ô': scores[5] += 0.2f; scores[0] += 0.2f; break;
                default: break;
            }
        }
        foreach (var c in source)
        {
            if (c is '¿' or '¡')
            {
                scores[2] += 0.8f;
            }
        }

        var evidence = new List<string>(3);
        for (var i = 0; i < text.Count; i++)
        {
            if (text[i].Kind != TokenKind.Word)
            {
                continue;
            }
            var norm = text.Norm(i);
            if (WordsLookup.TryGetValue(norm, out var entry))
            {
                for (var l = 0; l < 6; l++)
                {
                    if ((entry.Mask & (1 << l)) != 0)
                    {
                        scores[l] += entry.Weight;
                    }
                }
                if (entry.Weight >= 1f && evidence.Count < 3)
                {
                    evidence.Add(norm.ToString());
                }
            }
            else if (norm.Length >= 4)
            {
                foreach (var (suffix, lang, weight) in Endings)
                {
                    if (norm.EndsWith(suffix, StringComparison.Ordinal))
                    {
                        scores[lang] += weight;
                    }
                }
            }
        }

        var hintIndex = hint is null ? -1 : Array.IndexOf(Languages, hint.ToLowerInvariant());
        if (hintIndex >= 0)
        {
            scores[hintIndex] += 0.75f;
        }

        if (nonLatin > latin)
        {
            return new Scored<string>(Other, Math.Round((double)nonLatin / (latin + nonLatin), 2), ["non-latin script"]);
        }

        int best = 0, second = 1;
        if (scores[1] > scores[0])
        {
            (best, second) = (1, 0);
        }
        for (var l = 2; l < 6; l++)
        {
            if (scores[l] > scores[best])
            {
                second = best;
                best = l;
            }
            else if (scores[l] > scores[second])
            {
                second = l;
            }
        }
        if (scores[best] < 0.5f)
        {
            return new Scored<string>(Other, scores[best] <= 0 ? 0.2 : 0.3, evidence);
        }
        var confidence = (scores[best] + 0.5) / (scores[best] + scores[second] + 1.0);
        confidence = Math.Min(0.99, Math.Round(confidence * Math.Min(1.0, 0.55 + 0.15 * scores[best]), 2));
        return new Scored<string>(Languages[best], confidence, evidence);
    }
}
