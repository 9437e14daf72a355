using System.Diagnostics;
using System.Globalization;
using Rapport.Analysis.Trends;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// How well the alerts' spike detector (SpikeDetector with SpikeOptions.Hourly, as the scan uses it) finds spikes:
/// on generated hourly series with known injected spikes (weekly and daily seasonality, slow trends, low to high
/// volumes, holidays, over-dispersed noise), on flat noisy series with none, on negative-share jumps, and on the real
/// hourly traffic of shared/eval/twcs-traffic-en (untouched, then with injected spikes). Tuning used the dev seeds
/// (1–40, <c>--dev</c>); the figures printed by default come from other seeds (1001 on), never tuned on.
/// </summary>
internal static class SpikeQuality
{
    private const int Days = 120;
    private const int Hours = Days * 24;
    /// <summary>Nothing is scored before day 35: two weeks of warm-up, then three for the weekly factor to fill.</summary>
    private const int EvalFrom = 35 * 24;
    /// <summary>An alarm within this many hours after an injected spike's end is that spike's, not a false one.</summary>
    private const int Grace = 12;

    private static bool Verbose;
    private static double[]? Shown;

    private sealed record Injected(int Start, int End);

    private sealed record Series(double[] Counts, List<Injected> Spikes, string Band);

    private sealed class Tally
    {
        public int Injected;
        public int Found;
        public int Alarms;
        public int FalseAlarms;
        public double NormalHours;
        public List<double> Delays = [];

        public double Recall => Injected == 0 ? double.NaN : (double)Found / Injected;

        public double FalsePer30Days => NormalHours == 0 ? 0 : FalseAlarms / (NormalHours / 24 / 30);

        public double Precision => Alarms == 0 ? 1 : (double)(Alarms - FalseAlarms) / Alarms;

        public double F1 => Recall + Precision == 0 ? 0 : 2 * Recall * Precision / (Recall + Precision);

        public double MedianDelay => Delays.Count == 0 ? double.NaN : Delays.Order().ElementAt(Delays.Count / 2);

        public void Add(Tally other)
        {
            Injected += other.Injected;
            Found += other.Found;
            Alarms += other.Alarms;
            FalseAlarms += other.FalseAlarms;
            NormalHours += other.NormalHours;
            Delays.AddRange(other.Delays);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"recall {Recall:F3} ({Found}/{Injected}), false alarms {FalsePer30Days:F2} per 30 days ({FalseAlarms} in {NormalHours / 24:F0} days), precision {Precision:F3}, median delay {MedianDelay:F0} h");
    }

