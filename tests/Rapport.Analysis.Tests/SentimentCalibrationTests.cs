using Rapport.Analysis.Evaluation;

namespace Rapport.Analysis.Tests;

/// <summary>
/// What a person reading the inbox or a listening report expects of the shipped model (seed corpus only), with
/// sentences we wrote, in English and French (docs/decisions/0062).
/// </summary>
public sealed class SentimentCalibrationTests
{
    private static readonly TextAnalyzer Analyzer = TextAnalyzer.Default;

    private static bool IsComplaint(string text) => EvaluationRunner.ZeroShot(EvalTask.Complaint, text) == "1";

    [Theory]
    [InlineData("The update is version 2.4.1")]
    [InlineData("The store opens at 9am on Saturdays")]
    [InlineData("Kick off is at 8pm on Sunday")]
    [InlineData("No, I am not using a VPN.")]
    [InlineData("ok thanks")]
    [InlineData("Android 14 on a Pixel 7")]
    [InlineData("La mise à jour est la version 2.4.1")]
    [InlineData("Non, je n'utilise pas de VPN.")]
    [InlineData("ok merci")]
    [InlineData("Le conseil municipal se réunit mardi à 18h")]
    public void Analyze_FactOrAnswer_StaysNeutral(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Neutral, r.Sentiment.Value);
    }

    [Theory]
    [InlineData("No, I am not using a VPN.")]
    [InlineData("It's version 8.9.12 of the app")]
    [InlineData("Non, je n'utilise pas de VPN.")]
    public void ZeroShot_AnswerToAnAgent_IsNotAComplaint(string text)
    {
        Assert.False(IsComplaint(text), text);
    }

    [Theory]
    [InlineData("Thank you so much for your help, it works now!")]
    [InlineData("thanks a lot, you guys are brilliant")]
    [InlineData("Merci beaucoup pour votre aide, tout fonctionne !")]
    [InlineData("merci, vous êtes au top")]
    public void Analyze_ThankYou_IsPositive(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
    }

    [Theory]
    [InlineData("the new app is not good at all")]
    [InlineData("I am not happy with this delivery")]
    [InlineData("ce n'est pas bon du tout")]
    [InlineData("je ne suis pas satisfait de la livraison")]
    public void Analyze_NegatedPraise_IsNegative(string text)
    {
        Assert.Equal(SentimentLabel.Negative, Analyzer.Analyze(text).Sentiment.Value);
    }

    [Theory]
    [InlineData("Can't wait for the new season!!")]
    [InlineData("J'ai trop hâte de les voir en concert")]
    public void Analyze_Eagerness_IsPositive(string text)
    {
        Assert.Equal(SentimentLabel.Positive, Analyzer.Analyze(text).Sentiment.Value);
    }

    [Theory]
    [InlineData("great, another delay 🙄")]
    [InlineData("love waiting on hold for an hour #not")]
    [InlineData("super, encore un retard 🙄")]
    [InlineData("merci pour rien")]
    public void Analyze_MarkedIrony_IsNegative(string text)
    {
        Assert.Equal(SentimentLabel.Negative, Analyzer.Analyze(text).Sentiment.Value);
    }

    [Theory]
    [InlineData("still not working after the fix")]
    [InlineData("@SoundWave I did everything you said and it still crashes")]
    [InlineData("toujours pas réparé après votre intervention")]
    public void StillNotWorkingAfterTheFix_IsANegativeComplaint(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
        Assert.True(IsComplaint(text), text);
    }

    [Theory]
    [InlineData("Terrible news from the earthquake, thoughts with everyone there")]
    [InlineData("Three people killed in the crash on the motorway last night")]
    [InlineData("Trois morts dans l'accident sur l'autoroute cette nuit")]
    public void WorldNews_IsNegativeButNotAComplaint(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
        Assert.False(IsComplaint(text), text);
    }

    [Theory]
    [InlineData("So excited for the concert tonight!")]
    [InlineData("What a goal! Best match of the season")]
    [InlineData("Quel but ! Le meilleur match de la saison")]
    public void FanExcitement_IsPositiveAndNotAComplaint(string text)
    {
        var r = Analyzer.Analyze(text);

        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
        Assert.False(IsComplaint(text), text);
    }

    [Fact]
    public void Analyze_ButClause_WeighsWhatFollows()
    {
        Assert.Equal(SentimentLabel.Negative, Analyzer.Analyze("the staff were nice but the food was awful").Sentiment.Value);
        Assert.Equal(SentimentLabel.Positive, Analyzer.Analyze("the wait was long but the staff were lovely").Sentiment.Value);
    }

    [Fact]
    public void Calibration_LabelsFollowTheThresholds()
    {
        var c = SentimentCalibration.Default;

        Assert.Equal(SentimentLabel.Positive, c.Label(c.PositiveFrom));
        Assert.Equal(SentimentLabel.Negative, c.Label(c.NegativeFrom));
        Assert.Equal(SentimentLabel.Neutral, c.Label(0));
        Assert.Equal(0, c.Score(0, 0));
    }
}
