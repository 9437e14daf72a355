using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Analysis;
using Rapport.Analysis.Training;
using Rapport.Data;

namespace Rapport.Learning;

/// <summary>What a training run did, for the CLI and the settings page.</summary>
public sealed record TrainingOutcome(bool Replaced, int Number, string Version, IReadOnlyDictionary<string, double> Candidate,
    IReadOnlyDictionary<string, double>? Baseline, int Corrections, int Examples);

/// <summary>
/// Retrains a workspace's model on the seed corpus plus its corrections, cross-validates it, and makes it
/// current only if it is not worse than the current one. The previous model is kept to roll back to.
/// </summary>
public sealed class WorkspaceTraining(RapportDbContextFactory factory, WorkspaceAnalyzers analyzers, TimeProvider clock, IOptions<RapportOptions> options)
{
    private int Folds => options.Value.TrainingFolds;

    /// <summary>A retrained model may score this much lower on a head and still replace the current one (noise between folds).</summary>
    public const double Tolerance = 0.01;

    /// <summary>The default model's cross-validated scores, computed once per fold count: the bar a first workspace model must clear.</summary>
    private static readonly ConcurrentDictionary<int, Lazy<IReadOnlyDictionary<string, double>>> DefaultBaseline = new();

    /// <summary>Stores labelled examples from a CSV as corrections, so every later retrain keeps them.</summary>
    public async Task<int> AddExamplesAsync(Guid workspaceId, IEnumerable<LabelledExample> examples, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        await using var db = factory.CreateDbContext();
        var now = clock.GetUtcNow().UtcDateTime;
        var count = 0;
        foreach (var e in examples.Where(e => !string.IsNullOrWhiteSpace(e.Text) && (e.Intent is not null || e.NeedsAnswer is not null || e.Sentiment is not null)))
        {
            db.Corrections.Add(new Correction
            {
                WorkspaceId = workspaceId,
                Text = e.Text,
                Language = e.Language,
                Intent = e.Intent?.ToString(),
                NeedsAnswer = e.NeedsAnswer,
                Sentiment = e.Sentiment?.ToString(),
                CreatedAt = now,
            });
            count++;
        }
        await db.SaveChangesAsync(ct);
        return count;
    }

    public async Task<TrainingOutcome> TrainAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var corrections = await db.Corrections.Where(c => c.WorkspaceId == workspaceId).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var extra = corrections.Select(ToExample).ToList();

        // Both are deterministic: the same corrections always give the same model and the same scores.
        var candidateReport = AnalyzerModel.CrossValidate(extra, Folds);
        var current = await db.TrainedModels.FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.Status == TrainedModelStatus.Current, ct);
        var baseline = current is null
            ? DefaultBaseline.GetOrAdd(Folds, folds => new(() => AnalyzerModel.CrossValidate([], folds).MacroF1)).Value
            : Parse(current.CrossValidation);
        var replaced = CrossValidationReport.IsNotWorse(candidateReport.MacroF1, baseline, Tolerance);

        var model = AnalyzerModel.Train(extra);
        using var buffer = new MemoryStream();
        model.Save(buffer);
        var number = (await db.TrainedModels.Where(m => m.WorkspaceId == workspaceId).MaxAsync(m => (int?)m.Number, ct) ?? 0) + 1;
        if (replaced && current is not null)
        {
            current.Status = TrainedModelStatus.Previous;
        }
        db.TrainedModels.Add(new TrainedModel
        {
            WorkspaceId = workspaceId,
            Number = number,
            Version = model.Version,
            Status = replaced ? TrainedModelStatus.Current : TrainedModelStatus.Rejected,
            Data = buffer.ToArray(),
            CrossValidation = JsonSerializer.Serialize(candidateReport.MacroF1),
            Examples = model.ExampleCount,
            Corrections = corrections.Count,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
        if (replaced)
        {
            analyzers.Invalidate(workspaceId);
        }
        return new TrainingOutcome(replaced, number, model.Version, candidateReport.MacroF1, baseline, corrections.Count, model.ExampleCount);
    }

    /// <summary>Makes the latest previous model current again. False when there is none.</summary>
    public async Task<bool> RollBackAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var previous = await db.TrainedModels.Where(m => m.WorkspaceId == workspaceId && m.Status == TrainedModelStatus.Previous)
            .OrderByDescending(m => m.Number).FirstOrDefaultAsync(ct);
        if (previous is null)
        {
            return false;
        }
        var current = await db.TrainedModels.FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.Status == TrainedModelStatus.Current, ct);
        if (current is not null)
        {
            current.Status = TrainedModelStatus.Rejected;
        }
        previous.Status = TrainedModelStatus.Current;
        await db.SaveChangesAsync(ct);
        analyzers.Invalidate(workspaceId);
        return true;
    }

    /// <summary>True when corrections arrived since the current model was trained: worth a scheduled retrain.</summary>
    public async Task<bool> HasNewCorrectionsAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var trainedAt = await db.TrainedModels.Where(m => m.WorkspaceId == workspaceId).MaxAsync(m => (DateTime?)m.CreatedAt, ct);
        return await db.Corrections.AnyAsync(c => c.WorkspaceId == workspaceId && (trainedAt == null || c.CreatedAt > trainedAt), ct);
    }

    private static LabelledExample ToExample(Correction c) => new(
        c.Text,
        c.Language,
        Enum.TryParse<Intent>(c.Intent, out var intent) ? intent : null,
        c.NeedsAnswer,
        Enum.TryParse<SentimentLabel>(c.Sentiment, out var sentiment) ? sentiment : null);

    private static IReadOnlyDictionary<string, double> Parse(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? [];
}
