using System.Text;

namespace Rapport.Analysis.Tests;

public sealed class BadInputTests
{
    private static readonly TextAnalyzer Analyzer = TextAnalyzer.Default;

    public static TheoryData<string, string> Inputs()
    {
        var random = new Random(7);
        var garbage = new char[5000];
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = (char)random.Next(0, 0xFFFF);
        }
        var bytes = new byte[4000];
        random.NextBytes(bytes);
        return new TheoryData<string, string>
        {
            { "empty", string.Empty },
            { "whitespace", "   \t\r\n  " },
            { "one megabyte", string.Concat(Enumerable.Repeat("mon colis n'est pas arrivé, c'est une honte ! ", 1_000_000 / 46)) },
            { "random chars", new string(garbage) },
            { "binary as latin1", Encoding.Latin1.GetString(bytes) },
            { "nul bytes", "\0\0\0abc\0" },
            { "right to left", "مرحبا، طلبي لم يصل بعد منذ أسبوع" },
            { "hebrew", "שלום, ההזמנה שלי לא הגיעה" },
            { "mixed scripts", "Привет bonjour 你好 hello مرحبا" },
            { "zero width", "pro\u200Bblè\u200Cme avec ma com\u200Dmande\uFEFF\u2060" },
            { "emoji only", "😡😡😡🤬" },
            { "emoji sequences", "👩‍👩‍👧‍👦🏳️‍🌈👍🏽🇫🇷" },
            { "lone surrogates", "abc\uD800def\uDC00" },
            { "only punctuation", "?!?!...,,;;" },
            { "very long word", new string('a', 100_000) },
            { "long number", new string('9', 5000) },
        };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Analyze_BadInput_ReturnsSensibleResult(string name, string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.NotNull(r);
        Assert.InRange(r.NeedsAnswer.Value, 0, 1);
        Assert.InRange(r.SentimentScore, -1, 1);
        Assert.InRange(r.Intent.Confidence, 0, 1);
        Assert.NotNull(r.Language.Value);
        Assert.True(r.KeyPhrases.Count <= 5, name);
    }

    [Fact]
    public void Analyze_Null_DoesNotThrow()
    {
        var r = Analyzer.Analyze(null!);

        Assert.Equal(SentimentLabel.Neutral, r.Sentiment.Value);
    }

    [Fact]
    public void Analyze_RightToLeft_IsOtherLanguage()
    {
        Assert.Equal("other", Analyzer.Analyze("مرحبا، طلبي لم يصل بعد منذ أسبوع").Language.Value);
    }

    [Fact]
    public void Analyze_ZeroWidthInsideWord_IsIgnored()
    {
        var clean = Analyzer.Analyze("gros problème avec ma commande");
        var hidden = Analyzer.Analyze("gros pro\u200Bblème avec ma com\u200Cmande");

        Assert.Equal(clean.SentimentScore, hidden.SentimentScore);
        Assert.Equal(clean.Intent.Value, hidden.Intent.Value);
    }

    [Fact]
    public void Analyze_EmojiOnly_HasSentiment()
    {
        var r = Analyzer.Analyze("😡😡😡");

        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
    }
}
