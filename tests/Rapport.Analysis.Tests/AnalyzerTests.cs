using Rapport.Analysis.Training;

namespace Rapport.Analysis.Tests;

public sealed class AnalyzerTests
{
    private static readonly TextAnalyzer Analyzer = TextAnalyzer.Default;

    [Fact]
    public void Analyze_LateParcelInFrench_IsComplaintNeedingAnswerWithLongWait()
    {
        var r = Analyzer.Analyze("mon colis n'est toujours pas arrivé depuis 5 jours");

        Assert.Equal(Intent.Complaint, r.Intent.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
        Assert.Contains(r.Urgency, u => u.Value == UrgencySignal.LongWait);
        Assert.Equal("fr", r.Language.Value);
        Assert.NotEmpty(r.Intent.Evidence);
    }

    [Theory]
    [InlineData("pas mal du tout")]
    [InlineData("franchement pas mal, je recommande")]
    public void Analyze_PasMal_IsPositive(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
        Assert.True(r.SentimentScore > 0);
    }

    [Fact]
    public void Analyze_NotBad_IsNotNegative()
    {
        var r = Analyzer.Analyze("not bad");

        Assert.NotEqual(SentimentLabel.Negative, r.Sentiment.Value);
    }

    [Fact]
    public void Analyze_NotSatisfiedAtAll_IsNegative()
    {
        var r = Analyzer.Analyze("pas du tout satisfait du service");

        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
        Assert.Contains(r.Sentiment.Evidence, e => e.Contains("satisfait", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_ProblemWithoutAccent_MatchesLikeWithAccent()
    {
        var with = Analyzer.Analyze("gros problème avec ma facture");
        var without = Analyzer.Analyze("gros probleme avec ma facture");

        Assert.Equal(with.Intent.Value, without.Intent.Value);
        Assert.Equal(with.SentimentScore, without.SentimentScore);
        Assert.True(without.SentimentScore < 0);
    }

    [Fact]
    public void Analyze_Abbreviations_AreUnderstood()
    {
        var r = Analyzer.Analyze("pls dm me asap my account is locked");

        Assert.True(r.NeedsAnswer.Value >= 0.5);
        Assert.Equal("en", r.Language.Value);
    }

    [Fact]
    public void Analyze_Elongation_IsReadAsTheWord()
    {
        var r = Analyzer.Analyze("sooooo goooood thank youuuu");

        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
    }

    [Fact]
    public void Analyze_EmojiCarriesSentiment()
    {
        Assert.Equal(SentimentLabel.Negative, Analyzer.Analyze("encore en retard 😡😡").Sentiment.Value);
        Assert.Equal(SentimentLabel.Positive, Analyzer.Analyze("reçu aujourd'hui 😍🎉").Sentiment.Value);
    }

    [Theory]
    [InlineData("merci beaucoup", "fr")]
    [InlineData("thanks a lot", "en")]
    [InlineData("où est ma commande ?", "fr")]
    [InlineData("where is my order?", "en")]
    [InlineData("¿dónde está mi pedido?", "es")]
    [InlineData("wo ist meine Bestellung?", "de")]
    [InlineData("grazie mille per l'aiuto", "it")]
    [InlineData("obrigado pela ajuda, não chegou ainda", "pt")]
    [InlineData("bonjour, my order is still not here and I am very angry", "en")]
    public void Analyze_ShortTexts_LanguageIsRight(string text, string language)
    {
        Assert.Equal(language, Analyzer.Analyze(text).Language.Value);
    }

    [Fact]
    public void Analyze_LanguageHint_DecidesAmbiguousText()
    {
        Assert.Equal("fr", Analyzer.Analyze("ok", new AnalysisContext(LanguageHint: "fr")).Language.Value);
    }

    [Fact]
    public void Analyze_Urgencies_AreDetected()
    {
        Assert.Contains(Analyzer.Analyze("there is a gas leak near your station").Urgency, u => u.Value == UrgencySignal.SafetyRisk);
        Assert.Contains(Analyzer.Analyze("je vais contacter mon avocat").Urgency, u => u.Value == UrgencySignal.LegalThreat);
        Assert.Contains(Analyzer.Analyze("internet is down again in my area").Urgency, u => u.Value == UrgencySignal.Outage);
        Assert.Contains(Analyzer.Analyze("si ça continue je vais résilier").Urgency, u => u.Value == UrgencySignal.ChurnThreat);
        Assert.Contains(Analyzer.Analyze("my elderly mother has no heating").Urgency, u => u.Value == UrgencySignal.VulnerablePerson);
        Assert.Contains(Analyzer.Analyze("still waiting for my refund for 3 weeks").Urgency, u => u.Value == UrgencySignal.LongWait);
    }

    [Theory]
    [InlineData("Bonjour, je suis non-voyant et les boutons de votre appli ne sont pas lus par VoiceOver")]
    [InlineData("ma fille est malentendante, le conseiller refuse de répondre par écrit")]
    [InlineData("I'm colour-blind and your station map is unusable")]
    [InlineData("my dad has alzheimer's and got locked out of his account")]
    public void Analyze_VulnerablePeople_AreFlagged(string text)
    {
        Assert.Contains(Analyzer.Analyze(text).Urgency, u => u.Value == UrgencySignal.VulnerablePerson);
    }

    [Fact]
    public void Analyze_NoProblem_IsNotASafetyRisk()
    {
        Assert.DoesNotContain(Analyzer.Analyze("aucun danger, tout va bien").Urgency, u => u.Value == UrgencySignal.SafetyRisk);
    }

    [Fact]
    public void Analyze_Insult_IsToxic()
    {
        var r = Analyzer.Analyze("vous êtes vraiment des connards");

        var insult = Assert.Single(r.Toxicity);
        Assert.Equal(ToxicityKind.Insult, insult.Value);
        Assert.Contains("connards", insult.Evidence);
    }

    [Fact]
    public void Analyze_PoliteComplaint_IsNotToxic()
    {
        Assert.Empty(Analyzer.Analyze("Bonjour, ma commande est arrivée abîmée, pouvez-vous m'aider ?").Toxicity);
    }

    [Fact]
    public void Analyze_Themes_AreDetected()
    {
        var r = Analyzer.Analyze("trop de plastique dans vos emballages, pensez à l'environnement");

        Assert.Contains(r.Themes, t => t.Value == SocietalTheme.Environment);
        Assert.Contains(Analyzer.Analyze("your app is not usable with a screen reader").Themes, t => t.Value == SocietalTheme.Accessibility);
    }

    [Fact]
    public void Analyze_KeyPhrases_AreContentWords()
    {
        var r = Analyzer.Analyze("La carte bancaire bloquée depuis hier, impossible de payer #galère");

        Assert.NotEmpty(r.KeyPhrases);
        Assert.Contains(r.KeyPhrases, p => p.Contains("carte bancaire", StringComparison.Ordinal));
        Assert.Contains("#galère", r.KeyPhrases);
    }

    [Fact]
    public void Analyze_Question_IsQuestion()
    {
        // Asking whether they deliver somewhere is a question, or a purchase intent: both need an answer.
        var r = Analyzer.Analyze("Bonjour, est-ce que vous livrez en Belgique ?");
        Assert.Contains(r.Intent.Value, new[] { Intent.Question, Intent.PurchaseIntent });
        Assert.True(r.NeedsAnswer.Value >= 0.5);
        Assert.True(Analyzer.Analyze("what time does the store open on sunday?").NeedsAnswer.Value >= 0.5);
    }

    [Fact]
    public void Analyze_Spam_DoesNotNeedAnswer()
    {
        var r = Analyzer.Analyze("Gagnez 500€ par jour avec le bitcoin !!! cliquez ici http://bit.ly/xyz");

        Assert.Equal(Intent.Spam, r.Intent.Value);
        Assert.True(r.NeedsAnswer.Value < 0.5);
    }

    [Fact]
    public void Analyze_Praise_IsPositiveAndPraise()
    {
        var r = Analyzer.Analyze("Un grand merci à Julie du service client, super efficace et adorable !");

        Assert.Equal(Intent.Praise, r.Intent.Value);
        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
    }

    [Fact]
    public void Analyze_ModelVersion_IsReported()
    {
        Assert.Equal(Analyzer.Model.Version, Analyzer.Analyze("hello").ModelVersion);
        Assert.StartsWith(AnalyzerModel.FormatVersion + "+", Analyzer.Model.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_ManyThreads_GiveTheSameResults()
    {
        var texts = LabelledCsv.SeedCorpus().Take(200).Select(e => e.Text).ToArray();
        var expected = texts.Select(t => Analyzer.Analyze(t)).ToArray();
        var actual = new TextAnalysisResult[texts.Length];
        Parallel.For(0, texts.Length * 5, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var k = i % texts.Length;
            actual[k] = Analyzer.Analyze(texts[k]);
        });
        for (var k = 0; k < texts.Length; k++)
        {
            Assert.Equal(expected[k].Intent.Value, actual[k].Intent.Value);
            Assert.Equal(expected[k].NeedsAnswer.Value, actual[k].NeedsAnswer.Value);
            Assert.Equal(expected[k].SentimentScore, actual[k].SentimentScore);
            Assert.Equal(expected[k].Language.Value, actual[k].Language.Value);
        }
    }
}
