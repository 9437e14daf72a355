using System.Globalization;
using System.Text.RegularExpressions;

namespace Rapport.Analysis.Review;

/// <summary>A world day or holiday brands like to ride, with how to find its date in a given year.</summary>
/// <param name="Name">Its usual name.</param>
/// <param name="Date">Its date in a year.</param>
/// <param name="Names">A pattern naming the day ("saint-valentin", "valentine's day").</param>
/// <param name="Themes">Words that ride the day without naming it ("amoureux", "love"); flagged only near the date.</param>
public sealed record CalendarEvent(string Name, Func<int, DateOnly> Date, Regex Names, Regex? Themes);

/// <summary>
/// The usual world days and holidays of France and the English-speaking countries, and the detection of
/// a post that rides one: it names the day, or it is published near it and talks about its theme.
/// </summary>
public static class CalendarEvents
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    /// <summary>A post is "near" a day from this many days before it to this many days after.</summary>
    public const int DaysBefore = 10;
    public const int DaysAfter = 1;

    private static Regex R(string p) => new(@"(?<!\w)(?:" + p + @")(?!\w)", Options, Timeout);

    private static Func<int, DateOnly> Fixed(int month, int day) => y => new DateOnly(y, month, day);

    private static Func<int, DateOnly> NthWeekday(int month, DayOfWeek day, int n) => y =>
    {
        var d = new DateOnly(y, month, 1);
        while (d.DayOfWeek != day)
        {
            d = d.AddDays(1);
        }
        return d.AddDays(7 * (n - 1));
    };

    private static Func<int, DateOnly> LastWeekday(int month, DayOfWeek day) => y =>
    {
        var d = new DateOnly(y, month, DateTime.DaysInMonth(y, month));
        while (d.DayOfWeek != day)
        {
            d = d.AddDays(-1);
        }
        return d;
    };

    /// <summary>Easter Sunday (Gregorian computus).</summary>
    public static DateOnly Easter(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = (19 * a + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + 2 * e + 2 * i - h - k) % 7;
        var m = (a + 11 * h + 22 * l) / 451;
        var month = (h + l - 7 * m + 114) / 31;
        var day = ((h + l - 7 * m + 114) % 31) + 1;
        return new DateOnly(year, month, day);
    }

    /// <summary>French Mother's Day: last Sunday of May, moved to the first Sunday of June when it falls on Pentecost.</summary>
    public static DateOnly FrenchMothersDay(int year)
    {
        var d = LastWeekday(5, DayOfWeek.Sunday)(year);
        return d == Easter(year).AddDays(49) ? d.AddDays(7) : d;
    }

    private static DateOnly Thanksgiving(int year) => NthWeekday(11, DayOfWeek.Thursday, 4)(year);

    public static readonly IReadOnlyList<CalendarEvent> All =
    [
        new("New Year's Day / Nouvel An", Fixed(1, 1), R(@"nouvel\s+an|bonne\s+ann[ée]e|happy\s+new\s+year|new\s+year['’]?s?\s+day"), R(@"r[ée]solutions?|resolutions?")),
        new("Épiphanie (galette des rois)", Fixed(1, 6), R(@"[ée]piphanie|galettes?\s+des\s+rois"), R(@"galettes?|f[èe]ves?")),
        new("Blue Monday", NthWeekday(1, DayOfWeek.Monday, 3), R(@"blue\s+monday"), null),
        new("Chandeleur", Fixed(2, 2), R(@"chandeleur"), R(@"cr[êe]pes?")),
        new("Valentine's Day / Saint-Valentin", Fixed(2, 14), R(@"saint[\s-]valentin|st[\s-]valentin|valentine['’]?s?(?:\s+day)?|#valentinesday|#saintvalentin"), R(@"amoureux|amoureuse|love|lovers|romanti(?:c|que)|amour|sweetheart|en\s+couple")),
        new("International Women's Day / Journée internationale des droits des femmes", Fixed(3, 8), R(@"journ[ée]e\s+(?:internationale\s+)?(?:des|de\s+la)\s+(?:droits\s+des\s+)?femmes?|women['’]?s\s+day|#iwd\d*|#8mars|8\s+mars"), R(@"femmes|women")),
        new("St Patrick's Day", Fixed(3, 17), R(@"st\.?\s+patrick['’]?s?(?:\s+day)?|saint[\s-]patrick"), R(@"shamrock|tr[èe]fle|irish|irlandais")),
        new("World Water Day / Journée mondiale de l'eau", Fixed(3, 22), R(@"journ[ée]e\s+mondiale\s+de\s+l['’]eau|world\s+water\s+day"), null),
        new("April Fools' Day / Poisson d'avril", Fixed(4, 1), R(@"poisson\s+d['’]avril|april\s+fools?['’]?(?:\s+day)?"), R(@"blague|prank|canular")),
        new("World Health Day / Journée mondiale de la santé", Fixed(4, 7), R(@"world\s+health\s+day|journ[ée]e\s+mondiale\s+de\s+la\s+sant[ée]"), null),
        new("Easter / Pâques", Easter, R(@"p[âa]ques|easter|#easter"), R(@"chocolats?|eggs|[œo]e?ufs|bunny|lapins?|cloches?")),
        new("Earth Day / Jour de la Terre", Fixed(4, 22), R(@"earth\s+day|jour(?:n[ée]e)?\s+(?:mondiale\s+)?de\s+la\s+terre|#earthday"), R(@"planet|plan[èe]te|eco|green|[ée]colo\w*")),
        new("World Book Day / Journée mondiale du livre", Fixed(4, 23), R(@"world\s+book\s+day|journ[ée]e\s+mondiale\s+du\s+livre"), null),
        new("Labour Day / Fête du Travail", Fixed(5, 1), R(@"f[êe]te\s+du\s+travail|1er\s+mai|premier\s+mai|may\s+day|muguet"), null),
        new("Mother's Day (US) / Mothering Sunday (UK)", NthWeekday(5, DayOfWeek.Sunday, 2), R(@"mother['’]?s\s+day|mothering\s+sunday"), R(@"moms?|mums?|mothers?|mommy|mummy")),
        new("Mothering Sunday (UK)", y => Easter(y).AddDays(-21), R(@"mothering\s+sunday"), R(@"mums?|mothers?|mummy")),
        new("Fête des mères", FrenchMothersDay, R(@"f[êe]te\s+des\s+m[èe]res|#fetedesmeres"), R(@"mamans?|m[èe]res?")),
        new("Father's Day / Fête des pères", NthWeekday(6, DayOfWeek.Sunday, 3), R(@"father['’]?s\s+day|f[êe]te\s+des\s+p[èe]res"), R(@"dads?|fathers?|papas?|p[èe]res?")),
        new("World Environment Day / Journée mondiale de l'environnement", Fixed(6, 5), R(@"world\s+environment\s+day|journ[ée]e\s+mondiale\s+de\s+l['’]environnement|#worldenvironmentday"), R(@"environment|environnement|planet|plan[èe]te")),
        new("Fête de la musique", Fixed(6, 21), R(@"f[êe]te\s+de\s+la\s+musique|make\s+music\s+day|world\s+music\s+day"), R(@"musique|music|concerts?")),
        new("Pride / Marche des fiertés", Fixed(6, 28), R(@"pride\s+month|mois\s+des\s+fiert[ée]s|marche\s+des\s+fiert[ée]s|#pride\w*"), R(@"lgbt\w*|rainbow|arc[\s-]en[\s-]ciel")),
        new("Independence Day (US)", Fixed(7, 4), R(@"4th\s+of\s+july|fourth\s+of\s+july|independence\s+day|july\s+4(?:th)?"), null),
        new("World Chocolate Day", Fixed(7, 7), R(@"world\s+chocolate\s+day|journ[ée]e\s+mondiale\s+du\s+chocolat"), null),
        new("14 juillet / Bastille Day", Fixed(7, 14), R(@"14\s+juillet|f[êe]te\s+nationale|bastille\s+day"), R(@"feux?\s+d['’]artifice|fireworks|d[ée]fil[ée]")),
        new("Rentrée / Back to school", Fixed(9, 1), R(@"rentr[ée]e\s+(?:scolaire|des\s+classes)|back\s+to\s+school|#rentr[ée]e"), R(@"cartables?|fournitures|school\s+supplies")),
        new("Labor Day (US)", NthWeekday(9, DayOfWeek.Monday, 1), R(@"labor\s+day"), null),
        new("International Coffee Day", Fixed(10, 1), R(@"(?:international|national)\s+coffee\s+day|journ[ée]e\s+(?:internationale|mondiale)\s+du\s+caf[ée]"), null),
        new("World Mental Health Day", Fixed(10, 10), R(@"world\s+mental\s+health\s+day|journ[ée]e\s+mondiale\s+de\s+la\s+sant[ée]\s+mentale"), null),
        new("Halloween", Fixed(10, 31), R(@"hallowe['’]?en|#halloween"), R(@"citrouilles?|pumpkins?|spooky|frissons?|sorci[èe]res?|witch(?:es)?|trick\s+or\s+treat|bonbons?\s+ou\s+un\s+sort")),
        new("Armistice / Remembrance Day / Veterans Day", Fixed(11, 11), R(@"11\s+novembre|armistice|remembrance\s+(?:day|sunday)|veterans\s+day"), R(@"poppy|poppies|coquelicots?|bleuet")),
        new("World Kindness Day", Fixed(11, 13), R(@"world\s+kindness\s+day|journ[ée]e\s+(?:mondiale\s+)?de\s+la\s+gentillesse"), null),
        new("Thanksgiving", Thanksgiving, R(@"thanksgiving"), R(@"turkey|grateful|gratitude")),
        new("Black Friday", y => Thanksgiving(y).AddDays(1), R(@"black\s+friday|#blackfriday|vendredi\s+noir|black\s+week"), R(@"promos?|soldes|deals?|discounts?|r[ée]ductions?|-\d+\s?%")),
        new("Cyber Monday", y => Thanksgiving(y).AddDays(4), R(@"cyber\s+monday"), R(@"deals?|promos?")),
        new("Giving Tuesday", y => Thanksgiving(y).AddDays(5), R(@"giving\s+tuesday|#givingtuesday"), null),
        new("International Day of Persons with Disabilities", Fixed(12, 3), R(@"international\s+day\s+of\s+(?:persons\s+with\s+disabilities|disabled\s+persons)|journ[ée]e\s+internationale\s+des\s+personnes\s+handicap[ée]es"), null),
        new("Christmas / Noël", Fixed(12, 25), R(@"no[ëe]l|christmas|x-?mas|p[èe]re\s+no[ëe]l|santa(?:\s+claus)?|#christmas|#noel"), R(@"cadeaux|gifts?|sapin|festive|f[êe]tes\s+de\s+fin\s+d['’]ann[ée]e|holiday\s+season|stocking")),
        new("New Year's Eve / Saint-Sylvestre", Fixed(12, 31), R(@"saint[\s-]sylvestre|new\s+year['’]?s\s+eve|r[ée]veillon"), R(@"champagne|countdown|compte\s+[àa]\s+rebours")),
    ];

    /// <summary>The date of <paramref name="e"/> nearest to <paramref name="day"/> (this year's, next year's or last year's).</summary>
    public static DateOnly Nearest(CalendarEvent e, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(e);
        var candidates = new[] { e.Date(day.Year - 1), e.Date(day.Year), e.Date(day.Year + 1) };
        return candidates.MinBy(d => Math.Abs(d.DayNumber - day.DayNumber));
    }

    /// <summary>The events whose date is near <paramref name="day"/> (from <see cref="DaysBefore"/> days before to <see cref="DaysAfter"/> after).</summary>
    public static IEnumerable<(CalendarEvent Event, DateOnly Date)> Near(DateOnly day)
    {
        foreach (var e in All)
        {
            var d = Nearest(e, day);
            var delta = d.DayNumber - day.DayNumber;
            if (delta <= DaysBefore && delta >= -DaysAfter)
            {
                yield return (e, d);
            }
        }
    }

    internal static List<PostFinding> Find(string text, DateOnly? publishOn)
    {
        var findings = new List<PostFinding>();
        var inv = CultureInfo.InvariantCulture;
        foreach (var e in All)
        {
            try
            {
                var m = e.Names.Match(text);
                if (m.Success)
                {
                    string explanation;
                    if (publishOn is { } p && Nearest(e, p) is var when && Math.Abs(when.DayNumber - p.DayNumber) <= DaysBefore)
                    {
                        explanation = string.Format(inv, "Rides {0} ({1:yyyy-MM-dd}), {2} days from publication: every brand posts about it that day. Make sure the post says something only you can say.", e.Name, when, Math.Abs(when.DayNumber - p.DayNumber));
                    }
                    else
                    {
                        explanation = string.Format(inv, "Names {0}: calendar news-jacking. Make sure the post says something only you can say, and that it goes out on the right date.", e.Name);
                    }
                    findings.Add(new PostFinding(PostFindingKind.CalendarNewsjacking, m.Index, m.Length, m.Value, explanation));
                    continue;
                }
                if (publishOn is { } day && e.Themes is not null)
                {
                    var d = Nearest(e, day);
                    var delta = d.DayNumber - day.DayNumber;
                    if (delta <= DaysBefore && delta >= -DaysAfter)
                    {
                        var t = e.Themes.Match(text);
                        if (t.Success)
                        {
                            findings.Add(new PostFinding(PostFindingKind.CalendarNewsjacking, t.Index, t.Length, t.Value,
                                string.Format(inv, "Published {0} days before {1} ({2:yyyy-MM-dd}) and talks about \"{3}\": it rides the day without naming it.", delta, e.Name, d, t.Value)));
                        }
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Skip this event on a pathological text.
            }
        }
        return findings;
    }
}
