namespace Rapport.Reports;

/// <summary>Sentiment as reports count it: -1 negative, 0 neutral, 1 positive, with the analyser's thresholds.</summary>
public static class SentimentScale
{
    /// <summary>The analyser labels a score of 0.2 or more positive and -0.2 or less negative.</summary>
    public const double Threshold = 0.2;

    public static double? Of(double? score) => score switch
    {
        null => null,
        >= Threshold => 1,
        <= -Threshold => -1,
        _ => 0,
    };
}
