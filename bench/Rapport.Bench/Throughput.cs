using System.Diagnostics;
using System.Text;
using Rapport.Analysis;

namespace Rapport.Bench;

/// <summary>Full Analyze on 100,000 realistic messages, generated from our own templates (no evaluation data).</summary>
internal static class Throughput
{
    private static readonly string[] Openers = ["", "", "@AcmeRail ", "@MaBoxFibre ", "Bonjour, ", "Hi, ", "hello @ShopCo ", "@BanquePop ", "Hey ", "Salut @LivraisonExpress "];

    private static readonly string[] BodiesEn =
    [
        "my parcel still hasn't arrived after {n} days, order #{id}",
        "the app keeps crashing since the last update",
        "what time does the store on {place} open on sunday?",
        "can you please DM me about my refund asap",
        "thank you so much, the team at {place} was amazing",
        "internet has been down in my area for {n} hours!!!",
        "do you deliver to {place}? thinking of ordering the blue one",
        "great service today, really impressed 👍",
        "I've been on hold for {n} minutes, this is ridiculous 😡",
        "is there a discount for students?",
        "not bad at all, but the delivery was a bit slow",
        "my elderly mother has had no heating for {n} days",
        "win a free iphone!!! click here http://example.com/win",
        "loving the new menu at {place} 😍😍",
        "I will cancel my subscription if this isn't fixed by friday",
        "why was I charged twice this month??",
    ];

    private static readonly string[] BodiesFr =
    [
        "mon colis n'est toujours pas arrivé depuis {n} jours, commande n°{id}",
        "l'appli plante à chaque connexion depuis la mise à jour",
        "vous êtes ouverts dimanche à {place} ?",
        "svp contactez-moi en MP pour mon remboursement",
        "merci beaucoup à l'équipe de {place}, super accueil !",
        "plus d'internet depuis {n} heures, je télétravaille moi !!!",
        "est-ce que vous livrez à {place} ? je voudrais commander",
        "franchement pas mal du tout, je recommande",
        "{n} min d'attente au téléphone, c'est une honte 😡",
        "y a-t-il une réduction pour les étudiants ?",
        "probleme de facturation, j'ai ete preleve deux fois",
        "ma grand-mère de 90 ans n'a plus de chauffage depuis {n} jours",
        "gagnez 500€ par jour avec le bitcoin !!! cliquez ici http://example.com",
        "trop bien la nouvelle carte chez {place} 😍",
        "je vais résilier si ce n'est pas réglé vendredi",
        "pourquoi ai-je été débité deux fois ce mois-ci ??",
    ];

    private static readonly string[] Places = ["Lyon", "Leeds", "Paris Nord", "Manchester", "Bordeaux", "Dublin", "Lille", "Boston"];
    private static readonly string[] Closers = ["", "", "", " #fail", " 🙄", " merci", " thanks", " !!!", " pls", " 😂", " #sav"];

    public static string[] Messages(int count, int seed = 42)
    {
        var random = new Random(seed);
        var result = new string[count];
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Clear();
            var bodies = random.Next(2) == 0 ? BodiesEn : BodiesFr;
            sb.Append(Openers[random.Next(Openers.Length)]);
            var body = bodies[random.Next(bodies.Length)]
                .Replace("{n}", random.Next(2, 40).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{id}", random.Next(10000, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{place}", Places[random.Next(Places.Length)], StringComparison.Ordinal);
            if (random.Next(10) == 0)
            {
                body = body.ToUpperInvariant();
            }
            sb.Append(body);
            if (random.Next(4) == 0)
            {
                // A second sentence, as longer messages have.
                sb.Append(". ").Append(bodies[random.Next(bodies.Length)].Replace("{n}", "3", StringComparison.Ordinal).Replace("{id}", "12345", StringComparison.Ordinal).Replace("{place}", "Nantes", StringComparison.Ordinal));
            }
            sb.Append(Closers[random.Next(Closers.Length)]);
            result[i] = sb.ToString();
        }
        return result;
    }

    public static void Run()
    {
        var sw = Stopwatch.StartNew();
        var analyzer = TextAnalyzer.Default;
        analyzer.Analyze("warm up");
        Console.WriteLine($"default model ready (trained on the seed corpus) in {sw.Elapsed.TotalSeconds:F2} s, version {analyzer.Model.Version}");
        var messages = Messages(100_000);
        var bytes = messages.Sum(m => (long)m.Length);
        Console.WriteLine($"{messages.Length} messages, {bytes / (double)messages.Length:F0} chars on average, {Environment.ProcessorCount} cores");

        // Warm-up pass (JIT, per-thread buffers).
        for (var i = 0; i < 5000; i++)
        {
            analyzer.Analyze(messages[i]);
        }

        var allocBefore = GC.GetAllocatedBytesForCurrentThread();
        sw.Restart();
        var checksum = 0.0;
        foreach (var m in messages)
        {
            checksum += analyzer.Analyze(m).NeedsAnswer.Value;
        }
        var single = sw.Elapsed.TotalSeconds;
        var singleAlloc = (GC.GetAllocatedBytesForCurrentThread() - allocBefore) / (double)messages.Length;
        Console.WriteLine($"one thread:  {messages.Length / single,10:F0} msgs/s  {single * 1e6 / messages.Length:F1} µs/msg  {singleAlloc:F0} bytes allocated/msg");

        var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        sw.Restart();
        var partitions = System.Collections.Concurrent.Partitioner.Create(0, messages.Length, 1000);
        Parallel.ForEach(partitions, range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                analyzer.Analyze(messages[i]);
            }
        });
        var all = sw.Elapsed.TotalSeconds;
        var allAlloc = (GC.GetTotalAllocatedBytes(precise: true) - totalBefore) / (double)messages.Length;
        Console.WriteLine($"all cores:   {messages.Length / all,10:F0} msgs/s  {allAlloc:F0} bytes allocated/msg (checksum {checksum:F1})");
        Console.WriteLine($"analysis-throughput: {messages.Length / all:F0} msgs/s");
    }
}
