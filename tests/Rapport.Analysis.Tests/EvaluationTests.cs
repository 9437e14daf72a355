using System.Text.Json;
using Rapport.Analysis.Evaluation;

namespace Rapport.Analysis.Tests;

public sealed class EvaluationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rapport-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Metrics_HandComputed_AreRight()
    {
        // truth:     1 1 1 0 0
        // predicted: 1 0 1 0 1
        var m = ClassificationMetrics.Compute([("1", "1"), ("1", "0"), ("1", "1"), ("0", "0"), ("0", "1")]);

        Assert.Equal(5, m.N);
        Assert.Equal(0.6, m.Accuracy, 6);
        var one = m.PerClass.Single(c => c.Label == "1");
        Assert.Equal(2.0 / 3, one.Precision, 6);
        Assert.Equal(2.0 / 3, one.Recall, 6);
        var zero = m.PerClass.Single(c => c.Label == "0");
        Assert.Equal(0.5, zero.Precision, 6);
        Assert.Equal(0.5, zero.Recall, 6);
        Assert.Equal((2.0 / 3 + 0.5) / 2, m.MacroF1, 6);
        Assert.Equal((2.0 / 3 + 0.5) / 2, m.MacroRecall, 6);
        Assert.Equal([1, 1], m.Confusion[0]);
        Assert.Equal([1, 2], m.Confusion[1]);
    }

    [Fact]
    public void Csv_QuotedFieldsAndNewlines_AreRead()
    {
        var t = CsvTable.Read(new StringReader("text,label\n\"a, \"\"quoted\"\"\nline\",1\nplain,0\n"));

        Assert.Equal(["text", "label"], t.Header);
        Assert.Equal(2, t.Rows.Count);
        Assert.Equal("a, \"quoted\"\nline", t.Rows[0][0]);
        Assert.Equal("0", t.Rows[1][1]);
    }

    [Fact]
    public void Run_ZeroShotComplaint_OnTinyCsv_GivesReport()
    {
        var path = Write("complaints.csv", "id,text,complaint\n" +
            "1,\"my parcel is 5 days late and nobody answers, disgraceful\",1\n" +
            "2,\"mon colis n'est toujours pas arrivé, c'est une honte\",1\n" +
            "3,\"the app keeps crashing since the update, fix it\",1\n" +
            "4,\"beautiful sunset tonight\",0\n" +
            "5,\"thank you so much for the quick help!\",0\n" +
            "6,\"happy friday everyone\",0\n");

        var report = EvaluationRunner.Run(new EvalOptions(EvalTask.Complaint, path));

        Assert.Equal(6, report.N);
        Assert.Equal("zero-shot", report.Mode);
        Assert.True(report.ForLabel("1")!.Recall >= 2.0 / 3);
        Assert.True(report.Accuracy >= 0.66);
        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        Assert.Equal(6, root.GetProperty("n").GetInt32());
        Assert.True(root.TryGetProperty("accuracy", out _));
        Assert.True(root.TryGetProperty("macro_f1", out _));
        Assert.True(root.TryGetProperty("macro_recall", out _));
        Assert.True(root.GetProperty("per_class").TryGetProperty("1", out var one));
        Assert.True(one.TryGetProperty("precision", out _));
        Assert.Equal(2, root.GetProperty("confusion").GetProperty("matrix").GetArrayLength());
        Assert.Contains("macro-F1", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TrainThenTest_HeadlineColumnAndClickbaitLabel()
    {
        var bait = new[] { "You won't believe what this cat did", "17 things only 90s kids remember", "This is why you should never sleep late", "Which pizza topping are you", "22 photos that will make you cry", "Here's why everyone is talking about this" };
        var news = new[] { "Parliament passes budget bill", "Storm closes schools in the north", "Central bank holds interest rates", "Company reports quarterly earnings", "Minister resigns after inquiry", "Court rules on water dispute" };
        var rows = bait.Select(b => $"\"{b}\",1").Concat(news.Select(n => $"\"{n}\",0"));
        var train = Write("train.csv", "headline,clickbait\n" + string.Join("\n", rows) + "\n");
        var test = Write("test.csv", "headline,clickbait\n\"You won't believe these 10 photos\",1\n\"Parliament rules on budget\",0\n");

        var report = EvaluationRunner.Run(new EvalOptions(EvalTask.Clickbait, test, TrainPath: train));

        Assert.Equal("train", report.Mode);
        Assert.Equal(2, report.N);
        Assert.Equal(1.0, report.Accuracy);
    }

    [Fact]
    public void Run_CrossValidation_IsStratifiedAndCoversEveryRow()
    {
        var rows = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? $"\"great service thank you {i}\",2" : $"\"terrible awful delay {i}\",0");
        var path = Write("sentiment.csv", "text,label\n" + string.Join("\n", rows) + "\n");

        var report = EvaluationRunner.Run(new EvalOptions(EvalTask.Sentiment, path, CvFolds: 5));

        Assert.Equal("cv-5", report.Mode);
        Assert.Equal(20, report.N);
        Assert.True(report.MacroF1 > 0.9);
        Assert.Equal(["0", "1", "2"], report.Metrics.Labels);
    }

    [Fact]
    public void Run_MissingLabelColumn_SaysWhich()
    {
        var path = Write("bad.csv", "text,foo\nhello,1\n");

        var e = Assert.Throws<InvalidDataException>(() => EvaluationRunner.Run(new EvalOptions(EvalTask.Toxicity, path)));
        Assert.Contains("label", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folds_AreStratified()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i < 80 ? "a" : "b").ToArray();

        var folds = Folds.Stratified(labels, 5, 42);

        for (var f = 0; f < 5; f++)
        {
            Assert.Equal(16, labels.Where((l, i) => l == "a" && folds[i] == f).Count());
            Assert.Equal(4, labels.Where((l, i) => l == "b" && folds[i] == f).Count());
        }
    }
}

