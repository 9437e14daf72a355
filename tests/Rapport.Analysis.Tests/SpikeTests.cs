using Rapport.Analysis.Trends;

namespace Rapport.Analysis.Tests;

public sealed class SpikeTests
{
    private static int Poisson(Random random, double lambda)
    {
        // Knuth's method is fine for the small rates of these tests.
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

    private static double[] Weekly(int days, double level, double slopePerDay, int seed)
    {
        var random = new Random(seed);
        var weekday = new[] { 1.0, 1.1, 1.05, 1.0, 0.95, 0.5, 0.4 };
        return Enumerable.Range(0, days).Select(d => (double)Poisson(random, (level + slopePerDay * d) * weekday[d % 7])).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public void Detect_FlatNoisySeries_RaisesNothing(int seed)
    {
        var random = new Random(seed);
        var series = Enumerable.Range(0, 365).Select(_ => (double)Poisson(random, 30)).ToArray();

        Assert.Empty(SpikeDetector.Detect(series));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    public void Detect_WeeklySeasonalityWithTrend_RaisesNothing(int seed)
    {
        var series = Weekly(240, 40, 0.1, seed);

        Assert.Empty(SpikeDetector.Detect(series));
    }

    [Fact]
    public void Detect_KnownSpikes_AreFoundWithTheirSize()
    {
        var series = Weekly(180, 40, 0.05, seed: 21);
        series[60] += 80;
        series[120] += 60;
        series[121] += 50;

        var spikes = SpikeDetector.Detect(series);

        Assert.Equal(2, spikes.Count);
        Assert.Equal(60, spikes[0].Start);
        Assert.Equal(60, spikes[0].End);
        Assert.InRange(spikes[0].Excess, 60, 100);
        Assert.True(spikes[0].Ratio > 2);
        Assert.Equal(120, spikes[1].Start);
        Assert.Equal(121, spikes[1].End);
    }

    [Fact]
    public void Detect_WeekendDip_IsNotASpike_ButAMondayJumpIs()
    {
        var series = Weekly(120, 50, 0, seed: 5);
        // Busy weekdays are expected; a Sunday busier than a Monday is not.
        var sunday = Enumerable.Range(90, 7).First(d => d % 7 == 6);
        series[sunday] = 75;

        var spikes = SpikeDetector.Detect(series);

        Assert.Contains(spikes, s => s.Start == sunday);
    }

    [Fact]
    public void DetectShare_NegativeShareJump_IsFound_SmallDaysAreNot()
    {
        var random = new Random(3);
        var total = Enumerable.Range(0, 100).Select(d => d == 30 ? 4.0 : 200.0).ToArray();
        var negative = total.Select(t => (double)Enumerable.Range(0, (int)t).Count(_ => random.NextDouble() < 0.2)).ToArray();
        negative[30] = 3; // 75 % of 4 messages: noise, not news.
        negative[70] = 120; // 60 % of 200: news.

        var spikes = SpikeDetector.DetectShare(negative, total);

        var spike = Assert.Single(spikes);
        Assert.Equal(70, spike.Start);
        Assert.InRange(spike.Observed, 0.59, 0.61);
    }

    [Fact]
    public void Detect_WithTexts_ReturnsTheTermsThatDriveTheSpike()
    {
        var random = new Random(9);
        var days = 60;
        var counts = new double[days];
        var texts = new List<IReadOnlyList<string>>();
        string[] usual = ["where is my order", "thanks for the help", "how do I reset my password", "ma commande est en retard", "merci pour votre aide", "question about my invoice"];
        for (var d = 0; d < days; d++)
        {
            var list = new List<string>();
            var n = 20 + random.Next(5);
            for (var i = 0; i < n; i++)
            {
                list.Add(usual[random.Next(usual.Length)]);
            }
            if (d == 45)
            {
                for (var i = 0; i < 40; i++)
                {
                    list.Add(i % 2 == 0 ? "the app is down, outage again" : "panne de l'appli, outage depuis ce matin");
                }
            }
            counts[d] = list.Count;
            texts.Add(list);
        }

        var spike = Assert.Single(SpikeDetector.Detect(counts, texts));

        Assert.Equal(45, spike.Start);
        Assert.Equal("outage", spike.Terms[0].Term);
        Assert.DoesNotContain(spike.Terms, t => t.Term == "order");
    }

    [Fact]
    public void Detect_ShortOrEmptySeries_IsSafe()
    {
        Assert.Empty(SpikeDetector.Detect([]));
        Assert.Empty(SpikeDetector.Detect([5, 500]));
        Assert.Empty(SpikeDetector.Detect(Enumerable.Repeat(0.0, 100).ToArray()));
    }

    /// <summary>Hourly counts: quiet nights, busy afternoons, quieter weekends; <paramref name="holidayDay"/> at a third.</summary>
    private static double[] Hourly(int days, double perHour, int seed, int holidayDay = -1, double slopePerDay = 0)
    {
        var random = new Random(seed);
        var series = new double[days * 24];
        for (var h = 0; h < series.Length; h++)
        {
            var (day, hour) = (h / 24, h % 24);
            var shape = hour is >= 8 and < 20 ? 1.6 : 0.3;
            var week = day % 7 >= 5 ? 0.6 : 1.0;
            var level = perHour + slopePerDay * day;
            series[h] = Poisson(random, level * shape * week * (day == holidayDay ? 0.35 : 1));
        }
        return series;
    }

    [Theory]
    [InlineData(0.5, 31)]
    [InlineData(4, 32)]
    [InlineData(25, 33)]
    public void DetectHourly_WeeklySeasonTrendAndHoliday_RaiseNothing_ButAnInjectedBurstIsFoundAtOnce(double perHour, int seed)
    {
        var series = Hourly(70, perHour, seed, holidayDay: 44, slopePerDay: perHour / 100);

        Assert.DoesNotContain(SpikeDetector.Detect(series, SpikeOptions.Hourly), s => s.FlaggedAt >= 35 * 24);

        // Tuesday of week 9, 14:00: three hours at four times the usual, and at least 10 more an hour.
        var start = 57 * 24 + 14;
        for (var h = start; h < start + 3; h++)
        {
            series[h] += Math.Max(10, 3 * perHour * 1.6);
        }
        var spike = Assert.Single(SpikeDetector.Detect(series, SpikeOptions.Hourly), s => s.FlaggedAt >= 35 * 24);
        Assert.InRange(spike.FlaggedAt - start, 0, 2);
        Assert.InRange(spike.End, start + 2, start + 5);
        Assert.True(spike.ObservedTotal > 2 * spike.ExpectedTotal);
    }

    [Fact]
    public void DetectHourly_Sensitivity_LowRaisesOnlyTheBigSpike_HighTheSmallOneToo()
    {
        var series = Hourly(63, 4, seed: 41);
        var small = 50 * 24 + 15;
        var big = 57 * 24 + 15;
        series[small] += 8;
        series[big] += 60;

        int[] Flagged(SpikeSensitivity sensitivity) =>
            [.. SpikeDetector.Detect(series, SpikeOptions.Hourly.With(sensitivity)).Where(s => s.FlaggedAt >= 35 * 24).Select(s => s.Start)];

        Assert.Equal([big], Flagged(SpikeSensitivity.Low));
        Assert.Contains(small, Flagged(SpikeSensitivity.High));
        Assert.Contains(big, Flagged(SpikeSensitivity.High));
    }

    [Fact]
    public void Detect_LongEpisode_IsOne_AndANewLevelIsAcceptedAfterMaxCleanRun()
    {
        var series = Hourly(63, 4, seed: 43);
        // From day 50 the topic is simply busier for good: one episode, then the new level is the usual.
        for (var h = 50 * 24; h < series.Length; h++)
        {
            series[h] *= 3;
        }
        var spikes = SpikeDetector.Detect(series, SpikeOptions.Hourly).Where(s => s.FlaggedAt >= 35 * 24).ToList();

        Assert.NotEmpty(spikes);
        Assert.True(spikes[0].Start >= 50 * 24 - 1);
        // Within a week the new level is the usual one: nothing is raised in the last days.
        Assert.DoesNotContain(spikes, s => s.Start > 58 * 24);
    }

    [Fact]
    public void Detect_BadCounts_AreRefusedWithTheirBucket()
    {
        var error = Assert.Throws<ArgumentException>(() => SpikeDetector.Detect([1, 2, double.NaN]));
        Assert.Contains("Bucket 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SpikeDetector.Detect([1, -4]));
        Assert.Throws<ArgumentException>(() => SpikeDetector.DetectShare([1, 2], [3]));
    }
}
