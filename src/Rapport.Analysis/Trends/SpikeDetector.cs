using Rapport.Analysis.Language;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Trends;

/// <summary>How spikes are detected.</summary>
/// <param name="SeasonPeriod">Buckets per season: 7 for daily counts (weekly pattern), 168 for hourly counts.</param>
/// <param name="SeasonalLookback">How many past seasons the same-phase baseline looks at.</param>
/// <param name="TrendWindow">Buckets of the rolling median that follows slow trends (a multiple of the period is best).</param>
/// <param name="Threshold">Robust z-score (MAD) from which a bucket is a spike.</param>
/// <param name="MinExcess">Smallest excess over the baseline that counts (in the series' unit), so tiny counts do not alarm.</param>
/// <param name="Warmup">Buckets of history needed before anything can be flagged.</param>
public sealed record SpikeOptions(int SeasonPeriod = 7, int SeasonalLookback = 4, int TrendWindow = 14, double Threshold = 5.0, double MinExcess = 3, int Warmup = 14)
{
    public static SpikeOptions Daily { get; } = new();

    public static SpikeOptions Hourly { get; } = new(SeasonPeriod: 24, SeasonalLookback: 7, TrendWindow: 48, Warmup: 48);
}

/// <summary>A term over-represented in a spike, by weighted log-odds (z-score) against the buckets before it.</summary>
public sealed record DriverTerm(string Term, double Score, int SpikeCount, int BaselineCount);

/// <summary>A run of consecutive buckets above the baseline.</summary>
/// <param name="Start">First bucket of the spike.</param>
/// <param name="End">Last bucket of the spike (inclusive).</param>
/// <param name="Peak">The bucket with the highest score.</param>
/// <param name="Observed">The value at the peak.</param>
/// <param name="Expected">The baseline at the peak.</param>
/// <param name="Score">The robust z-score at the peak.</param>
/// <param name="Excess">The sum of (observed − expected) over the spike: its size.</param>
/// <param name="Terms">What people said more than usual, when texts were given.</param>
public sealed record Spike(int Start, int End, int Peak, double Observed, double Expected, double Score, double Excess, IReadOnlyList<DriverTerm> Terms)
{
    /// <summary>Observed over expected at the peak (∞ avoided: expected is at least 1 unit of the series).</summary>
    public double Ratio => Observed / Math.Max(Expected, 1e-9);
}

/// <summary>
/// Spike detection on count series (volumes) and share series (negative share), robust to weekly seasonality
/// and slow trends: baseline = rolling median (trend) + median same-phase deviation over past seasons;
/// score = residual / (1.4826 · MAD of recent residuals), floored by the Poisson (or binomial) noise.
/// </summary>
public static class SpikeDetector
{
    /// <summary>Spikes in a count series (e.g. mentions per day).</summary>
    public static IReadOnlyList<Spike> Detect(IReadOnlyList<double> counts, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return DetectCore(counts.ToArray(), options ?? SpikeOptions.Daily, b => Math.Sqrt(Math.Max(b, 0) + 1));
    }

    /// <summary>Spikes in a count series, each with the terms that drive it (texts per bucket, same length as counts).</summary>
    public static IReadOnlyList<Spike> Detect(IReadOnlyList<double> counts, IReadOnlyList<IReadOnlyList<string>> textsPerBucket, SpikeOptions? options = null, int topTerms = 10)
    {
        ArgumentNullException.ThrowIfNull(textsPerBucket);
        var spikes = Detect(counts, options);
        return spikes.Select(s => s with { Terms = DrivingTerms(textsPerBucket, s.Start, s.End, (options ?? SpikeOptions.Daily).TrendWindow, topTerms) }).ToList();
    }

    /// <summary>
    /// Spikes in a share (e.g. negative messages / all messages per bucket); the noise floor is binomial,
    /// so a share jump on three messages does not alarm. Observed and expected are shares (0 to 1).
    /// </summary>
    public static IReadOnlyList<Spike> DetectShare(IReadOnlyList<double> part, IReadOnlyList<double> total, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(total);
        if (part.Count != total.Count)
        {
            throw new ArgumentException("part and total must have the same length.", nameof(total));
        }
        var share = new double[part.Count];
        for (var i = 0; i < share.Length; i++)
        {
            share[i] = total[i] > 0 ? part[i] / total[i] : 0;
        }
        var o = (options ?? SpikeOptions.Daily) with { MinExcess = Math.Min((options ?? SpikeOptions.Daily).MinExcess, 0.05) };
        var index = 0;
        var totals = total.ToArray();
        return DetectCore(share, o, b =>
        {
            var n = Math.Max(1, totals[Math.Min(index, totals.Length - 1)]);
            var p = Math.Clamp(b, 0.02, 0.98);
            return Math.Sqrt(p * (1 - p) / n);
        }, i => index = i);
    }

    /// <summary>The baseline (expected value) of every bucket; NaN during the warm-up.</summary>
    public static double[] Baseline(IReadOnlyList<double> series, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var o = options ?? SpikeOptions.Daily;
        var x = series.ToArray();
        var trend = Trend(x, o);
        var baseline = new double[x.Length];
        for (var t = 0; t < x.Length; t++)
        {
            baseline[t] = BaselineAt(x, trend, t, o);
        }
        return baseline;
    }

    private static double[] Trend(double[] x, SpikeOptions o)
    {
        var trend = new double[x.Length];
        var window = new List<double>(o.TrendWindow);
        for (var t = 0; t < x.Length; t++)
        {
            window.Clear();
            for (var s = Math.Max(0, t - o.TrendWindow); s < t; s++)
            {
                window.Add(x[s]);
            }
            trend[t] = window.Count == 0 ? double.NaN : Median(window);
        }
        return trend;
    }

