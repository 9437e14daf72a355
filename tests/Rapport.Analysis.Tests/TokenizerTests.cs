using Rapport.Analysis.Text;

namespace Rapport.Analysis.Tests;

public sealed class TokenizerTests
{
    private static List<(TokenKind Kind, string Norm, string Original, TokenFlags Flags)> Tokens(string text)
    {
        var t = new TokenizedText();
        Tokenizer.Tokenize(text, t);
        return Enumerable.Range(0, t.Count).Select(i => (t[i].Kind, t.Norm(i).ToString(), t.Original(i).ToString(), t[i].Flags)).ToList();
    }

    [Fact]
    public void Tokenize_SocialText_KindsAreRight()
    {
        var tokens = Tokens("@AcmeRail #fail see https://t.co/xyz :) 😡 42!!");

        Assert.Equal(
            [TokenKind.Mention, TokenKind.Hashtag, TokenKind.Word, TokenKind.Url, TokenKind.Emoticon, TokenKind.Emoji, TokenKind.Number, TokenKind.Punctuation],
            tokens.Select(t => t.Kind));
        Assert.Equal("fail", tokens[1].Norm);
        Assert.Equal("https://t.co/xyz", tokens[3].Original);
        Assert.Equal("!!", tokens[7].Original);
    }

    private static float PolarityOf(string text, string word)
    {
        var t = new TokenizedText();
        Tokenizer.Tokenize(text, t);
        return Enumerable.Range(0, t.Count).Where(i => t.Norm(i).SequenceEqual(word)).Select(i => t[i].Polarity).Single();
    }

    [Theory]
    [InlineData("great, another 40 min delay 🙄", "great")]
    [InlineData("love waiting on hold for an hour #not", "love")]
    [InlineData("thanks for nothing @AcmeRail", "thanks")]
    [InlineData("merci pour rien, vraiment génial", "genial")]
    [InlineData("super service, said no one ever", "super")]
    [InlineData("internet down again, love that for me", "love")]
    public void Tokenize_IronyMarker_TurnsPraiseIntoBlame(string text, string word)
    {
        Assert.True(PolarityOf(text, word) < 0, text);
    }

    [Theory]
    [InlineData("great service today 😊", "great")]
    [InlineData("love the new menu", "love")]
    [InlineData("thanks for sorting that out", "thanks")]
    public void Tokenize_NoIronyMarker_PraiseStaysPositive(string text, string word)
    {
        Assert.True(PolarityOf(text, word) > 0, text);
    }

    [Theory]
    [InlineData("the charger is faulty", "faulty")]
    [InlineData("the app is unusable since the update", "unusable")]
    [InlineData("colis endommagé", "endommage")]
    [InlineData("c'est insupportable", "insupportable")]
    public void Tokenize_FaultWords_AreNegative(string text, string word)
    {
        Assert.True(PolarityOf(text, word) < 0, text);
    }

    [Fact]
    public void Tokenize_AccentsAndCase_AreFolded()
    {
        Assert.Equal(["probleme", "recu", "deja", "coeur"], Tokens("Problème REÇU déjà cœur").Select(t => t.Norm));
    }

    [Fact]
    public void Tokenize_FrenchElisionsAndEnglishContractions_AreSplit()
    {
        Assert.Equal(["ne", "est", "pas", "le", "appli", "que", "en"], Tokens("n'est pas l’appli qu'en").Select(t => t.Norm));
        Assert.Equal(["do", "not", "can", "not", "it"], Tokens("don't can't it's").Select(t => t.Norm));
    }

    [Fact]
    public void Tokenize_Elongation_IsCollapsedAndFlagged()
    {
        var tokens = Tokens("sooooo goooood");

        Assert.Equal(["so", "good"], tokens.Select(t => t.Norm));
        Assert.All(tokens, t => Assert.True(t.Flags.HasFlag(TokenFlags.Elongated)));
    }

    [Fact]
    public void Tokenize_Abbreviations_AreExpanded()
    {
        Assert.Equal(["s'il_vous_plait"], Tokens("svp").Select(t => t.Norm));
        Assert.Equal(["please", "direct_message", "as_soon_as_possible"], Tokens("pls dm asap").Select(t => t.Norm));
        Assert.Equal(["probleme"], Tokens("pb").Select(t => t.Norm));
        Assert.All(Tokens("jsp"), t => Assert.True(t.Flags.HasFlag(TokenFlags.Abbreviation)));
    }

    [Fact]
    public void Tokenize_NegationScope_StopsAtPunctuation()
    {
        var tokens = Tokens("pas du tout satisfait. content");

        Assert.True(tokens.Single(t => t.Norm == "satisfait").Flags.HasFlag(TokenFlags.Negated));
        Assert.False(tokens.Single(t => t.Norm == "content").Flags.HasFlag(TokenFlags.Negated));
    }

    [Fact]
    public void Tokenize_EmojiSequences_AreOneToken()
    {
        var tokens = Tokens("👍🏽👩‍👩‍👧🇫🇷");

        Assert.Equal(3, tokens.Count);
        Assert.All(tokens, t => Assert.Equal(TokenKind.Emoji, t.Kind));
    }

    [Fact]
    public void Tokenize_TimeIsNotAnEmoticon()
    {
        Assert.DoesNotContain(Tokens("the 7:42 train"), t => t.Kind == TokenKind.Emoticon);
    }

    [Fact]
    public void Tokenize_LongText_IsCapped()
    {
        var t = new TokenizedText();
        Tokenizer.Tokenize(new string('a', 10) + " " + string.Concat(Enumerable.Repeat("mot ", 100_000)), t);

        Assert.Equal(Tokenizer.MaxAnalysedChars, t.AnalysedLength);
        Assert.True(t.Count <= Tokenizer.MaxAnalysedChars);
    }
}
