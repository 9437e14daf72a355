using System.Diagnostics;
using Rapport.Analysis.Listening;

namespace Rapport.Analysis.Tests;

public sealed class TopicQueryTests
{
    private static bool Matches(string query, string text, string? language = null, params string[] sources) =>
        TopicQuery.Parse(query).Matches(text, language, sources);

    private static TopicQueryError Error(string query)
    {
        Assert.False(TopicQuery.TryParse(query, out var parsed, out var error));
        Assert.Null(parsed);
        return error!;
    }

    [Theory]
    [InlineData("vélo", "Super balade à VELO ce matin")]
    [InlineData("velo", "Nos vélos électriques sont arrivés")]
    [InlineData("livraison", "Trois LIVRAISONS en retard cette semaine")]
    [InlineData("refund", "Still waiting for my refunds")]
    [InlineData("delivery", "Two deliveries lost this week")]
    [InlineData("problème", "gros probleme avec la selle")]
    [InlineData("appli", "L'appli plante encore")]
    [InlineData("l'appli", "L’appli plante encore")]
    public void Word_MatchesAnyCaseAccentAndSimpleForm(string query, string text) => Assert.True(Matches(query, text));

    [Theory]
    [InlineData("vélo", "Je préfère la voiture")]
    [InlineData("refund", "refurbished bikes on sale")]
    [InlineData("bus", "business as usual")]
    public void Word_DoesNotMatchOtherWords(string query, string text) => Assert.False(Matches(query, text));

    [Fact]
    public void And_Or_Not_Parentheses_CombineAsWritten()
    {
        const string Query = "(vélo OR bike) AND (cher OR expensive) NOT occasion";
        Assert.True(Matches(Query, "Ce vélo est trop cher"));
        Assert.True(Matches(Query, "This bike is way too expensive"));
        Assert.False(Matches(Query, "Ce vélo d'occasion est cher"));
        Assert.False(Matches(Query, "Ce vélo est génial"));
        Assert.False(Matches(Query, "Trop cher pour moi"));
    }

    [Fact]
    public void Terms_WithoutOperator_AreAllRequired()
    {
        Assert.True(Matches("vélo vert", "Le vert de ce vélo est superbe"));
        Assert.False(Matches("vélo vert", "Le vélo rouge est superbe"));
    }

    [Fact]
    public void OrBindsLooserThanAnd()
    {
        // a b OR c is (a AND b) OR c.
        Assert.True(Matches("vélo cher OR trottinette", "Une trottinette"));
        Assert.True(Matches("vélo cher OR trottinette", "vélo trop cher"));
        Assert.False(Matches("vélo cher OR trottinette", "un vélo"));
    }

    [Fact]
    public void QuotedPhrase_MatchesTheWordsTogetherInOrder()
    {
        Assert.True(Matches("\"service client\"", "Le SERVICE-CLIENT ne répond pas"));
        Assert.True(Matches("\"customer service\"", "Your customer services are slow"));
        Assert.False(Matches("\"service client\"", "Le client attend le service"));
        Assert.False(Matches("\"customer service\"", "the customer. Service was fine"));
        Assert.True(Matches("«vélo vert»", "J'adore Vélo Vert !"));
    }

    [Fact]
    public void Near_FindsTwoTermsAtMostNWordsApart_InEitherOrder()
    {
        Assert.True(Matches("batterie NEAR/3 panne", "la batterie est encore en panne"));
        Assert.True(Matches("batterie NEAR/3 panne", "panne de batterie"));
        Assert.False(Matches("batterie NEAR/2 panne", "la batterie de mon vélo neuf est en panne"));
        Assert.True(Matches("battery NEAR \"stopped working\"", "My battery just stopped working"));
        Assert.False(Matches("battery NEAR/1 dead", "battery"));
        Assert.True(Matches("(batterie OR battery) NEAR/3 (panne OR died)", "My battery died"));
        Assert.True(Matches("(batterie OR battery) NEAR/3 (panne OR died)", "en panne, la batterie"));
        Assert.False(Matches("(batterie OR battery) NEAR/1 (panne OR died)", "battery of my bike died"));
    }

    [Fact]
    public void HashtagsAndHandles_MatchOnlyAsSuch()
    {
        Assert.True(Matches("#VéloVert", "Trop bien #velovert"));
        Assert.False(Matches("#velovert", "velovert sans dièse"));
        Assert.True(Matches("@VeloVert", "Merci @velovert pour la réparation"));
        Assert.False(Matches("@velovert", "Merci velovert"));
        Assert.False(Matches("@velovert", "Merci @velovert_fan"));
        // A plain word also finds the same word as a hashtag.
        Assert.True(Matches("vélo", "Dimanche #velo"));
    }

    [Fact]
    public void LanguageAndSourceFilters_NarrowTheTerms()
    {
        Assert.True(Matches("vélo lang:fr", "mon vélo", "fr"));
        Assert.False(Matches("vélo lang:fr", "my vélo", "en"));
        Assert.True(Matches("bike source:mastodon", "nice bike", "en", "mastodon", "Fediverse search"));
        Assert.False(Matches("bike source:mastodon", "nice bike", "en", "feed"));
        Assert.True(Matches("bike source:\"Blog Vélo\"", "nice bike", "en", "feed", "Blog vélo"));
        Assert.True(Matches("bike NOT source:feed", "nice bike", "en", "bluesky"));
    }

    [Fact]
    public void TrailingStar_MatchesEveryWordStartingSo()
    {
        Assert.True(Matches("électri*", "Les vélos ELECTRIQUES"));
        Assert.True(Matches("électri*", "electricity prices"));
        Assert.False(Matches("électri*", "un vélo classique"));
    }

