using Rapport.Analysis.Text;

namespace Rapport.Analysis.Tests;

public sealed class SearchTermsTests
{
    private static List<string> Stems(string text) => [.. SearchTerms.Extract(text).Select(t => t.Stem)];

    [Theory]
    [InlineData("commande", "Commandes", "COMMANDÉE", "commander")]
    [InlineData("remboursement", "remboursé", "rembourser", "Remboursements")]
    [InlineData("refund", "refunds", "Refunded", "REFUNDING")]
    [InlineData("livraison", "Livraisons", "livraison", "LIVRAISON")]
    public void Variants_OfAWord_ShareOneStem(string a, string b, string c, string d)
    {
        var stems = new[] { a, b, c, d }.Select(w => Assert.Single(Stems(w))).Distinct().ToList();
        Assert.Single(stems);
    }

    [Fact]
    public void FunctionWords_AreLeftOut_AndTheWordAsWrittenIsKept()
    {
        var terms = SearchTerms.Extract("Est-ce que vous livrez en Belgique ? Where is my order?");

        Assert.Equal(["livr", "belgiqu", "ord"], terms.Select(t => t.Stem));
        Assert.Equal(["livrez", "belgique", "order"], terms.Select(t => t.Word));
    }

    [Fact]
    public void ShortWords_AreNotCutBelowThreeLetters_AndEmptyTextHasNoTerms()
    {
        Assert.Equal(["bus"], Stems("bus"));
        Assert.Empty(Stems(""));
        Assert.Empty(Stems("   "));
        Assert.Empty(Stems("?!… :)"));
    }
}
