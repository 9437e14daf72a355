using Rapport.Sla;

namespace Rapport.Tests.Service;

/// <summary>Business time in Europe/Paris: Monday to Friday 9:00–12:30 and 13:30–18:00, with holidays.</summary>
public class BusinessCalendarTests
{
    private static readonly TimeZoneInfo Paris = BusinessCalendar.Zone("Europe/Paris");

    private static BusinessCalendar Office(params DateOnly[] holidays) => new(Paris,
        [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .SelectMany(d => new[] { new OpeningSpan(d, 9 * 60, 12 * 60 + 30), new OpeningSpan(d, 13 * 60 + 30, 18 * 60) })],
        holidays);

    private static DateTime ParisTime(int year, int month, int day, int hour, int minute = 0) =>
        TimeZoneInfo.ConvertTimeToUtc(new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified), Paris);

    [Fact]
    public void Add_WithinADay_SkipsTheLunchBreak()
    {
        var due = Office().Add(ParisTime(2026, 6, 10, 12, 0), TimeSpan.FromHours(1));
        Assert.Equal(ParisTime(2026, 6, 10, 14, 0), due);
    }

    [Fact]
    public void Add_FridayEvening_ContinuesOnMonday()
    {
        var due = Office().Add(ParisTime(2026, 6, 12, 17, 30), TimeSpan.FromHours(1));
        Assert.Equal(ParisTime(2026, 6, 15, 9, 30), due);
    }

    [Fact]
    public void Add_OnAWeekend_StartsAtMondayOpening()
    {
        Assert.Equal(ParisTime(2026, 6, 15, 9, 15), Office().Add(ParisTime(2026, 6, 13, 22, 0), TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public void Add_AcrossAHoliday_SkipsIt()
    {
        // Thursday 14 May 2026 (Ascension) is closed: Wednesday 17:30 + 1 h lands on Friday 9:30.
        var due = Office(new DateOnly(2026, 5, 14)).Add(ParisTime(2026, 5, 13, 17, 30), TimeSpan.FromHours(1));
        Assert.Equal(ParisTime(2026, 5, 15, 9, 30), due);
    }

    [Fact]
    public void Add_AcrossTheSpringChange_KeepsLocalOpeningHours()
    {
        // Clocks go forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2; opening stays 9:00 local.
        var start = ParisTime(2026, 3, 27, 17, 30);
        var due = Office().Add(start, TimeSpan.FromHours(1));
        Assert.Equal(new DateTime(2026, 3, 27, 16, 30, 0, DateTimeKind.Utc), start);
        Assert.Equal(new DateTime(2026, 3, 30, 7, 30, 0, DateTimeKind.Utc), due);
    }

    [Fact]
    public void Between_AcrossTheAutumnChange_CountsOnlyOpenHours()
    {
        // Clocks go back on Sunday 25 October 2026. Friday 17:00 → Monday 10:00 is 1 h + 1 h of business time.
        var business = Office().Between(ParisTime(2026, 10, 23, 17, 0), ParisTime(2026, 10, 26, 10, 0));
        Assert.Equal(TimeSpan.FromHours(2), business);
    }

    [Fact]
    public void Between_AWholeWeekWithAHoliday_CountsFourDays()
    {
        var business = Office(new DateOnly(2026, 7, 14)).Between(ParisTime(2026, 7, 13, 0, 0), ParisTime(2026, 7, 20, 0, 0));
        Assert.Equal(TimeSpan.FromHours(4 * 8), business);
    }

    [Fact]
    public void Between_EndBeforeStart_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, Office().Between(ParisTime(2026, 6, 10, 15, 0), ParisTime(2026, 6, 10, 10, 0)));
    }

    [Fact]
    public void AddThenBetween_AgreeOverManyStarts()
    {
        var calendar = Office(new DateOnly(2026, 12, 25));
        for (var start = ParisTime(2026, 12, 20, 0, 0); start < ParisTime(2026, 12, 31, 0, 0); start = start.AddMinutes(97))
        {
            var due = calendar.Add(start, TimeSpan.FromMinutes(500));
            Assert.Equal(TimeSpan.FromMinutes(500), calendar.Between(start, due));
        }
    }

    [Fact]
    public void NoOpeningHours_CountsEveryHour()
    {
        var calendar = new BusinessCalendar(Paris, [], [new DateOnly(2026, 1, 1)]);
        var start = new DateTime(2026, 1, 1, 10, 0, 0, DateTimeKind.Utc);
        Assert.Equal(start.AddHours(5), calendar.Add(start, TimeSpan.FromHours(5)));
        Assert.Equal(TimeSpan.FromDays(2), calendar.Between(start, start.AddDays(2)));
    }

    [Fact]
    public void ABackwardSpan_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(Paris, [new OpeningSpan(DayOfWeek.Monday, 600, 540)], []));
    }
}
