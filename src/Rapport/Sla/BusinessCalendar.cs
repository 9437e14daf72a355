namespace Rapport.Sla;

/// <summary>One opening span of a weekday, in minutes since local midnight (0–1440, end exclusive).</summary>
public readonly record struct OpeningSpan(DayOfWeek Day, int OpensMinute, int ClosesMinute);

/// <summary>
/// Business time in a workspace's time zone: weekly opening hours minus holidays. Pure: no database, no clock.
/// Opening hours are local wall-clock times, so a 9:00–18:00 day stays 9:00–18:00 across daylight-saving changes;
/// a calendar without any opening span counts every hour (round the clock).
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>How far ahead a deadline is searched before giving up (a calendar closed for ever).</summary>
    private const int MaxDays = 3 * 366;

    private readonly TimeZoneInfo zone;
    private readonly List<OpeningSpan>[] spansByDay = [.. Enumerable.Range(0, 7).Select(_ => new List<OpeningSpan>())];
    private readonly HashSet<DateOnly> holidays;

    public BusinessCalendar(TimeZoneInfo zone, IEnumerable<OpeningSpan> spans, IEnumerable<DateOnly> holidays)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(holidays);
        this.zone = zone;
        foreach (var span in spans)
        {
            if (span.OpensMinute < 0 || span.ClosesMinute > 1440 || span.OpensMinute >= span.ClosesMinute)
            {
                throw new ArgumentException($"An opening span runs forward within one day: {span}.", nameof(spans));
            }
            spansByDay[(int)span.Day].Add(span);
        }
        foreach (var day in spansByDay)
        {
            day.Sort((a, b) => a.OpensMinute.CompareTo(b.OpensMinute));
        }
        this.holidays = [.. holidays];
        IsRoundTheClock = spansByDay.All(d => d.Count == 0);
    }

    /// <summary>Every hour counts: no opening hours were set.</summary>
    public bool IsRoundTheClock { get; }

    public static BusinessCalendar RoundTheClock { get; } = new(TimeZoneInfo.Utc, [], []);

    /// <summary>Finds a time zone by its IANA id ("Europe/Paris"), falling back to UTC for an unknown one.</summary>
    public static TimeZoneInfo Zone(string? id) =>
        id is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The instant <paramref name="duration"/> of business time after <paramref name="startUtc"/>.</summary>
    public DateTime Add(DateTime startUtc, TimeSpan duration)
    {
        startUtc = AsUtc(startUtc);
        if (IsRoundTheClock || duration <= TimeSpan.Zero)
        {
            return startUtc + (duration > TimeSpan.Zero ? duration : TimeSpan.Zero);
        }
        var left = duration;
        var day = LocalDate(startUtc);
        for (var i = 0; i < MaxDays; i++, day = day.AddDays(1))
        {
            foreach (var (opens, closes) in OpenIntervals(day))
            {
                if (closes <= startUtc)
                {
                    continue;
                }
                var from = opens > startUtc ? opens : startUtc;
                var available = closes - from;
                if (left <= available)
                {
                    return from + left;
                }
                left -= available;
            }
        }
        throw new InvalidOperationException("The business calendar has no opening hours in the next three years.");
    }

    /// <summary>The business time between two instants (zero when the end is not after the start).</summary>
    public TimeSpan Between(DateTime startUtc, DateTime endUtc)
    {
        startUtc = AsUtc(startUtc);
        endUtc = AsUtc(endUtc);
        if (endUtc <= startUtc)
        {
            return TimeSpan.Zero;
        }
        if (IsRoundTheClock)
        {
            return endUtc - startUtc;
        }
        var total = TimeSpan.Zero;
        var last = LocalDate(endUtc);
        for (var day = LocalDate(startUtc); day <= last; day = day.AddDays(1))
        {
            foreach (var (opens, closes) in OpenIntervals(day))
            {
                var from = opens > startUtc ? opens : startUtc;
                var to = closes < endUtc ? closes : endUtc;
                if (to > from)
                {
                    total += to - from;
                }
            }
        }
        return total;
    }

    /// <summary>The UTC intervals a local day is open (none on a holiday).</summary>
    private IEnumerable<(DateTime Opens, DateTime Closes)> OpenIntervals(DateOnly day)
    {
        if (holidays.Contains(day))
        {
            yield break;
        }
        foreach (var span in spansByDay[(int)day.DayOfWeek])
        {
            yield return (ToUtc(day, span.OpensMinute), ToUtc(day, span.ClosesMinute));
        }
    }

    private DateOnly LocalDate(DateTime utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, zone));

    private DateTime ToUtc(DateOnly day, int minute)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified).AddMinutes(minute);
        // A local time skipped by the spring change (02:30 in Paris) opens when the clocks resume; an ambiguous autumn
        // time is taken as standard time, as TimeZoneInfo does.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    private static DateTime AsUtc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
}
