using Rapport.Analysis.Review;

namespace Rapport.Analysis.Tests;

public class ToneCheckTests
{
    [Theory]
    [InlineData("My bike arrived broken, this is unacceptable.", "Haha, bikes have feelings too 😂 We'll send a new wheel.")]
    [InlineData("Mon vélo est arrivé cassé, c'est inadmissible.", "Oh génial, encore un vélo cassé, quelle surprise ! Désolé, on vous renvoie une roue.")]
    public void AJokeAnsweringAComplaint_IsFlagged_WithTheWordsThatRaisedIt(string customer, string reply)
    {
        var review = ToneCheck.Review(customer, reply);

        var flag = Assert.Single(review.Flags, f => f.Kind == ToneFlagKind.JokeAnsweringComplaint);
        Assert.False(string.IsNullOrEmpty(flag.Evidence));
        Assert.Contains("mock", ToneCheck.Review(customer, reply, explainIn: "en").Flags.First(f => f.Kind == ToneFlagKind.JokeAnsweringComplaint).Explanation, StringComparison.Ordinal);
        Assert.Contains("moquerie", ToneCheck.Review(customer, reply, explainIn: "fr").Flags.First(f => f.Kind == ToneFlagKind.JokeAnsweringComplaint).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AJokeWithAHappyCustomer_IsFine()
    {
        var review = ToneCheck.Review("Love my new bike, thanks team!", "Haha glad you love it 😉 Enjoy the ride!", customerComplains: false);

        Assert.True(review.IsClean);
    }

    [Theory]
    [InlineData("My order is late. When will the parcel be delivered?", "Thanks for your message, have a nice day!", "parcel")]
    [InlineData("Bonjour, ma commande est en retard. Quand le colis sera-t-il livré ?", "Merci pour votre message, bonne journée !", "colis")]
    public void AQuestionTheReplyIgnores_IsFlagged_WithTheQuestion(string customer, string reply, string term)
    {
        var flag = Assert.Single(ToneCheck.Review(customer, reply, customerComplains: false).Flags);

        Assert.Equal(ToneFlagKind.UnansweredQuestion, flag.Kind);
        Assert.EndsWith("?", flag.Evidence, StringComparison.Ordinal);
        Assert.Contains(term, flag.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("When will the parcel be delivered?", "Your parcel leaves our warehouse today and will be delivered on Thursday.")]
    [InlineData("Quand le colis sera-t-il livré ?", "Votre colis part aujourd'hui, livraison jeudi.")]
    public void AQuestionTheReplyAddresses_IsNotFlagged(string customer, string reply) =>
        Assert.True(ToneCheck.Review(customer, reply, customerComplains: false).IsClean);

    [Theory]
    [InlineData("The app still doesn't work, I'm furious.", "Please reinstall the app.", "en")]
    [InlineData("L'appli ne marche toujours pas, j'en ai marre.", "Réinstallez l'application.", "fr")]
    public void AComplaintWithoutAcknowledgement_IsFlagged(string customer, string reply, string language)
    {
        var review = ToneCheck.Review(customer, reply, customerComplains: true, explainIn: language);

        Assert.Contains(review.Flags, f => f.Kind == ToneFlagKind.NoAcknowledgement);
    }

    [Theory]
    [InlineData("The app still doesn't work, I'm furious.", "I'm sorry about this, I understand how annoying it is. Please reinstall the app.")]
    [InlineData("L'appli ne marche toujours pas, j'en ai marre.", "Désolée pour ce souci, je comprends votre agacement. Réinstallez l'application.")]
    public void AComplaintAcknowledged_IsFine(string customer, string reply) =>
        Assert.True(ToneCheck.Review(customer, reply, customerComplains: true).IsClean);

    [Fact]
    public void ComplaintsAreRecognisedFromTheWordsWhenTheAnalysisIsUnknown()
    {
        var review = ToneCheck.Review("Never received my order, I want a refund.", "Please check your tracking link.");

        Assert.Contains(review.Flags, f => f.Kind == ToneFlagKind.NoAcknowledgement);
    }

    [Theory]
    [InlineData(null, "Hi")]
    [InlineData("Hi", null)]
    [InlineData("", "")]
    public void NothingToCompare_IsClean(string? customer, string? reply) => Assert.True(ToneCheck.Review(customer, reply).IsClean);

    [Fact]
    public void HugeOrHostileInput_NeverThrows()
    {
        var huge = string.Concat(Enumerable.Repeat("why? <script>alert(1)</script> ", 20_000));
        var review = ToneCheck.Review(huge, huge + " haha", customerComplains: true);

        Assert.NotNull(review);
    }
}
