using Rapport.Analysis.Review;

namespace Rapport.Analysis.Tests;

public class DraftReviewerTests
{
    private static DraftReviewResult Review(string text, PostNetwork network = PostNetwork.Other, int evidence = 0, NearDuplicateIndex? past = null,
        IReadOnlyList<string>? avoid = null, int media = 0, int withoutAlt = 0) =>
        DraftReviewer.Review(new DraftReviewInput(text, network, null, media, withoutAlt, avoid, evidence), past);

    [Fact]
    public void AUsefulPostAnsweringARealQuestion_ScoresFull_WithItsReason()
    {
        var result = Review("Yes, we repair e-bike batteries: bring it to the shop, we test it in 20 minutes, free of charge.", evidence: 12);

        Assert.Equal(100, result.Score);
        var reason = Assert.Single(result.Findings);
        Assert.Equal(DraftFindingKind.AnswersRealQuestions, reason.Kind);
        Assert.Equal(["12"], reason.Args);
    }

    [Fact]
    public void Bait_IsFoundOnItsLine_AndCostsPoints_WithoutBlocking()
    {
        var result = Review("Our new winter tyres are in.\nTag a friend who rides in the snow!\nEt vous, qu'en pensez-vous ?");

        var tag = Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.TagBait);
        Assert.Equal(2, tag.Line);
        Assert.StartsWith("Tag a friend", tag.Text, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.GenericCallToAction).Line);
        Assert.Contains(result.Findings, f => f.Kind == DraftFindingKind.NoEvidence);
        Assert.Equal(DraftReviewer.BaseScore - 20 - 10, result.Score);
    }

    [Fact]
    public void Length_IsCountedTheNetworksWay()
    {
        var link = "https://example.org/a/very/long/path/that/goes/on/and/on/and/on/and/on/and/on/for/many/characters";
        var (mastodon, mastodonLimit) = DraftReviewer.Measure("Read this: " + link, PostNetwork.Mastodon);
        Assert.Equal("Read this: ".Length + 23, mastodon);
        Assert.Equal(500, mastodonLimit);
        Assert.Equal("Hi @velo".Length, DraftReviewer.Measure("Hi @velo@mastodon.social", PostNetwork.Mastodon).Length);

        // A family emoji is several code points joined: Bluesky counts it as one grapheme.
        var family = "👨‍👩‍👧‍👦";
        Assert.Equal(1, DraftReviewer.Measure(family, PostNetwork.Bluesky).Length);
        var over = Review(new string('a', 295) + family + family + family + family + family + family, PostNetwork.Bluesky);
        Assert.Equal(301, over.Length);
        var finding = Assert.Single(over.Findings, f => f.Kind == DraftFindingKind.OverNetworkLimit);
        Assert.Equal(["301", "300", "Bluesky"], finding.Args);
        Assert.DoesNotContain(Review(new string('a', 300), PostNetwork.Bluesky).Findings, f => f.Kind == DraftFindingKind.OverNetworkLimit);
        // 480 letters and a long link fit Mastodon, where the link counts 23.
        Assert.DoesNotContain(Review(new string('a', 470) + " " + link, PostNetwork.Mastodon).Findings, f => f.Kind == DraftFindingKind.OverNetworkLimit);
    }

    [Fact]
    public void Accessibility_AltText_Hashtags_EmojiWalls_AndCapitals()
    {
        var result = Review("NEW SPRING COLLECTION TODAY in the shop #velovertparis #VeloVertParis\n🚲🚲🔥🔥🎉🎉 come and see", media: 2, withoutAlt: 1);

        Assert.Equal(["1", "2"], Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.MissingAltText).Args);
        Assert.Equal("#velovertparis", Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.HashtagNotCamelCase).Text);
        Assert.Equal(2, Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.EmojiWall).Line);
        Assert.Equal("NEW SPRING COLLECTION TODAY", Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.AllCapitals).Text);
        // Acronyms alone are not shouting.
        Assert.DoesNotContain(Review("The SNCF and the RATP run on Sunday.").Findings, f => f.Kind == DraftFindingKind.AllCapitals);
    }

    [Fact]
    public void NearCopies_OfOwnPastPosts_AndOfOverusedBrandPosts_AreFound()
    {
        var past = new NearDuplicateIndex();
        past.Add("p1", "Our workshop is open on Sunday from 10 to 16: bring your bike for a free check.");
        past.Add("p2", "New: track your repair online, step by step.");

        var own = Assert.Single(Review("Our workshop is open on Sunday from 10 to 16 - bring your bike for a free check!", past: past).Findings,
            f => f.Kind == DraftFindingKind.NearCopyOfOwnPost);
        Assert.Equal("p1", own.Args[0]);
        var overused = Assert.Single(Review("Bon lundi à tous ! Quels sont vos objectifs pour cette semaine ? Dites-nous tout en commentaire !").Findings,
            f => f.Kind == DraftFindingKind.NearCopyOfOverusedPost);
        Assert.StartsWith("Bon lundi", overused.Args[0], StringComparison.Ordinal);
        Assert.DoesNotContain(Review("Our brake pads for cargo bikes are back in stock, 24 € a pair.", past: past).Findings,
            f => f.Kind is DraftFindingKind.NearCopyOfOwnPost or DraftFindingKind.NearCopyOfOverusedPost);
        Assert.True(OverusedPosts.All.Count >= 40);
    }

    [Fact]
    public void WordsToAvoid_AreFoundAsWholeWords_WhateverTheirCase()
    {
        var result = Review("Une offre Disruptive.\nPas disruptiveness.", avoid: ["disruptive", " "]);

        var found = Assert.Single(result.Findings, f => f.Kind == DraftFindingKind.WordToAvoid);
        Assert.Equal("Disruptive", found.Text);
        Assert.Equal(["disruptive"], found.Args);
    }

    [Fact]
    public void ThePointsOfEveryKind_KeepTheScoreBetweenZeroAndAHundred()
    {
        var worst = Review("TAG A FRIEND WHO NEEDS THIS! Share if you agree! Comment YES below! You won't believe what happened next 😂😂😂😂😂😂 #blackfridaysale",
            PostNetwork.Bluesky, media: 3, withoutAlt: 3);
        Assert.Equal(0, worst.Score);
        Assert.All(Enum.GetValues<DraftFindingKind>(), k => Assert.InRange(DraftReviewer.PointsOf(k), -DraftReviewer.EvidenceBonus, 30));
    }
}
