using Rapport.Analysis.Language;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Trends;

/// <summary>How sensitive alerts are: low raises only the big spikes, high the smaller ones too.</summary>
public enum SpikeSensitivity
{
    Low,
    Normal,
    High,
}

/// <summary>
/// How spikes are detected (docs/decisions/0072). The presets are what Rapport uses: <see cref="Daily"/> for counts per
/// day, <see cref="Hourly"/> for counts per hour (the alerts' scan), both with a weekly season.
/// </summary>
public sealed record SpikeOptions
{
    /// <summary>Buckets per season: 7 for daily counts, 168 for hourly counts (one week, which holds the day's pattern too).</summary>
    public int SeasonPeriod { get; init; } = 7;

    /// <summary>How many past seasons the same-phase factor is read from.</summary>
    public int SeasonalLookback { get; init; } = 4;

    /// <summary>Buckets averaged for the level (the slow trend): one full season, so the season cancels out.</summary>
    public int LevelWindow { get; init; } = 7;

    /// <summary>Variance-stabilised score (Anscombe, in noise units) from which a bucket or a window is a spike.</summary>
    public double Threshold { get; init; } = 5.0;

    /// <summary>Smallest excess over the baseline that counts (in the series' unit), so tiny counts do not alarm.</summary>
    public double MinExcess { get; init; } = 3;

    /// <summary>Smallest observed / expected that counts, so a busy series' ordinary wobble does not alarm.</summary>
    public double MinRatio { get; init; } = 1.5;

    /// <summary>Buckets summed by the sliding test that hears a slow, modest rise (1: each bucket alone).</summary>
    public int Window { get; init; } = 1;

    /// <summary>Buckets of history needed before anything can be flagged (at least a level and one season back).</summary>
    public int Warmup { get; init; } = 14;

    /// <summary>Quiet buckets in a row that end an episode (a gap shorter than this is the same episode).</summary>
    public int EndAfterQuiet { get; init; } = 1;

    /// <summary>When more buckets than this were flagged over the last level window, the series has a new level: its buckets then count in the baseline.</summary>
    public int MaxCleanRun { get; init; } = 7;

    /// <summary>Negative share only: the smallest rise of the share (0.10 is ten points) that counts.</summary>
    public double ShareRise { get; init; } = 0.10;

    /// <summary>Negative share only: the fewest negative items in the bucket (or window) that count.</summary>
    public double MinPart { get; init; } = 5;

    /// <summary>Negative share only: the buckets before the window whose share is the expected one.</summary>
    public int ShareHistory { get; init; } = 28;

    public static SpikeOptions Daily { get; } = new();

    /// <summary>Hourly counts with a weekly season of 168 hours, read over the last four weeks; a six-hour sliding sum.</summary>
    public static SpikeOptions Hourly { get; } = new()
    {
        SeasonPeriod = 168,
        SeasonalLookback = 4,
        LevelWindow = 168,
        Warmup = 336,
        // Chosen on the spike-quality bench's dev seeds (docs/decisions/0072): recall 0.87, 0.36 false alarms per 30 days.
        Threshold = 3.5,
        MinExcess = 4,
        Window = 6,
        EndAfterQuiet = 3,
        MaxCleanRun = 72,
        ShareHistory = 336,
    };

    /// <summary>The same options, more or less sensitive.</summary>
    public SpikeOptions With(SpikeSensitivity sensitivity) => sensitivity switch
    {
        SpikeSensitivity.Low => this with { Threshold = Threshold * 1.4, MinExcess = MinExcess * 2, MinRatio = MinRatio + 0.5, ShareRise = ShareRise + 0.05 },
        SpikeSensitivity.High => this with { Threshold = Threshold * 0.8, MinExcess = Math.Max(2, MinExcess * 0.75), MinRatio = Math.Max(1.25, MinRatio - 0.2), ShareRise = Math.Max(0.05, ShareRise - 0.03) },
        _ => this,
    };
}

/// <summary>A term over-represented in a spike, by weighted log-odds (z-score) against the buckets before it.</summary>
public sealed record DriverTerm(string Term, double Score, int SpikeCount, int BaselineCount);