public sealed class TextClassifierTests
{
    [Fact]
    public void Train_BinaryWithNaiveBayesAndTunedThreshold_SeparatesTheClasses()
    {
        var random = new Random(1);
        string[] rude = ["you are an idiot", "shut up moron", "what a stupid take", "fuck off", "go to hell you clown", "this is bullshit"];
        string[] polite = ["have a nice day", "thanks for sharing", "interesting article", "see you tomorrow", "great game last night", "lovely weather"];
        var examples = Enumerable.Range(0, 120)
            .Select(i => i % 3 == 0 ? (rude[random.Next(rude.Length)] + " " + i, "1") : (polite[random.Next(polite.Length)] + " " + i, "0"))
            .ToList();
        var options = TextClassifierOptions.For(EvalTask.Toxicity);

        var classifier = TextClassifier.Train(examples, options);

        Assert.True(options.NaiveBayesScaling && options.TuneThreshold);
        Assert.InRange(classifier.Threshold, 0.2, 0.8);
        Assert.Equal("1", classifier.Predict("shut up you idiot"));
        Assert.Equal("0", classifier.Predict("thanks, have a lovely day"));
    }

    [Fact]
    public void Train_Multiclass_PredictsEachLabel()
    {
        var examples = new List<(string, string)>();
        for (var i = 0; i < 10; i++)
        {
            examples.Add(($"card blocked at the atm {i}", "card"));
            examples.Add(($"transfer to another account pending {i}", "transfer"));
            examples.Add(($"change my pin code please {i}", "pin"));
        }

        var classifier = TextClassifier.Train(examples, TextClassifierOptions.For(EvalTask.Intent));

        Assert.Equal(["card", "pin", "transfer"], classifier.Labels);
        Assert.Equal("pin", classifier.Predict("how do I change my pin"));
        Assert.Equal("transfer", classifier.Predict("my transfer is still pending"));
    }

    [Fact]
    public void ComplaintThreshold_IsTheOneTheSeedCorpusRuleGives()
    {
        // The zero-shot complaint threshold comes from held-out seed folds only (docs/decisions/0012), never from an eval set.
        var d = ComplaintThresholdRule.DeriveFromSeed();

        Assert.Equal(EvaluationRunner.ComplaintThreshold, d.Threshold, 6);
        Assert.True(d.Recall >= ComplaintThresholdRule.TargetRecall, d.ToString());
        Assert.True(d.Complaints > 100, d.ToString());
    }

    [Theory]
    [InlineData(Intent.Question, SentimentLabel.Negative, true)]
    [InlineData(Intent.Request, SentimentLabel.Negative, true)]
    [InlineData(Intent.Chatter, SentimentLabel.Negative, false)]
    [InlineData(Intent.Spam, SentimentLabel.Negative, false)]
    [InlineData(Intent.Question, SentimentLabel.Neutral, false)]
    [InlineData(Intent.Complaint, SentimentLabel.Neutral, true)]
    public void IsComplaint_NegativeCountsUnlessSpamOrChatter(Intent intent, SentimentLabel sentiment, bool expected)
    {
        var r = new TextAnalysisResult(
            new Scored<string>("en", 1, []), new Scored<Intent>(intent, 0.6, []), new Scored<double>(0.5, 0, []), 0,
            new Scored<SentimentLabel>(sentiment, 0.8, []), [], [], [], [], "test");
        var p = new Dictionary<Intent, double> { [intent] = 0.6, [Intent.Complaint] = intent == Intent.Complaint ? 0.6 : 0.1 };

        Assert.Equal(expected, EvaluationRunner.IsComplaint(r, p));
    }

    [Theory]
    [InlineData("shut up you pathetic clown", true)]
    [InlineData("what a disgusting liar", true)]
    [InlineData("thanks for the lovely evening", false)]
    public void OffensiveLexicon_FiresOnGeneralAbuseOnly(string text, bool fires)
    {
        var matches = new List<Lexicons.PhraseMatch<Lexicons.OffensiveCue>>();
        Lexicons.OffensiveLexicon.Cues.Match(Text.Tokenizer.Rent(text), matches);

        Assert.Equal(fires, matches.Count > 0);
        Assert.True(TextClassifierOptions.For(EvalTask.Toxicity).OffensiveLexicon);
    }
}
