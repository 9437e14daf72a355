using Rapport.Analysis.Review;

namespace Rapport.Analysis.Tests;

public sealed class ReviewTests
{
    private static PostFinding Single(string text, PostFindingKind kind, DateOnly? on = null)
    {
        var review = PostReviewer.Review(text, on);
        return Assert.Single(review.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("Tag a friend who needs this coffee!", PostFindingKind.TagBait, "Tag a friend")]
    [InlineData("Identifie ton pote qui adore les crêpes 😋", PostFindingKind.TagBait, "Identifie ton pote")]
    [InlineData("Share this if you agree!", PostFindingKind.ShareBait, "Share this")]
    [InlineData("Partagez si vous êtes d'accord", PostFindingKind.ShareBait, "Partagez si")]
    [InlineData("Comment YES below if you want the recipe", PostFindingKind.CommentBait, "Comment YES below")]
    [InlineData("Écrivez OUI en commentaire pour recevoir le guide", PostFindingKind.CommentBait, "Écrivez OUI")]
    [InlineData("Like for pizza, comment for burger!", PostFindingKind.VoteBait, "Like for pizza")]
    [InlineData("Like this if you love Mondays", PostFindingKind.ReactBait, "Like this")]
    [InlineData("Mettez un ❤️ si vous aimez le chocolat", PostFindingKind.ReactBait, "Mettez un ❤️")]
    [InlineData("Notre nouvelle gamme arrive. Et vous, qu'en pensez-vous ?", PostFindingKind.GenericCallToAction, "Et vous, qu'en pensez-vous ?")]
    [InlineData("New menu is live. What do you think?", PostFindingKind.GenericCallToAction, "What do you think?")]
    [InlineData("You won't believe what our chef did", PostFindingKind.Clickbait, "You won't believe")]
    public void Review_Bait_IsFoundWithItsSpan(string text, PostFindingKind kind, string expectedStart)
    {
        var f = Single(text, kind);

        Assert.Equal(f.Text, text.Substring(f.Start, f.Length));
        Assert.StartsWith(expectedStart, f.Text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(f.Explanation));
    }

    [Theory]
    [InlineData("Our new store opens on Main Street on Monday at 9am.")]
    [InlineData("Nous partageons aujourd'hui notre rapport annuel : 30 % d'emballages en moins.")]
    [InlineData("Thanks to everyone who came to the workshop yesterday.")]
    public void Review_PlainPost_IsClean(string text)
    {
        Assert.True(PostReviewer.Review(text, new DateOnly(2026, 3, 3)).IsClean);
    }

    [Fact]
    public void Review_NamesTheDay_IsNewsjacking()
    {
        var f = Single("Pour la Saint-Valentin, -20 % sur nos bouquets", PostFindingKind.CalendarNewsjacking, new DateOnly(2026, 2, 10));

        Assert.Equal("Saint-Valentin", f.Text);
        Assert.Contains("Valentine", f.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_RidesTheDayWithoutNamingIt_NearTheDate_IsNewsjacking()
    {
        const string text = "Pensez à gâter votre maman avec nos coffrets";

        Assert.Contains(PostReviewer.Review(text, new DateOnly(2026, 5, 27)).Findings, f => f.Kind == PostFindingKind.CalendarNewsjacking);
        Assert.DoesNotContain(PostReviewer.Review(text, new DateOnly(2026, 9, 15)).Findings, f => f.Kind == PostFindingKind.CalendarNewsjacking);
    }

    [Theory]
    [InlineData("Black Friday: everything at half price", 2026, 11, 27)]
    [InlineData("Happy Halloween from the whole team 🎃", 2026, 10, 31)]
    [InlineData("Joyeux 14 juillet à tous !", 2026, 7, 14)]
    [InlineData("For International Women's Day we celebrate our engineers", 2026, 3, 8)]
    [InlineData("Merry Christmas!", 2026, 12, 25)]
    public void Review_WorldDays_AreRecognised(string text, int y, int m, int d)
    {
        Assert.Contains(PostReviewer.Review(text, new DateOnly(y, m, d)).Findings, f => f.Kind == PostFindingKind.CalendarNewsjacking);
    }

    [Fact]
    public void Calendar_MovableDays_AreRight()
    {
        Assert.Equal(new DateOnly(2026, 4, 5), CalendarEvents.Easter(2026));
        Assert.Equal(new DateOnly(2025, 4, 20), CalendarEvents.Easter(2025));
        Assert.Equal(new DateOnly(2026, 5, 31), CalendarEvents.FrenchMothersDay(2026));
        var blackFriday = CalendarEvents.All.Single(e => e.Name == "Black Friday");
        Assert.Equal(new DateOnly(2026, 11, 27), blackFriday.Date(2026));
        Assert.Contains(CalendarEvents.Near(new DateOnly(2026, 2, 10)), e => e.Event.Name.Contains("Valentin", StringComparison.Ordinal));
    }

    [Fact]
    public void NearDuplicates_FindsTheReworkedPost()
    {
        var index = new NearDuplicateIndex();
        index.Add("p1", "Découvrez notre nouvelle collection de printemps, disponible dès aujourd'hui en magasin et en ligne !");
        index.Add("p2", "Our support team is available 7 days a week from 8am to 8pm.");
        index.Add("p3", "Join us on Saturday for the opening of our new Lyon store.");

        var match = index.FindClosest("Découvrez notre NOUVELLE collection de printemps : disponible dès aujourd'hui en magasin et sur le site !");

        Assert.NotNull(match);
        Assert.Equal("p1", match.Id);
        Assert.True(match.Similarity >= 0.5, $"similarity {match.Similarity}");
        Assert.NotNull(index.FindNearDuplicate("découvrez notre nouvelle collection de printemps, disponible dès aujourd'hui en magasin et en ligne", 0.8));
    }

    [Fact]
    public void NearDuplicates_DifferentPost_IsNotADuplicate()
    {
        var index = new NearDuplicateIndex();
        index.Add("p1", "Découvrez notre nouvelle collection de printemps, disponible dès aujourd'hui en magasin !");

        var match = index.FindClosest("Our warehouse will be closed on Monday for inventory.");

        Assert.NotNull(match);
        Assert.True(match.Similarity < 0.2, $"similarity {match.Similarity}");
        Assert.Null(index.FindNearDuplicate("Our warehouse will be closed on Monday for inventory."));
    }

    [Fact]
    public void NearDuplicates_EmptyIndexAndEmptyText_AreSafe()
    {
        var index = new NearDuplicateIndex();
        Assert.Null(index.FindClosest("anything"));
        index.Add("e", string.Empty);
        Assert.Equal(0, index.FindClosest(string.Empty)!.Similarity);
    }

    [Fact]
    public void NearDuplicates_FoundThroughTheBands_AreTheOnesAFullScanFinds()
    {
        // A past post rewritten slightly (a word changed, a link added, capitals) must be found whatever the index size.
        string[] places = ["Lyon", "Leeds", "Paris", "Manchester", "Bordeaux", "Dublin", "Lille", "Nantes"];
        string[] things = ["cargo bike", "e-bike", "vélo cargo", "vélo électrique", "folding bike", "city bike"];
        var index = new NearDuplicateIndex();
        var posts = new List<string>();
        var random = new Random(7);
        for (var i = 0; i < 3_000; i++)
        {
            var post = $"Our workshop in {places[random.Next(places.Length)]} repairs your {things[random.Next(things.Length)]} in {random.Next(2, 500)} minutes, "
                + $"bring it on day {random.Next(1, 28)} and ask for {random.Next(1000, 9999)} at the desk.";
            posts.Add(post);
            index.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), post);
        }
        var found = 0;
        for (var i = 0; i < 300; i++)
        {
            var rewritten = posts[i * 10].Replace("Our workshop", "OUR WORKSHOP", StringComparison.Ordinal) + " https://example.org/r";
            var scan = index.FindClosest(rewritten)!;
            var banded = index.FindNearDuplicate(rewritten);
            Assert.True(scan.Similarity >= NearDuplicateIndex.DefaultThreshold);
            Assert.NotNull(banded);
            Assert.Equal(scan.Similarity, banded.Similarity);
            found++;
        }
        Assert.Equal(300, found);
        Assert.Null(index.FindNearDuplicate("Un texte sans rapport avec les ateliers : la recette de la tarte aux pommes de ma grand-mère."));
    }
}
