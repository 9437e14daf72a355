using Rapport.Analysis.Training;

namespace Rapport.Analysis.Tests;

public sealed class TrainingTests
{
    private static readonly LabelledExample[] Small =
    [
        new("my parcel never arrived, this is a disgrace", "en", Intent.Complaint, true, SentimentLabel.Negative),
        new("the app crashes every time I log in", "en", Intent.Complaint, true, SentimentLabel.Negative),
        new("mon colis est arrivé cassé", "fr", Intent.Complaint, true, SentimentLabel.Negative),
        new("toujours pas de remboursement, c'est honteux", "fr", Intent.Complaint, true, SentimentLabel.Negative),
        new("what are your opening hours on sunday?", "en", Intent.Question, true, SentimentLabel.Neutral),
        new("do you deliver to Belgium?", "en", Intent.Question, true, SentimentLabel.Neutral),
        new("quels sont vos horaires le dimanche ?", "fr", Intent.Question, true, SentimentLabel.Neutral),
        new("est-ce que vous livrez en Suisse ?", "fr", Intent.Question, true, SentimentLabel.Neutral),
        new("thank you so much, the team was wonderful", "en", Intent.Praise, false, SentimentLabel.Positive),
        new("love the new design, great job", "en", Intent.Praise, false, SentimentLabel.Positive),
        new("merci beaucoup, service au top", "fr", Intent.Praise, false, SentimentLabel.Positive),
        new("super accueil en magasin, bravo", "fr", Intent.Praise, false, SentimentLabel.Positive),
    ];

    [Fact]
    public void TrainOn_SameInput_GivesByteIdenticalModels()
    {
        var a = AnalyzerModel.TrainOn(Small, seed: 42);
        var b = AnalyzerModel.TrainOn(Small, seed: 42);

        Assert.Equal(Bytes(a), Bytes(b));
        Assert.Equal(a.Version, b.Version);
    }

    [Fact]
    public void Train_WithSeedCorpus_IsDeterministic()
    {
        var extra = new[] { new LabelledExample("le wifi du train ne marche jamais", "fr", Intent.Complaint, true, SentimentLabel.Negative) };

        var a = AnalyzerModel.Train(extra);
        var b = AnalyzerModel.Train(extra);

        Assert.Equal(a.Version, b.Version);
        Assert.NotEqual(AnalyzerModel.Default.Version, a.Version);
    }

    [Fact]
    public void SaveLoad_RoundTrip_PredictsTheSame()
    {
        var model = AnalyzerModel.TrainOn(Small);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;

        var loaded = AnalyzerModel.Load(stream);

        Assert.Equal(model.Version, loaded.Version);
        Assert.Equal(model.ExampleCount, loaded.ExampleCount);
        var text = "my order is late and nobody answers";
        var x = new TextAnalyzer(model).Analyze(text);
        var y = new TextAnalyzer(loaded).Analyze(text);
        Assert.Equal(x.Intent, y.Intent, (p, q) => p.Value == q.Value && p.Confidence == q.Confidence);
        Assert.Equal(x.NeedsAnswer.Value, y.NeedsAnswer.Value);
        Assert.Equal(x.SentimentScore, y.SentimentScore);
        Assert.Equal(Bytes(model), Bytes(loaded));
    }

    [Fact]
    public void Load_Garbage_ThrowsInvalidData()
    {
        using var stream = new MemoryStream([1, 2, 3, 4, 5]);

        Assert.ThrowsAny<Exception>(() => AnalyzerModel.Load(stream));
    }

    [Fact]
    public void TrainOn_SmallSet_LearnsItsLabels()
    {
        var analyzer = new TextAnalyzer(AnalyzerModel.TrainOn(Small));

        Assert.Equal(Intent.Question, analyzer.Analyze("do you deliver to Spain?").Intent.Value);
        Assert.Equal(Intent.Praise, analyzer.Analyze("merci beaucoup, bravo à toute l'équipe").Intent.Value);
    }

    [Fact]
    public void Corrections_ChangeThePrediction()
    {
        const string text = "the blue widget goes squeak";
        var corrections = Enumerable.Range(0, 30)
            .Select(i => new LabelledExample($"the blue widget goes squeak {i}", "en", Intent.Feedback, false, SentimentLabel.Neutral))
            .ToList();

        var model = AnalyzerModel.Train(corrections);

        Assert.Equal(Intent.Feedback, new TextAnalyzer(model).Analyze(text).Intent.Value);
        Assert.Equal(AnalyzerModel.Default.ExampleCount + 30, model.ExampleCount);
    }