/// <summary>An episode: a run of buckets above the baseline (short quiet gaps included).</summary>
/// <param name="Start">First bucket of the spike.</param>
/// <param name="End">Last bucket of the spike (inclusive); the series' last bucket while it goes on.</param>
/// <param name="Peak">The bucket with the highest score.</param>
/// <param name="Observed">The value at the peak (a share for negative-share spikes).</param>
/// <param name="Expected">The baseline at the peak.</param>
/// <param name="Score">The score at the peak, in noise units.</param>
/// <param name="Excess">The sum of (observed − expected) over the spike: its size.</param>
/// <param name="Terms">What people said more than usual, when texts were given.</param>
public sealed record Spike(int Start, int End, int Peak, double Observed, double Expected, double Score, double Excess, IReadOnlyList<DriverTerm> Terms)
{
    /// <summary>Observed over expected at the peak (∞ avoided: expected is at least 1 unit of the series).</summary>
    public double Ratio => Observed / Math.Max(Expected, 1e-9);

    /// <summary>Everything observed over the episode (counts; for a share, the negative items).</summary>
    public double ObservedTotal { get; init; }

    /// <summary>What was expected over the episode.</summary>
    public double ExpectedTotal { get; init; }

    /// <summary>The bucket at which it was first flagged (Start can be earlier when the sliding sum found it).</summary>
    public int FlaggedAt { get; init; }
}

/// <summary>
/// Spike detection on count series (volumes) and share series (negative share), online (each bucket judged only on
/// the buckets before it), robust to weekly seasonality, slow trends, low counts and holidays:
/// baseline = level (mean of the last season) × same-phase factor (what the same hour of the week, and its
/// neighbours, held against their level over the last four seasons); score = Anscombe residual
/// 2(√(x+⅜) − √(b+⅜)) over the series' own over-dispersion, on each bucket and on a sliding sum. Flagged buckets
/// and deep dips are replaced by their baseline in the history, so a spike or a holiday does not blind the weeks after
/// it; an episode longer than <see cref="SpikeOptions.MaxCleanRun"/> is taken as a new level.
/// </summary>
public static class SpikeDetector
{
    /// <summary>Spikes in a count series (e.g. mentions per day or per hour).</summary>
    public static IReadOnlyList<Spike> Detect(IReadOnlyList<double> counts, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return Volume(Checked(counts), options ?? SpikeOptions.Daily, out _);
    }

    /// <summary>Spikes in a count series, each with the terms that drive it (texts per bucket, same length as counts).</summary>
    public static IReadOnlyList<Spike> Detect(IReadOnlyList<double> counts, IReadOnlyList<IReadOnlyList<string>> textsPerBucket, SpikeOptions? options = null, int topTerms = 10)
    {
        ArgumentNullException.ThrowIfNull(textsPerBucket);
        var o = options ?? SpikeOptions.Daily;
        var spikes = Detect(counts, o);
        return spikes.Select(s => s with { Terms = DrivingTerms(textsPerBucket, s.Start, s.End, o.LevelWindow, topTerms) }).ToList();
    }

    /// <summary>The baseline (expected value) of every bucket; NaN during the warm-up.</summary>
    public static double[] Baseline(IReadOnlyList<double> series, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        Volume(Checked(series), options ?? SpikeOptions.Daily, out var baseline);
        return baseline;
    }

