using Rapport.Analysis.Meaning;
using Xunit.Abstractions;

namespace Rapport.Analysis.Tests;

public class MeaningTests(ITestOutputHelper output)
{
    private static TextMeaning Meaning => TextMeaning.Shared;

    [Fact]
    public void Probe()
    {
        (string, string)[] pairs =
        [
            ("my parcel never arrived", "the package was not delivered"),
            ("my parcel never arrived", "how do I reset my password?"),
            ("je n'ai pas reçu ma commande", "colis jamais livré"),
            ("je n'ai pas reçu ma commande", "my parcel never arrived"),
            ("je n'ai pas reçu ma commande", "comment changer mon mot de passe ?"),
            ("I was charged twice for one order", "why did you take the money two times?"),
            ("I was charged twice for one order", "where is my order?"),
            ("the app crashes when I open it", "application keeps closing on startup"),
            ("the app crashes when I open it", "I want a refund"),
            ("remboursez-moi svp", "I want my money back"),
        ];
        foreach (var (a, b) in pairs)
        {
            output.WriteLine($"{Meaning.Similarity(a, b):F3}  {a} | {b}   [{TextMeaning.ReadingOf(a, null)}] [{TextMeaning.ReadingOf(b, null)}]");
        }
    }
}
