using System.Diagnostics;
using System.Globalization;
using Rapport.Analysis.Review;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// post-review [--posts N] [--runs R]: the content studio's full review (DraftReviewer: bait, clickbait, world days, near
/// copies of the brand's past posts and of the overused corpus, the network's limit, accessibility, words to avoid) of a
/// 500-character draft against N past posts (default 100,000, generated from templates), R times; prints the p95.
/// The past posts' index is built once, as the application keeps it in memory per workspace (PastPosts).
/// </summary>
internal static class PostReview
{
    private static readonly string[] Openings =
    [
        "Our workshop in {place} is open on {day} from {h} to {h2}",
        "New in {place}: the {product} is back in stock at {n} euros",
        "Notre atelier de {place} ouvre le {day} de {h} h à {h2} h",
        "Nouveau à {place} : le {product} revient en stock à {n} euros",
        "How to keep your {product} running in winter, step {n}",
        "Comment entretenir votre {product} en hiver, étape {n}",
    ];

    private static readonly string[] Middles =
    [
        "bring it for a free check and we test the brakes in {n} minutes",
        "we replaced {n} batteries this month and here is what we learned",
        "apportez-le pour un contrôle gratuit, nous testons les freins en {n} minutes",
        "nous avons changé {n} batteries ce mois-ci, voici ce que nous avons appris",
        "the chain wears faster in the rain, oil it every {n} rides",
    ];

    private static readonly string[] Products = ["cargo bike", "e-bike", "vélo cargo", "vélo électrique", "folding bike", "city bike"];
    private static readonly string[] Places = ["Lyon", "Leeds", "Paris", "Manchester", "Bordeaux", "Dublin", "Lille", "Nantes"];
    private static readonly string[] Days = ["Sunday", "Monday", "dimanche", "lundi", "Saturday", "samedi"];

    public static int Run(string[] args)
    {
        var posts = Option(args, "--posts", 100_000);
        var runs = Option(args, "--runs", 200);
        Console.WriteLine($"post-review: {posts:N0} past posts, {runs} reviews; load average (1, 5, 15 min) at start: {LoadAverages()}; {Environment.ProcessorCount} cores");

        var random = new Random(12);
        var sw = Stopwatch.StartNew();
        var index = new NearDuplicateIndex();
        var texts = Enumerable.Range(0, posts).Select(i => Post(new Random(i))).ToArray();
        Parallel.For(0, posts, i => index.Add(i.ToString(CultureInfo.InvariantCulture), texts[i]));
        Console.WriteLine($"index of {index.Count:N0} past posts built in {sw.Elapsed.TotalSeconds:F1} s");

        var draft = Draft(random);
        var avoid = new[] { "disruptif", "synergie", "game changer" };
        var times = new List<double>(runs);
        for (var i = 0; i < runs + 10; i++)
        {
            var text = draft + " " + i.ToString(CultureInfo.InvariantCulture);
            sw.Restart();
            var result = DraftReviewer.Review(new DraftReviewInput(text, PostNetwork.Mastodon, new DateOnly(2026, 12, 7), 1, 0, avoid, 3), index);
            var ms = sw.Elapsed.TotalMilliseconds;
            if (i >= 10)
            {
                // The first runs warm the regular expressions and the JIT.
                times.Add(ms);
            }
            if (i == 0)
            {
                Console.WriteLine($"draft of {text.Length} characters: score {result.Score}, {result.Findings.Count} findings ({string.Join(", ", result.Findings.Select(f => f.Kind))})");
            }
        }
        // The near-copy search alone, so a slow review says whether the index or the rest is to blame.
        var search = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            sw.Restart();
            index.FindNearDuplicate(draft + " " + i.ToString(CultureInfo.InvariantCulture));
            search.Add(sw.Elapsed.TotalMilliseconds);
        }
        search.Sort();
        Console.WriteLine($"near-copy search alone: p50 {search[runs / 2]:F1} ms, p95 {search[(int)Math.Ceiling(0.95 * (runs - 1))]:F1} ms");
        var rest = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            sw.Restart();
            DraftReviewer.Review(new DraftReviewInput(draft + " " + i.ToString(CultureInfo.InvariantCulture), PostNetwork.Mastodon, new DateOnly(2026, 12, 7), 1, 0, avoid, 3));
            rest.Add(sw.Elapsed.TotalMilliseconds);
        }
        rest.Sort();
        Console.WriteLine($"review without past posts: p50 {rest[runs / 2]:F1} ms, p95 {rest[(int)Math.Ceiling(0.95 * (runs - 1))]:F1} ms");
        times.Sort();
        var p50 = times[(int)(0.50 * (times.Count - 1))];
        var p95 = times[(int)Math.Ceiling(0.95 * (times.Count - 1))];
        Console.WriteLine($"p50 {p50:F1} ms, p95 {p95:F1} ms, max {times[^1]:F1} ms; load average at end: {LoadAverages()}");
        Console.WriteLine($"post-review: {p95:F1} ms");
        return 0;
    }

    private static string Post(Random r) =>
        Fill(Openings[r.Next(Openings.Length)], r) + ", " + Fill(Middles[r.Next(Middles.Length)], r) + ". " + Fill(Middles[r.Next(Middles.Length)], r) + ".";

    /// <summary>A draft of about 500 characters, in the shape of the past posts but not one of them.</summary>
    private static string Draft(Random r)
    {
        var text = "";
        while (text.Length < 480)
        {
            text += Post(r) + " ";
        }
        return text[..480].TrimEnd() + " https://example.org/repair";
    }

    private static string Fill(string template, Random r) => template
        .Replace("{place}", Places[r.Next(Places.Length)], StringComparison.Ordinal)
        .Replace("{product}", Products[r.Next(Products.Length)], StringComparison.Ordinal)
        .Replace("{day}", Days[r.Next(Days.Length)], StringComparison.Ordinal)
        .Replace("{h2}", r.Next(15, 20).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{h}", r.Next(8, 12).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{n}", r.Next(2, 500).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
