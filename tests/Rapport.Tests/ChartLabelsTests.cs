using System.Globalization;
using Rapport.Reports;

namespace Rapport.Tests;

/// <summary>Report chart axes: short dates in the reader's order, and no more labels than fit side by side.</summary>
public class ChartLabelsTests
{
    [Theory]
    [InlineData("fr", "06/12")]
    [InlineData("en-US", "12/6")]
    [InlineData("en-GB", "06/12")]
    public void DayAndMonthPattern_DropsTheYear_KeepsTheCulturesOrder(string culture, string expected)
    {
        var info = new CultureInfo(culture);
        Assert.Equal(expected, new DateOnly(2026, 12, 6).ToString(ChartLabels.DayAndMonthPattern(info), info));
    }

    [Fact]
    public void Spaced_NinetyDays_ShowsAtMostTenLabels_AndAlwaysTheLastDay()
    {
        var days = Enumerable.Range(1, 90).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        var spaced = ChartLabels.Spaced(days);
        Assert.Equal(90, spaced.Length);
        Assert.InRange(spaced.Count(l => l.Length > 0), 2, ChartLabels.MaxShown);
        Assert.Equal("90", spaced[^1]);
        Assert.Equal(days.Take(7), ChartLabels.Spaced(days.Take(7).ToArray()));
    }
}
