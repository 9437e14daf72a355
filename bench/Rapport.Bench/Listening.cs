using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rapport.Analysis;
using Rapport.Analysis.Listening;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// listening-throughput [--count N] [--topics T]: public French and English mentions of brands, products and themes (generated
/// from templates, no evaluation data), each analysed and matched against 1,000 topics of one workspace, as processing a
/// listening item does before its save, on all cores. The save is the ingest path's, measured by ingest-throughput.
/// </summary>
internal static class Listening
{
    private static readonly string[] Brands =
        ["Vélo Vert", "Green Wheels", "RouleMax", "CycloPlus", "Urban Ride", "Pédale Douce", "BikeHub", "Voltaïk", "Cargo Libre", "FreeRoll"];

    private static readonly string[] TemplatesFr =
    [
        "Franchement le nouveau vélo électrique de {brand} est une tuerie, la batterie tient {n} km",
        "{brand} m'a livré un vélo avec la selle cassée, service client aux abonnés absents 😡",
        "Quelqu'un a testé les vélos cargo de {brand} ? Je compare avec {brand2}",
        "Encore une panne de batterie sur mon {brand}, {n} jours sans vélo #galère",
        "Bravo à {brand} pour l'atelier de réparation gratuit à {place} 👏",
        "Les prix de {brand} ont encore augmenté, c'est trop cher pour des étudiants",
        "Je me demande si {brand} fabrique vraiment ses cadres en France ou pas",
        "Super balade à {place} avec mon {brand} ce week-end #vélo #nature",
        "L'appli de {brand} plante dès qu'on veut déverrouiller le vélo",
        "{brand} recrute des mécaniciens à {place}, conditions de travail correctes paraît-il",
    ];

    private static readonly string[] TemplatesEn =
    [
        "Just got my new {brand} e-bike and the battery range is insane, {n} miles so far",
        "{brand} delivered my bike with a broken saddle and customer service is ignoring me 😡",
        "Anyone tried the {brand} cargo bikes? Comparing with {brand2}",
        "Battery died again on my {brand}, {n} days without a bike #fail",
        "Kudos to {brand} for the free repair workshop in {place} 👏",
        "{brand} raised prices again, way too expensive for students",
        "Wondering whether {brand} really builds its frames locally or not",
        "Lovely ride around {place} on my {brand} this weekend #cycling",
        "The {brand} app crashes every time I try to unlock the bike",
        "{brand} is hiring mechanics in {place}, decent working conditions apparently",
    ];

    private static readonly string[] Places = ["Lyon", "Leeds", "Paris", "Manchester", "Bordeaux", "Dublin", "Lille", "Nantes"];

