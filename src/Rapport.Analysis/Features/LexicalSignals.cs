using Rapport.Analysis.Lexicons;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Features;

/// <summary>What the lexicons and rules find in one tokenized text. Reused per thread.</summary>
internal sealed class LexicalSignals
{
    public readonly List<PhraseMatch<UrgencySignal>> Urgency = [];
    public readonly List<PhraseMatch<ToxicityKind>> Toxicity = [];
    public readonly List<PhraseMatch<SocietalTheme>> Themes = [];
    public readonly List<PhraseMatch<Cue>> Cues = [];
    public float Positive;
    public float Negative;
    public float EmojiPositive;
    public float EmojiNegative;
    public int QuestionMarks;
    public int Exclamations;
    public int Words;
    public int AllCapsWords;
    public bool StartsWithMention;
    public bool HasUrl;
    public int Mentions;

    /// <summary>Lexicon sentiment in [−1, 1].</summary>
    public float Score
    {
        get
        {
            var sum = Positive + Negative;
            if (sum == 0)
            {
                return 0;
            }
            var amplified = sum * (1f + 0.1f * Math.Min(3, Exclamations));
            return amplified / MathF.Sqrt(amplified * amplified + 8f);
        }
    }

    public bool HasCue(Cue cue)
    {
        foreach (var m in Cues)
        {
            if (m.Tag == cue)
            {
                return true;
            }
        }
        return false;
    }

    public void Compute(TokenizedText text)
    {
        Urgency.Clear();
        Toxicity.Clear();
        Themes.Clear();
        Cues.Clear();
        Positive = Negative = EmojiPositive = EmojiNegative = 0;
        QuestionMarks = Exclamations = Words = AllCapsWords = Mentions = 0;
        StartsWithMention = HasUrl = false;
        for (var i = 0; i < text.Count; i++)
        {
            ref readonly var t = ref text[i];
            switch (t.Kind)
            {
                case TokenKind.Punctuation:
                    var c = text.Norm(i)[0];
                    if (c == '?')
                    {
                        QuestionMarks++;
                    }
                    else if (c == '!')
                    {
                        Exclamations += t.Length;
                    }
                    break;
                case TokenKind.Mention:
                    Mentions++;
                    if (i == 0)
                    {
                        StartsWithMention = true;
                    }
                    break;
                case TokenKind.Url:
                    HasUrl = true;
                    break;
                case TokenKind.Word:
                case TokenKind.Hashtag:
                    Words++;
                    if ((t.Flags & TokenFlags.AllCaps) != 0)
                    {
                        AllCapsWords++;
                    }
                    break;
                default:
                    break;
            }
            if (t.Polarity > 0)
            {
                Positive += t.Polarity;
                if (t.Kind is TokenKind.Emoji or TokenKind.Emoticon)
                {
                    EmojiPositive += t.Polarity;
                }
            }
            else if (t.Polarity < 0)
            {
                Negative += t.Polarity;
                if (t.Kind is TokenKind.Emoji or TokenKind.Emoticon)
                {
                    EmojiNegative += t.Polarity;
                }
            }
        }
        RuleLexicons.Urgency.Match(text, Urgency);
        RuleLexicons.Toxicity.Match(text, Toxicity);
        RuleLexicons.Themes.Match(text, Themes);
        RuleLexicons.Cues.Match(text, Cues);
        RemoveNegatedUrgency(text);
    }

    // "no problem", "pas de danger", "not dangerous": a negated risk word is not a signal.
    private void RemoveNegatedUrgency(TokenizedText text)
    {
        for (var k = Urgency.Count - 1; k >= 0; k--)
        {
            var m = Urgency[k];
            if (m.Tag is UrgencySignal.SafetyRisk or UrgencySignal.LegalThreat && (text[m.FirstToken].Flags & TokenFlags.Negated) != 0)
            {
                Urgency.RemoveAt(k);
            }
        }
    }
}
