namespace Rapport.Analysis;

/// <summary>
/// How the shipped analyzer turns the sentiment head and the lexicon into a score and a label. The seed corpus is
/// mostly messages to brands, so the head alone reads any long message with numbers and @mentions as a complaint;
/// the lexicon knows words but not style. These few numbers say how much of each to trust and where neutral ends.
/// Chosen by 5-fold cross-validation on the shared English tweet dev split (docs/decisions/0062): only these
/// numbers are fitted there, the model itself learns from the seed corpus alone.
/// </summary>
/// <param name="ModelWeightAlone">Weight of the head's score when the text has no polar word.</param>
/// <param name="ModelWeight">Weight of the head's score when it has one (the lexicon gets the rest).</param>
/// <param name="PositiveFrom">Score from which a text is positive.</param>
/// <param name="NegativeFrom">Score (negative) at or below which a text is negative.</param>
internal sealed record SentimentCalibration(double ModelWeightAlone, double ModelWeight, double PositiveFrom, double NegativeFrom)
{
    /// <summary>What ships.</summary>
    public static SentimentCalibration Default { get; } = new(ModelWeightAlone: 0.2, ModelWeight: 0.2, PositiveFrom: 0.05, NegativeFrom: -0.25);

    /// <summary>The score in [−1, 1] from the head's P(positive) − P(negative) and the lexicon score.</summary>
    public double Score(double model, double lexicon) =>
        Math.Clamp(lexicon == 0 ? ModelWeightAlone * model : ModelWeight * model + (1 - ModelWeight) * lexicon, -1, 1);

    public SentimentLabel Label(double score) =>
        score >= PositiveFrom ? SentimentLabel.Positive : score <= NegativeFrom ? SentimentLabel.Negative : SentimentLabel.Neutral;
}
