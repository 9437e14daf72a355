using System.Collections;
using System.Globalization;
using System.Resources;

namespace Rapport.Browser.Tests;

/// <summary>French is first-class: every English string of the interface has a French translation.</summary>
public sealed class LocalizationTests
{
    [Fact]
    public void Strings_EveryEnglishKey_HasAFrenchValue()
    {
        var resources = new ResourceManager("Rapport.Resources.Strings", typeof(RapportHost).Assembly);
        var english = Read(resources, CultureInfo.InvariantCulture);
        var french = Read(resources, new CultureInfo("fr"));

        Assert.NotEmpty(english);
        Assert.Empty(english.Keys.Except(french.Keys));
        Assert.Empty(french.Keys.Except(english.Keys));
        Assert.DoesNotContain(french, kv => string.IsNullOrWhiteSpace(kv.Value));
    }

    private static Dictionary<string, string> Read(ResourceManager resources, CultureInfo culture) =>
        resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
}
