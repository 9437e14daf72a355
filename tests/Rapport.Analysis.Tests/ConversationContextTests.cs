namespace Rapport.Analysis.Tests;

/// <summary>Threads we wrote: the brand's last message, then the customer's, read as an agent would read them.</summary>
public sealed class ConversationContextTests
{
    private static readonly TextAnalyzer Analyzer = TextAnalyzer.Default;

    private static TextAnalysisResult After(string brandMessage, string customerMessage, Intent? conversationIntent = Intent.Complaint, bool customerWroteSince = false) =>
        Analyzer.Analyze(customerMessage, new AnalysisContext(Conversation: new ConversationContext(brandMessage, customerWroteSince, conversationIntent)));

    [Theory]
    [InlineData("Sorry about that! Are you using a VPN?", "No, I am not using a VPN.")]
    [InlineData("Which version of the app do you have?", "Yes, version 3.2")]
    [InlineData("Could you tell us which phone you use", "an iPhone 12, on iOS 17")]
    public void Analyze_AnswerToTheBrandsQuestionInEnglish_IsNeutralNotAComplaintAndNeedsAnAnswer(string brand, string answer)
    {
        var r = After(brand, answer);

        Assert.NotEqual(Intent.Complaint, r.Intent.Value);
        Assert.Equal(SentimentLabel.Neutral, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("Désolés ! Utilisez-vous un VPN ?", "Non, je n'utilise pas de VPN.")]
    [InlineData("Quel modèle avez-vous exactement ?", "Oui c'est le modèle X")]
    [InlineData("Pourriez-vous nous indiquer votre numéro de commande", "c'est le 48213, passée lundi")]
    public void Analyze_AnswerToTheBrandsQuestionInFrench_IsNeutralNotAComplaintAndNeedsAnAnswer(string brand, string answer)
    {
        var r = After(brand, answer);

        Assert.NotEqual(Intent.Complaint, r.Intent.Value);
        Assert.Equal(SentimentLabel.Neutral, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("Could you send us your order number?", "I already sent it three times, this is ridiculous and unacceptable")]
    [InlineData("Pouvez-vous nous envoyer votre numéro de commande ?", "Je l'ai déjà envoyé trois fois, c'est honteux et inadmissible")]
    public void Analyze_AngryAnswerToTheBrandsQuestion_StaysANegativeComplaint(string brand, string answer)
    {
        var r = After(brand, answer);

        Assert.Equal(Intent.Complaint, r.Intent.Value);
        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Fact]
    public void Analyze_AnswerToAQuestionAboutAQuestion_KeepsTheConversationsIntent()
    {
        var r = After("Which size are you looking for?", "A medium, in blue", Intent.PurchaseIntent);

        Assert.Equal(Intent.PurchaseIntent, r.Intent.Value);
    }

    [Theory]
    [InlineData("We've reset your account, it should work now.", "Thanks, it works now!")]
    [InlineData("The outage is fixed, sorry for the trouble.", "Great news, thank you so much")]
    public void Analyze_ThankYouAfterAFixInEnglish_IsPraiseThatNeedsNoAnswer(string brand, string thanks)
    {
        var r = After(brand, thanks);

        Assert.Equal(Intent.Praise, r.Intent.Value);
        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value < 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("C'est corrigé de notre côté, pouvez-vous réessayer ?", "Merci, ça marche !")]
    [InlineData("Votre remboursement a été effectué ce matin.", "Super, merci beaucoup pour votre aide")]
    public void Analyze_ThankYouAfterAFixInFrench_IsPraiseThatNeedsNoAnswer(string brand, string thanks)
    {
        var r = After(brand, thanks);

        Assert.Equal(Intent.Praise, r.Intent.Value);
        Assert.Equal(SentimentLabel.Positive, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value < 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("We've reset your account, it should work now.", "still not working")]
    [InlineData("The bug is fixed in today's update. Can you try again?", "Tried again, same problem")]
    [InlineData("C'est corrigé de notre côté, pouvez-vous réessayer ?", "ça ne marche toujours pas")]
    [InlineData("Nous avons réinitialisé votre box.", "toujours pas")]
    public void Analyze_StillNotWorkingAfterAFix_IsAComplaintAgain(string brand, string relapse)
    {
        var r = After(brand, relapse, Intent.Complaint);

        Assert.Equal(Intent.Complaint, r.Intent.Value);
        Assert.Equal(SentimentLabel.Negative, r.Sentiment.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("Also, the order number is 1234")]
    [InlineData("Aussi, le numéro de commande est le 1234")]
    [InlineData("PS: I ordered it on the website")]
    [InlineData("Et j'ai commandé sur le site")]
    public void Analyze_FollowUpThatAddsADetail_KeepsTheConversationsIntentAndNeedsAnAnswer(string detail)
    {
        var r = After("We're sorry to hear that, we're looking into it.", detail, Intent.Complaint, customerWroteSince: true);

        Assert.Equal(Intent.Complaint, r.Intent.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("Also, the order number is 1234", Intent.Request)]
    [InlineData("Aussi, le numéro de commande est le 1234", Intent.Question)]
    public void Analyze_FollowUpBeforeAnyBrandReply_KeepsTheConversationsIntent(string detail, Intent conversation)
    {
        var r = Analyzer.Analyze(detail, new AnalysisContext(Conversation: new ConversationContext(null, CustomerWroteSince: true, conversation)));

        Assert.Equal(conversation, r.Intent.Value);
        Assert.True(r.NeedsAnswer.Value >= 0.5, $"needs answer {r.NeedsAnswer.Value}");
    }

    [Theory]
    [InlineData("No, I am not using a VPN.")]
    [InlineData("Merci, ça marche !")]
    [InlineData("ça ne marche toujours pas")]
    [InlineData("")]
    public void Analyze_EmptyThread_ReadsTheMessageAlone(string text)
    {
        var alone = Analyzer.Analyze(text);
        var inEmptyThread = Analyzer.Analyze(text, new AnalysisContext(Conversation: new ConversationContext()));

        Assert.Equal(alone.Intent.Value, inEmptyThread.Intent.Value);
        Assert.Equal(alone.SentimentScore, inEmptyThread.SentimentScore);
        Assert.Equal(alone.NeedsAnswer.Value, inEmptyThread.NeedsAnswer.Value);
    }

    [Fact]
    public void Analyze_RequestWordedAsThanks_IsNotReadAsAThankYou()
    {
        const string Text = "merci de me rappeler au plus vite, c'est urgent";
        var r = After("Nous avons transmis votre demande au service concerné.", Text);

        Assert.NotEqual(Intent.Praise, r.Intent.Value);
        Assert.Equal(Analyzer.Analyze(Text).NeedsAnswer.Value, r.NeedsAnswer.Value);
    }

    [Fact]
    public void Analyze_HugeBrandMessageAndHugeAnswer_StayBoundedAndSensible()
    {
        var brand = string.Concat(Enumerable.Repeat("We looked into it. ", 60_000)) + "Are you using a VPN?";
        var answer = "No. " + new string('a', 1_000_000);

        var r = Analyzer.Analyze(answer, new AnalysisContext(Conversation: new ConversationContext(brand, false, Intent.Complaint)));

        Assert.NotNull(r);
        Assert.InRange(r.NeedsAnswer.Value, 0, 1);
    }
}