    public static int Throughput(string[] args)
    {
        var count = Option(args, "--count", 200_000);
        var topicCount = Option(args, "--topics", 1000);
        Console.WriteLine($"load average (1, 5, 15 min) at start: {LoadAverages()}; {Environment.ProcessorCount} cores");
        var mentions = Mentions(count);
        var topics = Topics(topicCount);
        var sw = Stopwatch.StartNew();
        var matcher = TopicMatcher.Compile(topics);
        Console.WriteLine($"{topics.Count} topics compiled in {sw.Elapsed.TotalMilliseconds:F0} ms; {mentions.Length:N0} mentions, "
            + $"{mentions.Average(m => m.Text.Length):F0} chars on average");
        var analyzer = TextAnalyzer.Default;
        // Warm-up (JIT, the default model, per-thread buffers).
        foreach (var m in mentions.Take(5000))
        {
            matcher.Match(m.Text, analyzer.Analyze(m.Text).Language.Value, m.Sources);
        }

        sw.Restart();
        var matchedOnly = 0L;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, mentions.Length, 1000), () => (Found: new List<int>(), Count: 0L), (range, _, local) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                local.Found.Clear();
                matcher.Match(mentions[i].Text, mentions[i].Language, mentions[i].Sources, local.Found);
                local.Count += local.Found.Count;
            }
            return local;
        }, local => Interlocked.Add(ref matchedOnly, local.Count));
        var matchSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"matching alone: {mentions.Length / matchSeconds:F0} mentions/s, {matchedOnly / (double)mentions.Length:F2} topics matched per mention");

        sw.Restart();
        var matched = 0L;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, mentions.Length, 1000), () => (Found: new List<int>(), Count: 0L), (range, _, local) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var analysis = analyzer.Analyze(mentions[i].Text, new AnalysisContext(null, IsPublic: true, null));
                local.Found.Clear();
                matcher.Match(mentions[i].Text, analysis.Language.Value, mentions[i].Sources, local.Found);
                local.Count += local.Found.Count;
            }
            return local;
        }, local => Interlocked.Add(ref matched, local.Count));
        var seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"analysis + matching against {topics.Count} topics: {mentions.Length:N0} mentions in {seconds:F1} s, "
            + $"{matched / (double)mentions.Length:F2} topics matched per mention; load average {LoadAverages()}");
        Console.WriteLine($"listening-throughput: {mentions.Length / seconds:F0} mentions/s");
        return 0;
    }

    internal sealed record Mention(string Text, string Language, string[] Sources);

    internal static Mention[] Mentions(int count, int seed = 7)
    {
        var random = new Random(seed);
        var sources = new[] { new[] { "feed", "Blog vélo" }, ["mastodon", "Fediverse"], ["bluesky", "Bluesky search"], ["webhook", "Reviews"] };
        var result = new Mention[count];
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var french = random.Next(2) == 0;
            var templates = french ? TemplatesFr : TemplatesEn;
            sb.Clear();
            if (random.Next(5) == 0)
            {
                sb.Append(random.Next(2) == 0 ? "@velovert " : "@greenwheels ");
            }
            sb.Append(templates[random.Next(templates.Length)])
                .Replace("{brand}", random.Next(3) == 0 ? $"Marque{random.Next(1000)}" : Brands[random.Next(Brands.Length)])
                .Replace("{brand2}", Brands[random.Next(Brands.Length)])
                .Replace("{n}", random.Next(2, 90).ToString(CultureInfo.InvariantCulture))
                .Replace("{place}", Places[random.Next(Places.Length)]);
            if (random.Next(4) == 0)
            {
                sb.Append(". ").Append(Rapport.Bench.Throughput.Messages(1, random.Next())[0]);
            }
            result[i] = new Mention(sb.ToString(), french ? "fr" : "en", sources[random.Next(sources.Length)]);
        }
        return result;
    }

    /// <summary>Brands, products, competitors, campaigns and themes as a workspace writes them, up to <paramref name="count"/>.</summary>
    internal static List<TopicDefinition> Topics(int count)
    {
        var queries = new List<string>
        {
            "\"Vélo Vert\" OR \"Green Wheels\" OR @velovert OR @greenwheels OR #velovert",
            "(\"Vélo Vert\" OR \"Green Wheels\") AND (batterie OR battery) NOT (test OR review)",
            "(livraison OR delivery OR livré OR delivered) NEAR/4 (cassé OR broken OR retard OR late)",
            "(\"service client\" OR \"customer service\") AND (lang:fr OR lang:en)",
            "(prix OR price* OR cher OR expensive) AND (étudiant OR student)",
            "\"conditions de travail\" OR \"working conditions\" OR recrute OR hiring",
            "(cargo NEAR/2 vélo) OR \"cargo bike\"",
            "appli* AND (plante OR crash*)",
            "#vélo OR #cycling OR #nature",
            "(France OR locally OR local) NEAR/5 (fabrique OR builds OR cadre* OR frame*)",
        };
        foreach (var brand in Brands)
        {
            queries.Add($"\"{brand}\" NOT source:webhook");
        }
        for (var i = 0; queries.Count < count; i++)
        {
            queries.Add((i % 4) switch
            {
                0 => $"marque{i} OR #marque{i} OR @marque{i}",
                1 => $"marque{i} AND (vélo OR bike OR batterie OR battery)",
                2 => $"\"marque{i}\" NEAR/3 (panne OR died OR cassé OR broken) lang:fr",
                _ => $"(marque{i} OR produit{i}*) NOT (concours OR giveaway)",
            });
        }
        return [.. queries.Take(count).Select(q => new TopicDefinition(TopicQuery.Parse(q)))];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