    [Fact]
    public void TopicLanguages_LimitWhatItMatches()
    {
        var matcher = TopicMatcher.Compile([new TopicDefinition(TopicQuery.Parse("vélo"), ["fr"]), new TopicDefinition(TopicQuery.Parse("vélo"))]);
        Assert.Equal([0, 1], matcher.Match("mon vélo", "fr"));
        Assert.Equal([1], matcher.Match("my vélo", "en"));
    }

    [Theory]
    [InlineData("", "empty", 0)]
    [InlineData("   ", "empty", 0)]
    [InlineData("(vélo OR bike", "unbalanced", 0)]
    [InlineData("vélo OR bike)", "unbalanced", 12)]
    [InlineData("vélo AND", "missing_operand", 5)]
    [InlineData("NOT", "missing_operand", 0)]
    [InlineData("vélo NOT", "missing_operand", 5)]
    [InlineData("OR vélo", "missing_operand", 0)]
    [InlineData("vélo AND OR bike", "missing_operand", 5)]
    [InlineData("NOT vélo", "needs_term", 0)]
    [InlineData("lang:fr", "needs_term", 0)]
    [InlineData("vélo OR NOT bike", "needs_term", 8)]
    [InlineData("\"vélo vert", "unclosed_quote", 0)]
    [InlineData("vélo \"\"", "empty_phrase", 5)]
    [InlineData("vélo ()", "empty_group", 5)]
    [InlineData("vélo NEAR/0 bike", "bad_near", 5)]
    [InlineData("vélo NEAR/x bike", "bad_near", 5)]
    [InlineData("(a AND b) NEAR/3 c", "bad_near", 10)]
    [InlineData("a NEAR/3 b NEAR/3 c", "bad_near", 11)]
    [InlineData("vé*lo", "bad_wildcard", 2)]
    [InlineData("ve*", "short_wildcard", 0)]
    [InlineData("vélo lang:", "bad_language", 5)]
    [InlineData("vélo #", "bad_hashtag", 5)]
    [InlineData("vélo !!!", "no_word", 5)]
    [InlineData("vélo -bike", "minus", 5)]
    public void SyntaxError_SaysWhyAndWhere(string query, string code, int position)
    {
        var error = Error(query);
        Assert.Equal(code, error.Code);
        Assert.Equal(position, error.Position);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Parse_ThrowsWithTheError()
    {
        var e = Assert.Throws<TopicQuerySyntaxException>(() => TopicQuery.Parse("(vélo"));
        Assert.Equal("unbalanced", e.Error.Code);
    }

    [Fact]
    public void HostileQueries_AreRefusedQuickly()
    {
        var watch = Stopwatch.StartNew();
        var megabyte = new string('a', 1_000_000);
        Assert.Equal("too_long", Error(megabyte).Code);
        Assert.Equal(TopicQuery.MaxLength, Error(megabyte).Position);

        var tenThousandTerms = string.Join(' ', Enumerable.Range(0, 10_000).Select(i => "w" + i));
        Assert.Equal("too_long", Error(tenThousandTerms).Code);
        var manyTerms = string.Join(' ', Enumerable.Range(0, 1_000).Select(i => "w"));
        Assert.Equal("too_many_terms", Error(manyTerms).Code);

        Assert.Equal("too_deep", Error(new string('(', 1000) + "a" + new string(')', 1000)).Code);
        Assert.Equal("too_deep", Error(string.Concat(Enumerable.Repeat("NOT ", 500)) + "a").Code);
        Assert.Equal("unbalanced", Error(new string(')', 3000)).Code);
        Assert.Equal("unclosed_quote", Error("a \"" + new string('b', 3000)).Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"hostile queries took {watch.Elapsed}");
    }

    [Fact]
    public void LongestAcceptedQuery_MatchesALongText()
    {
        var query = string.Join(" OR ", Enumerable.Range(0, TopicQuery.MaxTerms).Select(i => $"\"mot{i} autre{i}\""));
        Assert.True(query.Length <= TopicQuery.MaxLength);
        var parsed = TopicQuery.Parse(query);
        var text = string.Join(' ', Enumerable.Range(0, 600).Select(i => "mot" + i)) + " mot199 autre199";
        Assert.True(parsed.Matches(text));
    }

    [Fact]
    public void HostileText_IsMatchedAsPlainText()
    {
        Assert.True(Matches("script", "<script>alert('vélo')</script>"));
        Assert.True(Matches("vélo", "<b>vélo</b>\u0000\u202Eoui"));
        Assert.False(Matches("vélo", ""));
    }

    [Fact]
    public void Matcher_OfManyTopics_AnswersEveryMatchingTopicInOrder()
    {
        var topics = new List<TopicDefinition>();
        for (var i = 0; i < 1000; i++)
        {
            topics.Add(new TopicDefinition(TopicQuery.Parse($"\"marque{i}\" OR #marque{i}")));
        }
        topics.Add(new TopicDefinition(TopicQuery.Parse("vélo AND (cher OR prix)")));
        topics.Add(new TopicDefinition(TopicQuery.Parse("@velovert NOT spam")));
        topics.Add(new TopicDefinition(TopicQuery.Parse("électri*")));
        var matcher = TopicMatcher.Compile(topics);

        Assert.Equal([7, 42, 1000, 1001, 1002], matcher.Match("Le prix du vélo électrique de marque42 @VeloVert #marque7"));
        Assert.Empty(matcher.Match("Rien à voir"));
        Assert.Equal([1001], matcher.Match("@velovert bonjour"));
    }
}
