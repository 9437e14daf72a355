using Rapport.Analysis.Recommendations;

namespace Rapport.Analysis.Tests;

public class RecommendationTests
{
    [Theory]
    [InlineData("Service impeccable, je recommande !", "je recommande")]
    [InlineData("Livraison rapide et SAV au top. Allez-y les yeux fermés.", "Allez-y les yeux fermés")]
    [InlineData("Je vous les recommande vivement", "Je vous les recommande")]
    [InlineData("Produit à recommander sans hésiter", "à recommander")]
    [InlineData("Great support team, I'd recommend them to anyone.", "I'd recommend")]
    [InlineData("Highly recommended, the bike is perfect.", "Highly recommended")]
    [InlineData("I’d totally recommend this shop", "I’d totally recommend")]
    public void Recommendations_AreFound_WithTheirWords(string text, string words)
    {
        var reading = RecommendationDetector.Detect(text);

        Assert.Equal(RecommendationStance.Recommends, reading.Stance);
        var evidence = Assert.Single(reading.Evidence);
        Assert.Equal(words, evidence.Text);
        Assert.Equal(words, text.Substring(evidence.Start, evidence.Length));
        Assert.True(reading.Confidence >= 0.6);
    }

    [Theory]
    [InlineData("Trois semaines sans colis, je déconseille fortement.", "je déconseille")]
    [InlineData("Je ne recommande pas du tout cette boutique.", "Je ne recommande pas")]
    [InlineData("Service client inexistant : à éviter.", "à éviter")]
    [InlineData("Worst delivery ever. Avoid them.", "Avoid them")]
    [InlineData("I would not recommend this company.", "I would not recommend")]
    [InlineData("I don't recommend it, stay away", "I don't recommend")]
    [InlineData("Je vous conseille d'éviter cette marque.", "Je vous conseille d'éviter")]
    public void AdviceAgainst_IsFound_AndANegatedRecommendationIsNotARecommendation(string text, string words)
    {
        var reading = RecommendationDetector.Detect(text);

        Assert.Equal(RecommendationStance.AdvisesAgainst, reading.Stance);
        Assert.Equal(words, reading.Evidence[0].Text);
        Assert.DoesNotContain(reading.Evidence, e => e.Stance == RecommendationStance.Recommends);
    }

    [Theory]
    [InlineData("Can you recommend a plan for two people?")]
    [InlineData("Pouvez-vous me recommander un modèle pour la ville ?")]
    [InlineData("My order 4411 has not arrived yet.")]
    [InlineData("Je voudrais changer mon adresse de livraison.")]
    [InlineData("")]
    public void QuestionsAndOrdinaryMessages_RecommendNothing(string text)
    {
        Assert.Equal(RecommendationStance.None, RecommendationDetector.Detect(text).Stance);
    }

    [Fact]
    public void BothInOneText_IsMixed_WithEachPartsWords()
    {
        var reading = RecommendationDetector.Detect("Je recommande leur SAV, mais je déconseille leur livraison.");

        Assert.Equal(RecommendationStance.Mixed, reading.Stance);
        Assert.Equal(["Je recommande", "je déconseille"], reading.Evidence.Select(e => e.Text));
    }

    [Theory]
    [InlineData("Livraison rapide, SAV au top : je recommande vivement !", RecommendationStance.Recommends, "je recommande")]
    [InlineData("Three weeks and still no refund. Avoid them.", RecommendationStance.AdvisesAgainst, "Avoid them")]
    public void TheAnalyzer_ReadsTheRecommendation_WithItsWords(string text, RecommendationStance stance, string words)
    {
        var reading = TextAnalyzer.Default.Analyze(text).Recommendation;

        Assert.Equal(stance, reading.Stance);
        Assert.StartsWith(words, reading.Evidence[0].Text, StringComparison.Ordinal);
    }
}
