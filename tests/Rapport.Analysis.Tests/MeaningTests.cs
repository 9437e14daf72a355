using Rapport.Analysis.Meaning;

namespace Rapport.Analysis.Tests;

/// <summary>The sentence-similarity engine (decision 0076): paraphrases close, other questions far, bad input harmless.</summary>
public class MeaningTests
{
    private static TextMeaning Meaning => TextMeaning.Shared;

    [Theory]
    [InlineData("my parcel never arrived", "the package was not delivered")]
    [InlineData("the app crashes when I open it", "application keeps closing on startup")]
    [InlineData("je n'ai pas reçu ma commande", "colis jamais livré")]
    [InlineData("remboursez-moi svp", "rendez-moi mon argent")]
    [InlineData("je n'ai pas reçu ma commande", "my parcel never arrived")]
    public void Similarity_ParaphrasesThatShareFewWords_AreTheSameQuestion(string a, string b)
    {
        var same = Meaning.Similarity(a, b);
        var other = Meaning.Similarity(a, "how do I reset my password?");

        Assert.True(same >= TextMeaning.SameQuestion, $"{same:F3} for \"{a}\" ~ \"{b}\"");
        Assert.True(other < TextMeaning.SameQuestion && other < same - 0.2, $"{other:F3} against the password question");
    }

    [Fact]
    public void Tokenizer_AccentsAndCase_AreFoldedNotUnknown()
    {
        var encoder = SentenceEncoder.Shared;
        var accented = encoder.TokenIds("Arrivé, ÉTÉ, reçu");

        Assert.Equal(encoder.TokenIds("arrive, ete, recu"), accented);
        Assert.DoesNotContain(encoder.Tokenizer.UnknownTokenId, accented);
    }

    [Fact]
    public void Vectors_AreUnitLength_AndTheSameTextGivesTheSameCachedVector()
    {
        var v = Meaning.Of("Where is my order?", "en");

        Assert.Equal(SentenceEncoder.Dimensions, v.Length);
        Assert.Equal(1.0, Vectors.Cosine(v, v), 3);
        Assert.Same(v, Meaning.Of("Where is my order?", "en"));
    }

    [Fact]
    public void Glossary_ReadsFrenchCareWordsInEnglish()
    {
        Assert.Equal("i have not received my order", CareGlossary.ToEnglish("Je n'ai pas reçu ma commande"));
        Assert.Equal("parcel never delivered", CareGlossary.ToEnglish("Colis jamais livré"));
    }

    [Fact]
    public void FrenchParaphrasesWeWrote_MostFindTheirPairFirst()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "paraphrases.fr.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        var questions = Meaning.OfMany([.. lines.Select(c => ((string?)c[1], (string?)"fr"))]);
        var paraphrases = new MeaningIndex(Meaning.OfMany([.. lines.Select(c => ((string?)c[2], (string?)"fr"))]));

        var found = questions.Select((q, i) => paraphrases.Search(q, 1)[0].Index == i).Count(hit => hit);

        // The bench prints the figure (similarity); the floor keeps the glossary and the model from getting worse unnoticed.
        Assert.True(found >= lines.Count * 0.6, $"{found} of {lines.Count}");
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "empty", "" },
        { "blank", " \n\t " },
        { "zero-width", "\u200B\u200C\u200D\uFEFF\u2060" },
        { "emoji only", "😡😡😡📦❌" },
        { "right to left", "لم يصل طردي أبدا" },
        { "hebrew", "החבילה לא הגיעה" },
        { "mixed scripts", "Colis 包裹 посылка never arrived ✈" },
        { "lone surrogates", "parcel \uD83D lost \uDE21" },
        { "binary", new string([.. Enumerable.Range(0, 4096).Select(i => (char)(i * 7919 % 256))]) },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Encode_BadInput_GivesAFiniteVectorWithoutException(string name, string text)
    {
        var v = Meaning.Of(text);

        Assert.Equal(SentenceEncoder.Dimensions, v.Length);
        Assert.All(v, x => Assert.True(float.IsFinite(x), name));
        var norm = Math.Sqrt(Vectors.Cosine(v, v));
        Assert.True(norm < 1e-6 || Math.Abs(norm - 1) < 1e-3, $"{name}: norm {norm}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u200B\u200B\u200B")]
    public void Encode_NothingSaid_IsTheZeroVector_LikeNothingElse(string text)
    {
        var v = Meaning.Of(text);

        Assert.All(v, x => Assert.Equal(0f, x));
        Assert.Equal(0, Vectors.Cosine(v, Meaning.Of("my parcel never arrived")));
    }

    [Fact]
    public void Encode_OneMegabyte_IsCutToTheModelsWindow()
    {
        var huge = string.Concat(Enumerable.Repeat("my parcel never arrived and nobody answers ", 25_000));

        Assert.True(huge.Length > 1_000_000);
        Assert.True(SentenceEncoder.Prepare(huge).Length <= SentenceEncoder.MaxChars);
        Assert.Equal(SentenceEncoder.MaxTokens, SentenceEncoder.Shared.TokenIds(huge).Count);
        Assert.True(Meaning.Similarity(huge, "the package was not delivered") > Meaning.Similarity(huge, "how do I reset my password?"));
    }
}