    private static double BaselineAt(double[] x, double[] trend, int t, SpikeOptions o)
    {
        if (t < Math.Max(1, o.Warmup) || double.IsNaN(trend[t]))
        {
            return double.NaN;
        }
        var deviations = new List<double>(o.SeasonalLookback);
        for (var k = 1; k <= o.SeasonalLookback; k++)
        {
            var s = t - k * o.SeasonPeriod;
            if (s < 1 || double.IsNaN(trend[s]))
            {
                break;
            }
            deviations.Add(x[s] - trend[s]);
        }
        var seasonal = deviations.Count == 0 ? 0 : Median(deviations);
        return Math.Max(0, trend[t] + seasonal);
    }

    private static List<Spike> DetectCore(double[] x, SpikeOptions o, Func<double, double> noiseFloor, Action<int>? at = null)
    {
        var trend = Trend(x, o);
        var baseline = new double[x.Length];
        for (var t = 0; t < x.Length; t++)
        {
            baseline[t] = BaselineAt(x, trend, t, o);
        }
        var scores = new double[x.Length];
        var residuals = new List<double>(4 * o.SeasonPeriod);
        var deviations = new List<double>(4 * o.SeasonPeriod);
        var lookback = Math.Max(4 * o.SeasonPeriod, o.TrendWindow);
        for (var t = 0; t < x.Length; t++)
        {
            if (double.IsNaN(baseline[t]))
            {
                continue;
            }
            residuals.Clear();
            for (var s = Math.Max(0, t - lookback); s < t; s++)
            {
                if (!double.IsNaN(baseline[s]))
                {
                    residuals.Add(x[s] - baseline[s]);
                }
            }
            var mad = 0.0;
            if (residuals.Count >= 3)
            {
                var med = Median(residuals);
                deviations.Clear();
                foreach (var r in residuals)
                {
                    deviations.Add(Math.Abs(r - med));
                }
                mad = 1.4826 * Median(deviations);
            }
            at?.Invoke(t);
            var scale = Math.Max(mad, noiseFloor(baseline[t]));
            scores[t] = scale <= 0 ? 0 : (x[t] - baseline[t]) / scale;
        }
        var spikes = new List<Spike>();
        var i = 0;
        while (i < x.Length)
        {
            if (!IsSpike(x, baseline, scores, i, o))
            {
                i++;
                continue;
            }
            var start = i;
            var peak = i;
            var excess = 0.0;
            while (i < x.Length && IsSpike(x, baseline, scores, i, o))
            {
                excess += x[i] - baseline[i];
                if (scores[i] > scores[peak])
                {
                    peak = i;
                }
                i++;
            }
            spikes.Add(new Spike(start, i - 1, peak, x[peak], Math.Round(baseline[peak], 4), Math.Round(scores[peak], 2), Math.Round(excess, 4), []));
        }
        return spikes;
    }

    private static bool IsSpike(double[] x, double[] baseline, double[] scores, int t, SpikeOptions o) =>
        !double.IsNaN(baseline[t]) && scores[t] >= o.Threshold && x[t] - baseline[t] >= o.MinExcess;

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /// <summary>
    /// Terms over-represented in buckets <paramref name="start"/>..<paramref name="end"/> compared with the
    /// <paramref name="baselineBuckets"/> before, by log-odds with an informative Dirichlet prior (Monroe et al. 2008).
    /// Each term counts once per text.
    /// </summary>
    public static IReadOnlyList<DriverTerm> DrivingTerms(IReadOnlyList<IReadOnlyList<string>> textsPerBucket, int start, int end, int baselineBuckets, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(textsPerBucket);
        var spike = CountTerms(textsPerBucket, start, end);
        var baseline = CountTerms(textsPerBucket, Math.Max(0, start - baselineBuckets), start - 1);
        double ny = spike.Values.Sum(), nb = baseline.Values.Sum();
        if (ny == 0)
        {
            return [];
        }
        const double A0 = 200;
        var total = ny + nb;
        var result = new List<DriverTerm>();
        foreach (var (term, y) in spike)
        {
            if (y < 2)
            {
                continue;
            }
            baseline.TryGetValue(term, out var b);
            var a = A0 * (y + b) / total;
            var delta = Math.Log((y + a) / (ny + A0 - y - a)) - Math.Log((b + a) / (nb + A0 - b - a));
            var z = delta / Math.Sqrt(1 / (y + a) + 1 / (b + a));
            if (z > 1.96)
            {
                result.Add(new DriverTerm(term, Math.Round(z, 2), y, b));
            }
        }
        return result.OrderByDescending(r => r.Score).ThenBy(r => r.Term, StringComparer.Ordinal).Take(top).ToList();
    }

    private static Dictionary<string, int> CountTerms(IReadOnlyList<IReadOnlyList<string>> texts, int from, int to)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var bucket = Math.Max(0, from); bucket <= to && bucket < texts.Count; bucket++)
        {
            foreach (var text in texts[bucket] ?? [])
            {
                seen.Clear();
                var tokens = Tokenizer.Rent(text ?? string.Empty);
                for (var i = 0; i < tokens.Count; i++)
                {
                    var kind = tokens[i].Kind;
                    if (kind is not (TokenKind.Word or TokenKind.Hashtag))
                    {
                        continue;
                    }
                    var norm = tokens.Norm(i);
                    if (norm.Length < 3 || LanguageIdentifier.IsFunctionWord(norm))
                    {
                        continue;
                    }
                    var term = kind == TokenKind.Hashtag ? "#" + norm.ToString() : norm.ToString();
                    if (seen.Add(term))
                    {
                        counts[term] = counts.GetValueOrDefault(term) + 1;
                    }
                }
            }
        }
        return counts;
    }
}