    [Fact]
    public void CrossValidate_GivesMacroF1PerHead_AndCompares()
    {
        var examples = Small.Concat(Small.Select(e => e with { Text = e.Text + " !" })).ToList();

        var report = AnalyzerModel.CrossValidateOn(examples, folds: 3);

        Assert.Equal(3, report.Folds);
        Assert.InRange(report.MacroF1["intent"], 0, 1);
        Assert.InRange(report.MacroF1["needs_answer"], 0, 1);
        Assert.InRange(report.MacroF1["sentiment"], 0, 1);
        Assert.True(report.IsNotWorseThan(report));
        var worse = report with { Intent = report.Intent with { MacroF1 = report.Intent.MacroF1 - 0.2 } };
        Assert.False(worse.IsNotWorseThan(report));
        Assert.True(report.IsNotWorseThan(worse));
        var stored = new Dictionary<string, double> { ["intent"] = 0.80, ["needs_answer"] = 0.85, ["sentiment"] = 0.70 };
        Assert.True(CrossValidationReport.IsNotWorse(new Dictionary<string, double> { ["intent"] = 0.795, ["needs_answer"] = 0.86, ["sentiment"] = 0.70 }, stored));
        Assert.False(CrossValidationReport.IsNotWorse(new Dictionary<string, double> { ["intent"] = 0.75, ["needs_answer"] = 0.86, ["sentiment"] = 0.70 }, stored));
    }

    [Fact]
    public void LabelledCsv_ReadsMissingColumnsAndValues()
    {
        const string csv = "text,intent,needs_answer\n\"hello, is anyone there?\",question,1\nrubbish order,complaint,\nno labels at all,,\n";

        var examples = LabelledCsv.Read(new StringReader(csv));

        Assert.Equal(3, examples.Count);
        Assert.Equal("hello, is anyone there?", examples[0].Text);
        Assert.Equal(Intent.Question, examples[0].Intent);
        Assert.True(examples[0].NeedsAnswer);
        Assert.Null(examples[0].Sentiment);
        Assert.Equal(Intent.Complaint, examples[1].Intent);
        Assert.Null(examples[1].NeedsAnswer);
        Assert.Null(examples[2].Intent);
    }

    [Fact]
    public void LabelledCsv_ParsesPurchaseIntentAndSentiment()
    {
        const string csv = "text,intent,sentiment\nhow much is it,purchase_intent,neutral\ngreat,praise,positive\n";

        var examples = LabelledCsv.Read(new StringReader(csv));

        Assert.Equal(Intent.PurchaseIntent, examples[0].Intent);
        Assert.Equal(SentimentLabel.Positive, examples[1].Sentiment);
    }

    [Fact]
    public void SeedCorpus_IsEmbedded_BothLanguagesAllIntents()
    {
        var seed = LabelledCsv.SeedCorpus();

        Assert.True(seed.Count >= 1500, $"seed has {seed.Count} rows");
        Assert.Contains(seed, e => e.Language == "fr");
        Assert.Contains(seed, e => e.Language == "en");
        foreach (var intent in Enum.GetValues<Intent>())
        {
            Assert.Contains(seed, e => e.Intent == intent);
        }
    }

    private static byte[] Bytes(AnalyzerModel model)
    {
        using var ms = new MemoryStream();
        model.Save(ms);
        return ms.ToArray();
    }
}

public sealed class DefaultModelCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rapport-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadOrTrainDefault_WritesThenReadsTheSameModel()
    {
        var first = AnalyzerModel.LoadOrTrainDefault(_dir);
        var file = Assert.Single(Directory.GetFiles(_dir));
        Assert.Contains(AnalyzerModel.DefaultFingerprint, file, StringComparison.Ordinal);

        var second = AnalyzerModel.LoadOrTrainDefault(_dir);

        Assert.Equal(first.Version, second.Version);
        Assert.Equal(AnalyzerModel.Default.Version, second.Version);
    }

    [Fact]
    public void LoadOrTrainDefault_DamagedCache_IsRebuilt()
    {
        File.WriteAllText(Path.Combine(_dir, $"default-{AnalyzerModel.DefaultFingerprint}.model"), "not a model");

        var model = AnalyzerModel.LoadOrTrainDefault(_dir);

        Assert.Equal(AnalyzerModel.Default.Version, model.Version);
    }
}