    /// <summary>
    /// Spikes in a share (e.g. negative messages / all messages per bucket), tested on counts: the negative items of the
    /// bucket (or the sliding window) against a binomial around the share of the history before it, so a share jump on
    /// three messages does not alarm. Observed and expected are shares (0 to 1); the totals are negative items.
    /// </summary>
    public static IReadOnlyList<Spike> DetectShare(IReadOnlyList<double> part, IReadOnlyList<double> total, SpikeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(total);
        if (part.Count != total.Count)
        {
            throw new ArgumentException("part and total must have the same length.", nameof(total));
        }
        var o = options ?? SpikeOptions.Daily;
        var p = Checked(part);
        var n = Checked(total);
        var w = Math.Max(1, o.Window);
        var history = Math.Max(w, o.ShareHistory);
        // The history's sums, with flagged buckets left out (cleaned), as prefix sums.
        var cleanPart = new double[p.Length + 1];
        var cleanTotal = new double[p.Length + 1];
        var episodes = new EpisodeBuilder(o);
        for (var t = 0; t < p.Length; t++)
        {
            var flagged = false;
            if (t >= Math.Max(o.Warmup, w))
            {
                var from = Math.Max(0, t - w + 1 - history);
                var to = t - w + 1;
                var histPart = cleanPart[to] - cleanPart[from];
                var histTotal = cleanTotal[to] - cleanTotal[from];
                double part0 = 0, total0 = 0;
                for (var u = t - w + 1; u <= t; u++)
                {
                    part0 += p[u];
                    total0 += n[u];
                }
                if (histTotal >= 10 && total0 > 0)
                {
                    var p0 = Math.Clamp((histPart + 1) / (histTotal + 2), 0.01, 0.99);
                    var expected = total0 * p0;
                    var z = (part0 - expected) / Math.Sqrt(expected * (1 - p0));
                    var share = part0 / total0;
                    var hot = z >= o.Threshold && share >= p0 + o.ShareRise && part0 >= o.MinPart && share >= o.MinRatio * p0;
                    var single = n[t] > 0 ? p[t] / n[t] : 0;
                    var warm = n[t] > 0 && single > p0 && (p[t] - n[t] * p0) / Math.Sqrt(n[t] * p0 * (1 - p0)) >= o.Threshold / 2.5;
                    flagged = episodes.Step(t, hot, warm, z, share, p0, p[t], n[t] * p0, start: hot ? FirstAbove(p, n, p0, t, w) : t);
                }
            }
            var keep = !flagged || episodes.RunLength > o.MaxCleanRun;
            cleanPart[t + 1] = cleanPart[t] + (keep ? p[t] : 0);
            cleanTotal[t + 1] = cleanTotal[t] + (keep ? n[t] : 0);
        }
        return episodes.Finish(p.Length);
    }

    private static int FirstAbove(double[] part, double[] total, double p0, int t, int w)
    {
        for (var u = Math.Max(0, t - w + 1); u < t; u++)
        {
            if (total[u] > 0 && part[u] / total[u] > p0 && part[u] > 0)
            {
                return u;
            }
        }
        return t;
    }