    public static int Run(string[] args)
    {
        var dev = args.Contains("--dev");
        var count = args.SkipWhile(a => a != "--series").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(dev ? 40 : 100);
        var firstSeed = dev ? 1 : 1001;
        var options = SpikeOptions.Hourly;
        // Tuning knobs, for the dev seeds: --threshold T --window W.
        if (args.SkipWhile(a => a != "--threshold").Skip(1).FirstOrDefault() is { } threshold)
        {
            options = options with { Threshold = double.Parse(threshold, CultureInfo.InvariantCulture) };
        }
        if (args.SkipWhile(a => a != "--window").Skip(1).FirstOrDefault() is { } window)
        {
            options = options with { Window = int.Parse(window, CultureInfo.InvariantCulture) };
        }
        Verbose = args.Contains("--verbose");
        Console.WriteLine($"load average (1, 5, 15 min) at start: {LoadAverages()}");
        Console.WriteLine($"seeds {firstSeed}–{firstSeed + count - 1} ({(dev ? "dev: the ones tuned on" : "test: never tuned on")}); hourly buckets, {Days} days a series, scored from day {EvalFrom / 24}");
        var sw = Stopwatch.StartNew();
        long buckets = 0;

        // 1. Seasonal series with injected volume spikes.
        var byBand = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var seasonal = new Tally();
        for (var i = 0; i < count; i++)
        {
            var series = Generate(firstSeed + i, withSpikes: true);
            Shown = series.Counts;
            var tally = Score(SpikeDetector.Detect(series.Counts, options), series.Spikes, Hours);
            buckets += Hours;
            seasonal.Add(tally);
            (byBand.TryGetValue(series.Band, out var t) ? t : byBand[series.Band] = new Tally()).Add(tally);
        }
        Console.WriteLine($"volume spikes, seasonal series ({count}): {seasonal}");
        foreach (var (band, t) in byBand)
        {
            Console.WriteLine($"  {band,-22} {t}");
        }

        Shown = null;
        // 2. Flat noisy series, no spike: every alarm is a false one.
        var flat = new Tally();
        foreach (var lambda in new[] { 0.3, 3, 30, 300 })
        {
            var t = new Tally();
            for (var i = 0; i < count / 4; i++)
            {
                var random = new Random(firstSeed * 7 + i + (int)(lambda * 10));
                var counts = Enumerable.Range(0, Hours).Select(_ => (double)Poisson(random, lambda)).ToArray();
                t.Add(Score(SpikeDetector.Detect(counts, options), [], Hours));
                buckets += Hours;
            }
            Console.WriteLine($"  flat Poisson {lambda,5}/h    {t.FalseAlarms} alarms in {t.NormalHours / 24:F0} days: {t.FalsePer30Days:F2} per 30 days");
            flat.Add(t);
        }
        Console.WriteLine($"flat noisy series: {flat.FalsePer30Days:F2} false alarms per 30 days");

        // 3. Negative share: the same traffic, the share of negative mentions jumps for a few hours.
        var share = new Tally();
        var shareByBand = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (part, total, spikes, band) = GenerateShare(firstSeed + i);
            var t = Score(SpikeDetector.DetectShare(part, total, options), spikes, Hours);
            buckets += Hours;
            share.Add(t);
            (shareByBand.TryGetValue(band, out var b) ? b : shareByBand[band] = new Tally()).Add(t);
        }
        Console.WriteLine($"negative-share jumps ({count}): {share}");
        foreach (var (band, t) in shareByBand)
        {
            Console.WriteLine($"  {band,-22} {t}");
        }
        var seconds = sw.Elapsed.TotalSeconds;