    private static double[] Checked(IReadOnlyList<double> series)
    {
        var x = series.ToArray();
        for (var i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || double.IsInfinity(x[i]) || x[i] < 0)
            {
                throw new ArgumentException($"Bucket {i} holds {x[i]}: counts are finite and not negative.", nameof(series));
            }
        }
        return x;
    }

    /// <summary>Anscombe's variance-stabilised difference: about N(0, 1) for Poisson counts, even small ones.</summary>
    private static double Anscombe(double observed, double expected) => 2 * (Math.Sqrt(observed + 0.375) - Math.Sqrt(Math.Max(expected, 0) + 0.375));

    private static List<Spike> Volume(double[] x, SpikeOptions o, out double[] baseline)
    {
        var n = x.Length;
        var period = Math.Max(1, o.SeasonPeriod);
        var levelWindow = Math.Max(1, o.LevelWindow);
        var w = Math.Max(1, o.Window);
        var warmup = Math.Max(o.Warmup, levelWindow + 1);
        var neighbours = period >= 24 ? 1 : 0;
        var clean = new double[n];
        var cum = new double[n + 1];
        var flaggedCum = new int[n + 1];
        var lastFlagged = -1;
        var level = new double[n];
        baseline = new double[n];
        Array.Fill(level, double.NaN);
        Array.Fill(baseline, double.NaN);
        // Squared residuals of the unflagged buckets with their baselines, for the series' own over-dispersion.
        var dispersionWindow = Math.Clamp(2 * period, 14, 336);
        var residuals = new Queue<(double Square, double Baseline)>(dispersionWindow);
        var scratch = new List<double>(dispersionWindow);
        var phi = 0.0;
        var ratios = new List<double>(o.SeasonalLookback);
        var blocks = new double[levelWindow % 7 == 0 && levelWindow >= 7 ? 7 : 1];
        var recompute = Math.Max(1, period / 7);
        var episodes = new EpisodeBuilder(o);
        for (var t = 0; t < n; t++)
        {
            if (t >= levelWindow)
            {
                level[t] = Level(cum, t, levelWindow, blocks);
            }
            if (t < warmup)
            {
                clean[t] = x[t];
                cum[t + 1] = cum[t] + clean[t];
                flaggedCum[t + 1] = flaggedCum[t];
                continue;
            }
            // The same phase in past seasons against their level, with its neighbours (the hour before and after: a
            // centred sum, unbiased on a steady rise, and three times the items). On busy series, the median of the
            // seasons' ratios, so a holiday (or a spike the cleaning missed) in one of them does not move it; on small
            // counts, one ratio of sums over all seasons, where a median of near-empty ratios would say nothing.
            double nearSum = 0, nearLevel = 0;
            ratios.Clear();
            for (var k = 1; k <= o.SeasonalLookback; k++)
            {
                double weekSum = 0, weekLevel = 0;
                for (var j = -neighbours; j <= neighbours; j++)
                {
                    var u = t - k * period + j;
                    if (u >= levelWindow && u < t && !double.IsNaN(level[u]))
                    {
                        weekSum += clean[u];
                        weekLevel += level[u];
                    }
                }
                nearSum += weekSum;
                nearLevel += weekLevel;
                if (weekLevel > 0)
                {
                    ratios.Add(weekSum / weekLevel);
                }
            }
            var factor = nearSum >= 60 && ratios.Count >= 3 ? Median(ratios)
                : nearLevel > 0 ? (nearSum + 0.5) / (nearLevel + 0.5)
                : 1;
            var b = Math.Max(0, level[t] * factor);
            baseline[t] = b;
            if (t % recompute == 0 && residuals.Count >= 7)
            {
                phi = Overdispersion(residuals, scratch);
            }
            var z = Anscombe(x[t], b) / Math.Sqrt(1 + phi * b);
            double sumX = 0, sumB = 0, sumB2 = 0;
            // The sliding sum never reaches back into an episode: hours after a spike do not echo it.
            for (var u = Math.Max(Math.Max(warmup, t - w + 1), lastFlagged + 1); u <= t; u++)
            {
                sumX += x[u];
                sumB += baseline[u];
                sumB2 += baseline[u] * baseline[u];
            }
            var zw = w > 1 ? Anscombe(sumX, sumB) / Math.Sqrt(1 + phi * sumB2 / Math.Max(sumB, 1e-9)) : double.NegativeInfinity;
            var hotBucket = z >= o.Threshold && x[t] - b >= o.MinExcess && x[t] >= o.MinRatio * b;
            // The sliding sum counts only while the bucket itself is clearly up: hours after a spike, whose window still
            // holds it, do not keep an episode going.
            var hotWindow = w > 1 && z >= 1 && zw >= o.Threshold && sumX - sumB >= o.MinExcess * 1.5 && sumX >= (o.MinRatio + 0.5) * sumB;
            var warm = x[t] > b && z >= o.Threshold / 2.5;
            var start = t;
            if (!hotBucket && hotWindow)
            {
                start = Math.Max(Math.Max(warmup, t - w + 1), lastFlagged + 1);
                while (start < t && x[start] <= baseline[start])
                {
                    start++;
                }
            }
            var flagged = episodes.Step(t, hotBucket || hotWindow, warm, Math.Max(z, zw), x[t], b, x[t], b, start, x, baseline);
            var dip = z <= -o.Threshold;
            lastFlagged = flagged ? t : lastFlagged;
            // Cleaned while flagged, unless more than MaxCleanRun buckets of the last level window were: then the series
            // has moved to a new level, which the baseline must learn rather than alarm on for weeks.
            flaggedCum[t + 1] = flaggedCum[t] + (flagged ? 1 : 0);
            var recentFlagged = flaggedCum[t + 1] - flaggedCum[Math.Max(0, t + 1 - levelWindow)];
            clean[t] = (flagged && recentFlagged <= o.MaxCleanRun) || dip ? b : x[t];
            cum[t + 1] = cum[t] + clean[t];
            if (!flagged)
            {
                if (residuals.Count == dispersionWindow)
                {
                    residuals.Dequeue();
                }
                var r = Anscombe(x[t], b);
                residuals.Enqueue((r * r, b));
            }
        }
        return episodes.Finish(n);
    }

    /// <summary>
    /// The mean per bucket of the <paramref name="window"/> buckets before t. Cut in seven blocks (the days of a week)
    /// when the window allows, without its lowest and highest block: a holiday or a busy day moves it little.
    /// </summary>
    private static double Level(double[] cum, int t, int window, double[] blocks)
    {
        if (blocks.Length == 1)
        {
            return (cum[t] - cum[t - window]) / window;
        }
        var size = window / blocks.Length;
        for (var i = 0; i < blocks.Length; i++)
        {
            var from = t - window + i * size;
            blocks[i] = cum[from + size] - cum[from];
        }
        Array.Sort(blocks);
        double sum = 0;
        for (var i = 1; i < blocks.Length - 1; i++)
        {
            sum += blocks[i];
        }
        return sum / ((blocks.Length - 2) * size);
    }

    /// <summary>
    /// The negative-binomial over-dispersion φ (variance = b + φb²) that makes the median of the scaled squared
    /// Anscombe residuals r² / (1 + φb) that of a standard normal's square (0.455): robust to the odd outlier, and right
    /// for busy and quiet hours at once. Zero for Poisson noise.
    /// </summary>
    private static double Overdispersion(Queue<(double Square, double Baseline)> residuals, List<double> scratch)
    {
        double MedianAt(double phi)
        {
            scratch.Clear();
            foreach (var (square, b) in residuals)
            {
                scratch.Add(square / (1 + phi * b));
            }
            return Median(scratch);
        }
        const double Target = 0.455;
        if (MedianAt(0) <= Target)
        {
            return 0;
        }
        double lo = 0, hi = 1;
        if (MedianAt(hi) > Target)
        {
            return hi;
        }
        for (var i = 0; i < 25; i++)
        {
            var mid = (lo + hi) / 2;
            if (MedianAt(mid) > Target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /// <summary>Turns flagged buckets into episodes: one per run, quiet gaps shorter than EndAfterQuiet included.</summary>
    private sealed class EpisodeBuilder(SpikeOptions o)
    {
        private readonly List<Spike> done = [];
        private Spike? open;
        private int lastEnd = -1;
        private int quiet;

        /// <summary>Buckets since the open episode started (0 when none is open).</summary>
        public int RunLength { get; private set; }

        /// <summary>Judges bucket t; true when it belongs to an episode.</summary>
        public bool Step(int t, bool hot, bool warm, double score, double observed, double expected, double observedCount, double expectedCount, int start,
            double[]? x = null, double[]? baseline = null)
        {
            if (open is null)
            {
                if (!hot)
                {
                    return false;
                }
                start = Math.Min(t, Math.Max(start, lastEnd + 1));
                double obs = observedCount, exp = expectedCount;
                if (x is not null && baseline is not null)
                {
                    for (var u = start; u < t; u++)
                    {
                        obs += x[u];
                        exp += baseline[u];
                    }
                }
                open = new Spike(start, t, t, observed, expected, Math.Round(score, 2), 0, []) { ObservedTotal = obs, ExpectedTotal = exp, FlaggedAt = t };
                quiet = 0;
                RunLength = t - start + 1;
                return true;
            }
            if (hot || warm)
            {
                var peak = score > open.Score;
                open = open with
                {
                    End = t,
                    Peak = peak ? t : open.Peak,
                    Observed = peak ? observed : open.Observed,
                    Expected = peak ? expected : open.Expected,
                    Score = peak ? Math.Round(score, 2) : open.Score,
                    ObservedTotal = open.ObservedTotal + observedCount,
                    ExpectedTotal = open.ExpectedTotal + expectedCount,
                };
                quiet = 0;
                RunLength = t - open.Start + 1;
                return true;
            }
            if (++quiet >= Math.Max(1, o.EndAfterQuiet))
            {
                Close();
            }
            return false;
        }

        public List<Spike> Finish(int length)
        {
            if (open is not null)
            {
                Close();
            }
            _ = length;
            return done;
        }

        private void Close()
        {
            var s = open!;
            done.Add(s with
            {
                Observed = Math.Round(s.Observed, 4),
                Expected = Math.Round(s.Expected, 4),
                ObservedTotal = Math.Round(s.ObservedTotal, 4),
                ExpectedTotal = Math.Round(s.ExpectedTotal, 4),
                Excess = Math.Round(s.ObservedTotal - s.ExpectedTotal, 4),
            });
            lastEnd = s.End;
            open = null;
            quiet = 0;
            RunLength = 0;
        }
    }

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