        // 4. Real traffic.
        RealTraffic(args, options, firstSeed);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detector speed: {buckets / seconds / 1e6:F2} M hourly buckets/s ({buckets:N0} buckets in {seconds:F1} s); load average {LoadAverages()}"));
        var all = new Tally();
        all.Add(seasonal);
        all.Add(flat);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target: recall >= 0.9 and <= 1 false alarm per 30 days; volume: recall {seasonal.Recall:F3}, {all.FalsePer30Days:F2} false alarms per 30 days of normal traffic (seasonal and flat)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spike-quality: {all.F1:F3} F1"));
        return 0;
    }

    /// <summary>Which injected spikes an alarm found (an episode flagged from its start to its end plus the grace), and the alarms that found none.</summary>
    private static Tally Score(IReadOnlyList<Spike> alarms, List<Injected> injected, int length)
    {
        var t = new Tally { Injected = injected.Count };
        var scored = alarms.Where(a => a.FlaggedAt >= EvalFrom).ToList();
        t.Alarms = scored.Count;
        foreach (var spike in injected)
        {
            var hit = scored.Where(a => a.FlaggedAt >= spike.Start && a.FlaggedAt <= spike.End + Grace
                || a.Start <= spike.Start && a.End >= spike.Start).OrderBy(a => a.FlaggedAt).FirstOrDefault();
            if (hit is null && Verbose)
            {
                Console.WriteLine($"    missed {spike.Start}–{spike.End}; alarms at {string.Join(",", scored.Select(a => $"{a.Start}/{a.FlaggedAt}-{a.End}"))}");
                if (Shown is { } shown)
                {
                    var b = SpikeDetector.Baseline(shown, SpikeOptions.Hourly);
                    Console.WriteLine("      " + string.Join(" ", Enumerable.Range(spike.Start - 2, spike.End - spike.Start + 5).Select(h => $"{shown[h]:F0}/{b[h]:F1}")));
                }
            }
            if (hit is not null)
            {
                t.Found++;
                t.Delays.Add(Math.Max(0, hit.FlaggedAt - spike.Start));
            }
        }
        t.FalseAlarms = scored.Count(a => !injected.Any(s => a.End >= s.Start && a.FlaggedAt <= s.End + Grace));
        if (Verbose && Shown is { } series)
        {
            var b = SpikeDetector.Baseline(series, SpikeOptions.Hourly);
            foreach (var a in scored.Where(a => !injected.Any(s => a.End >= s.Start && a.FlaggedAt <= s.End + Grace)))
            {
                Console.WriteLine($"    false {a.Start}/{a.FlaggedAt}-{a.End} (day {a.Start / 24} {a.Start % 24}h) score {a.Score}: " + string.Join(" ", Enumerable.Range(a.Start - 2, a.End - a.Start + 4).Where(h => h < series.Length).Select(h => $"{series[h]:F0}/{b[h]:F0}")));
            }
        }
        var spikeHours = injected.Sum(s => Math.Min(length, s.End + Grace + 1) - s.Start);
        t.NormalHours = length - EvalFrom - spikeHours;
        return t;
    }

    /// <summary>The hour's share of a day (mean 1): quiet nights, a busy afternoon.</summary>
    private static readonly double[] DayShape = Normalise(Enumerable.Range(0, 24).Select(h => 0.15 + Math.Pow(Math.Max(0, Math.Sin(Math.PI * (h - 6) / 17.0)), 1.3) * 1.6).ToArray());

    /// <summary>Monday to Sunday (the series start on a Monday).</summary>
    private static readonly double[] WeekShape = Normalise([1.05, 1.1, 1.05, 1.0, 0.95, 0.6, 0.5]);

    private static double[] Normalise(double[] values)
    {
        var mean = values.Average();
        return values.Select(v => v / mean).ToArray();
    }

    private static readonly (string Band, double PerHour)[] Bands =
        [("low (0.5/h)", 0.5), ("modest (2/h)", 2), ("medium (10/h)", 10), ("busy (50/h)", 50), ("high (300/h)", 300)];

    /// <summary>
    /// The expected hourly rate: band level × slow linear trend (−40 % to +80 % over the series) × week × day shape,
    /// each day its own level (log-normal, 12 %), with two or three holidays (a day at 35 %), and over-dispersed (gamma-Poisson, shape 30) counts.
    /// Injected spikes: three, after the warm-up, at least five days apart and off holidays; each lasts 1 to 24 hours,
    /// rises over its first quarter and decays after; its peak is 2.5 to 5 times the hour's expected count, and at
    /// least 8 mentions an hour above it (a burst a head of social would want to hear about).
    /// </summary>
    private static Series Generate(int seed, bool withSpikes)
    {
        var random = new Random(seed);
        var (band, perHour) = Bands[seed % Bands.Length];
        perHour *= 0.7 + 0.6 * random.NextDouble();
        var (rate, holidays) = Rate(random, perHour);
        var counts = new double[Hours];
        var spikes = new List<Injected>();
        var excess = new double[Hours];
        if (withSpikes)
        {
            while (spikes.Count < 3)
            {
                var start = EvalFrom + 24 + random.Next(Hours - EvalFrom - 72);
                var duration = new[] { 1, 2, 3, 6, 12, 24 }[random.Next(6)];
                var end = Math.Min(Hours - 1, start + duration - 1);
                if (spikes.Any(s => Math.Abs(s.Start - start) < 24 * 5) || holidays.Contains(start / 24) || holidays.Contains(end / 24))
                {
                    continue;
                }
                spikes.Add(new Injected(start, end));
                var peak = Math.Max((1.5 + 2.5 * random.NextDouble()) * rate[start + (end - start) / 4], 8);
                var rise = Math.Max(1, duration / 4);
                for (var h = start; h <= end; h++)
                {
                    var k = h - start;
                    var shape = k < rise ? (k + 1.0) / rise : Math.Exp(-1.2 * (k - rise + 1) / Math.Max(1.0, duration - rise));
                    excess[h] = peak * shape;
                }
            }
        }
        for (var h = 0; h < Hours; h++)
        {
            counts[h] = Poisson(random, Gamma(random, 30) / 30 * rate[h] + excess[h]);
        }
        return new Series(counts, [.. spikes.OrderBy(s => s.Start)], band);
    }

    private static (double[] Rate, HashSet<int> Holidays) Rate(Random random, double perHour)
    {
        var trend = -0.4 + 1.2 * random.NextDouble();
        var holidays = new HashSet<int>();
        var holidayCount = 2 + random.Next(2);
        while (holidays.Count < holidayCount)
        {
            holidays.Add(14 + random.Next(Days - 15));
        }
        var rate = new double[Hours];
        // Days differ as real ones do: each its own level, log-normal with a spread of 12 %.
        var dayLevel = Enumerable.Range(0, Days).Select(_ => Math.Exp(0.12 * Gaussian(random))).ToArray();
        for (var h = 0; h < Hours; h++)
        {
            var day = h / 24;
            rate[h] = perHour * (1 + trend * h / Hours) * WeekShape[day % 7] * DayShape[h % 24] * dayLevel[day] * (holidays.Contains(day) ? 0.35 : 1);
        }
        return (rate, holidays);
    }

    /// <summary>Mentions as in <see cref="Generate"/>; each negative with a share of 10–35 % that drifts slowly; three jumps of 20 to 40 points for 3 to 24 hours.</summary>
    private static (double[] Part, double[] Total, List<Injected> Spikes, string Band) GenerateShare(int seed)
    {
        var random = new Random(seed + 500_000);
        var (band, perHour) = Bands[seed % Bands.Length];
        var (rate, _) = Rate(random, perHour * (0.7 + 0.6 * random.NextDouble()));
        var p0 = 0.1 + 0.25 * random.NextDouble();
        var drift = (random.NextDouble() - 0.5) * 0.1;
        var jump = new double[Hours];
        var spikes = new List<Injected>();
        while (spikes.Count < 3)
        {
            var start = EvalFrom + 24 + random.Next(Hours - EvalFrom - 72);
            var duration = new[] { 3, 6, 12, 24 }[random.Next(4)];
            if (spikes.Any(s => Math.Abs(s.Start - start) < 24 * 5))
            {
                continue;
            }
            var end = Math.Min(Hours - 1, start + duration - 1);
            spikes.Add(new Injected(start, end));
            var rise = 0.2 + 0.2 * random.NextDouble();
            for (var h = start; h <= end; h++)
            {
                jump[h] = rise;
            }
        }
        var part = new double[Hours];
        var total = new double[Hours];
        for (var h = 0; h < Hours; h++)
        {
            var n = Poisson(random, Gamma(random, 30) / 30 * rate[h]);
            var p = Math.Clamp(p0 + drift * h / Hours + jump[h], 0, 0.95);
            var negative = 0;
            for (var i = 0; i < n; i++)
            {
                negative += random.NextDouble() < p ? 1 : 0;
            }
            (part[h], total[h]) = (negative, n);
        }
        return (part, total, [.. spikes.OrderBy(s => s.Start)], band);
    }

    /// <summary>
    /// The customer tweets to @SpotifyCares per hour (shared/eval/twcs-traffic-en), read where they lie and never copied:
    /// the alarms on the untouched traffic (it has no labels: they are listed with their day so a reader can judge them),
    /// then, on copies, one injected spike each.
    /// </summary>
    private static void RealTraffic(string[] args, SpikeOptions options, int firstSeed)
    {
        var eval = Accuracy.FindEvalDirectory(args.SkipWhile(a => a != "--eval").Skip(1).FirstOrDefault());
        var file = eval is null ? null : Path.Combine(eval, "twcs-traffic-en", "spotifycares_inbound.csv");
        if (file is null || !File.Exists(file))
        {
            Console.WriteLine("real traffic: shared/eval/twcs-traffic-en not found (pass --eval DIR); skipped");
            return;
        }
        var times = new List<DateTime>();
        foreach (var line in ReadCsv(file).Skip(1))
        {
            if (line.Count > 5 && DateTime.TryParseExact(line[5], "ddd MMM dd HH:mm:ss zzz yyyy", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            {
                times.Add(at);
            }
        }
        // The dense part: from the first day with 100 tweets on (the earlier ones are a stray few over four years).
        var perDay = times.GroupBy(t => t.Date).ToDictionary(g => g.Key, g => g.Count());
        var first = perDay.Where(d => d.Value >= 100).Min(d => d.Key);
        var last = times.Max().Date.AddDays(1);
        var hours = (int)(last - first).TotalHours;
        var counts = new double[hours];
        foreach (var t in times.Where(t => t >= first && t < last))
        {
            counts[(int)(t - first).TotalHours]++;
        }
        var from = options.Warmup + 3 * options.SeasonPeriod;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"real traffic: {counts.Sum():N0} tweets to @SpotifyCares, {first:yyyy-MM-dd} to {last.AddDays(-1):yyyy-MM-dd} ({hours / 24} days, {counts.Average():F1}/h), scored from {first.AddHours(from):yyyy-MM-dd}"));
        var untouched = SpikeDetector.Detect(counts, options).Where(s => s.FlaggedAt >= from).ToList();
        var scoredDays = (hours - from) / 24.0;
        var listed = string.Join("; ", untouched.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{first.AddHours(s.Start):MM-dd HH}h–{first.AddHours(s.End + 1):HH}h {s.ObservedTotal:F0} vs {s.ExpectedTotal:F0} expected")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  untouched: {untouched.Count} alarms in {scoredDays:F0} days ({untouched.Count / (scoredDays / 30):F2} per 30 days){(untouched.Count == 0 ? "" : ": ")}{listed}"));
        var baseline = SpikeDetector.Baseline(counts, options);
        var tally = new Tally();
        for (var i = 0; i < 60; i++)
        {
            var random = new Random(firstSeed + i);
            var copy = (double[])counts.Clone();
            var duration = new[] { 1, 2, 3, 6, 12, 24 }[random.Next(6)];
            var start = from + random.Next(hours - from - duration - 1);
            var end = start + duration - 1;
            var expected = double.IsNaN(baseline[start]) ? counts.Average() : Math.Max(baseline[start], 1);
            var peak = Math.Max((1.5 + 2.5 * random.NextDouble()) * expected, 8);
            var rise = Math.Max(1, duration / 4);
            for (var h = start; h <= end; h++)
            {
                var k = h - start;
                var shape = k < rise ? (k + 1.0) / rise : Math.Exp(-1.2 * (k - rise + 1) / Math.Max(1.0, duration - rise));
                copy[h] += Poisson(random, peak * shape);
            }
            var alarms = SpikeDetector.Detect(copy, options);
            // Alarms the untouched traffic raises too are not this copy's false ones.
            var fresh = alarms.Where(a => !untouched.Any(u => u.Start <= a.End && a.Start <= u.End)).ToList();
            var t = Score(fresh.Where(a => a.FlaggedAt >= from).ToList(), [new Injected(start, end)], hours);
            t.NormalHours = hours - from - (end + Grace + 1 - start);
            tally.Add(t);
        }
        Console.WriteLine($"  with one injected spike (60 copies): {tally}");
    }

    private static IEnumerable<List<string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var field = new System.Text.StringBuilder();
        var row = new List<string>();
        var quoted = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        field.Append('"');
                        reader.Read();
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                yield return row;
                row = [];
            }
            else
            {
                field.Append(ch);
            }
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }

    private static int Poisson(Random random, double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }
        if (lambda > 30)
        {
            // Normal approximation for large rates (Knuth's loop would underflow).
            return Math.Max(0, (int)Math.Round(lambda + Math.Sqrt(lambda) * Gaussian(random)));
        }
        var l = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= random.NextDouble();
        }
        while (p > l);
        return k - 1;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (shape ≥ 1).</summary>
    private static double Gamma(Random random, double shape)
    {
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Gaussian(random);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            var u = random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v;
            }
        }
    }
}
