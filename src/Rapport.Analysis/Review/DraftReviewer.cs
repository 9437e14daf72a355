using System.Globalization;
using System.Text.RegularExpressions;

namespace Rapport.Analysis.Review;

/// <summary>The network a draft's variant goes to: each counts length its own way.</summary>
public enum PostNetwork
{
    /// <summary>500 characters; every link counts as 23, a mention counts its user name only.</summary>
    Mastodon,
    /// <summary>300 graphemes (what a reader sees as one character, an emoji with its modifiers included).</summary>
    Bluesky,
    /// <summary>A partner's network behind a webhook: no limit known here.</summary>
    Other,
}

/// <summary>What a draft review found. The application words each one from its resources (key per kind).</summary>
public enum DraftFindingKind
{
    TagBait,
    ShareBait,
    CommentBait,
    VoteBait,
    ReactBait,
    GenericCallToAction,
    CalendarNewsjacking,
    Clickbait,
    /// <summary>Close to one of the brand's own past posts.</summary>
    NearCopyOfOwnPost,
    /// <summary>Close to a post of the reference corpus of overused brand posts (<see cref="OverusedPosts"/>).</summary>
    NearCopyOfOverusedPost,
    /// <summary>Longer than the network accepts, counted the network's way.</summary>
    OverNetworkLimit,
    MissingAltText,
    /// <summary>A hashtag of several words in one case: screen readers cannot split it.</summary>
    HashtagNotCamelCase,
    EmojiWall,
    AllCapitals,
    WordToAvoid,
    /// <summary>No real question behind the post (its idea has no evidence).</summary>
    NoEvidence,
    /// <summary>Not a weakness: the post answers questions customers really asked.</summary>
    AnswersRealQuestions,
}

/// <summary>
/// One finding: its kind, where it is (start, length, 1-based line) and the words it is about, with the values its
/// explanation needs (<see cref="Args"/>, invariant text) and what it costs the usefulness score.
/// </summary>
public sealed record DraftFinding(DraftFindingKind Kind, int Start, int Length, int Line, string Text, IReadOnlyList<string> Args, int Points);

/// <summary>What a draft review is given. Evidence is how many real messages its idea stands on.</summary>
public sealed record DraftReviewInput(
    string Text,
    PostNetwork Network = PostNetwork.Other,
    DateOnly? PublishOn = null,
    int MediaCount = 0,
    int MediaWithoutAltText = 0,
    IReadOnlyList<string>? WordsToAvoid = null,
    int EvidenceCount = 0);

/// <summary>The findings, in the post's order, and the usefulness score (0 to 100) they add up to.</summary>
public sealed record DraftReviewResult(IReadOnlyList<DraftFinding> Findings, int Score, int Length, int? Limit)
{
    public bool IsOverLimit => Limit is { } limit && Length > limit;
}

/// <summary>
/// The full review of a draft: engagement bait, generic calls to action, clickbait and calendar news-jacking
/// (<see cref="PostReviewer"/>), near copies of the brand's past posts and of overused brand posts, the network's
/// length limit, accessibility, words to avoid and whether a real question stands behind it. It never blocks:
/// it says what it found and what each finding costs the score. Thread-safe.
/// </summary>
public static class DraftReviewer
{
    public const int MastodonLimit = 500;
    public const int MastodonLinkLength = 23;
    public const int BlueskyLimit = 300;
    public const int BaseScore = 80;
    public const int EvidenceBonus = 20;

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);
    private static readonly Regex Links = new(@"https?://[^\s<>""]+", Options | RegexOptions.IgnoreCase, Timeout);
    private static readonly Regex Mentions = new(@"(?<=^|[^\w@/])@([\w.]+)@[\w.-]+\.\w+", Options, Timeout);
    private static readonly Regex Hashtags = new(@"(?<=^|[^\w&#])#([\p{L}\p{Mn}\d_]+)", Options, Timeout);
    private static readonly Regex Capitals = new(@"\b\p{Lu}{2,}(?:[\s,;:!?.'’-]+\p{Lu}{2,}){2,}\b", Options, Timeout);

    /// <summary>The points a finding of each kind takes from the score (or adds, when negative is a bonus).</summary>
    public static int PointsOf(DraftFindingKind kind) => kind switch
    {
        DraftFindingKind.TagBait or DraftFindingKind.ShareBait or DraftFindingKind.CommentBait
            or DraftFindingKind.VoteBait or DraftFindingKind.ReactBait => 20,
        DraftFindingKind.Clickbait => 15,
        DraftFindingKind.GenericCallToAction => 10,
        DraftFindingKind.CalendarNewsjacking => 10,
        DraftFindingKind.NearCopyOfOwnPost => 30,
        DraftFindingKind.NearCopyOfOverusedPost => 25,
        DraftFindingKind.OverNetworkLimit => 15,
        DraftFindingKind.MissingAltText => 10,
        DraftFindingKind.HashtagNotCamelCase => 3,
        DraftFindingKind.EmojiWall => 5,
        DraftFindingKind.AllCapitals => 5,
        DraftFindingKind.WordToAvoid => 10,
        DraftFindingKind.NoEvidence => 0,
        DraftFindingKind.AnswersRealQuestions => -EvidenceBonus,
        _ => 0,
    };

    /// <summary>Reviews a draft; <paramref name="pastPosts"/> holds the brand's published posts (null: none).</summary>
    public static DraftReviewResult Review(DraftReviewInput input, NearDuplicateIndex? pastPosts = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = input.Text ?? "";
        var findings = new List<DraftFinding>();
        var inv = CultureInfo.InvariantCulture;

        foreach (var f in PostReviewer.Review(text, input.PublishOn).Findings)
        {
            var kind = Enum.Parse<DraftFindingKind>(f.Kind.ToString());
            findings.Add(Finding(text, kind, f.Start, f.Length, f.Kind == PostFindingKind.CalendarNewsjacking ? [f.Text] : []));
        }

        if (text.Trim().Length > 0)
        {
            if (pastPosts?.FindNearDuplicate(text) is { } own)
            {
                findings.Add(Finding(text, DraftFindingKind.NearCopyOfOwnPost, 0, 0, [own.Id, Percent(own.Similarity)]));
            }
            if (OverusedPosts.Index.FindNearDuplicate(text) is { } overused)
            {
                var quoted = OverusedPosts.All[int.Parse(overused.Id, inv)];
                findings.Add(Finding(text, DraftFindingKind.NearCopyOfOverusedPost, 0, 0, [quoted, Percent(overused.Similarity)]));
            }
        }

        var (length, limit) = Measure(text, input.Network);
        if (limit is { } max && length > max)
        {
            findings.Add(Finding(text, DraftFindingKind.OverNetworkLimit, 0, 0,
                [length.ToString(inv), max.ToString(inv), input.Network.ToString()]));
        }

        if (input.MediaWithoutAltText > 0)
        {
            findings.Add(Finding(text, DraftFindingKind.MissingAltText, 0, 0, [input.MediaWithoutAltText.ToString(inv), input.MediaCount.ToString(inv)]));
        }
        foreach (Match m in Safe(Hashtags, text))
        {
            var tag = m.Groups[1].Value;
            var letters = tag.Count(char.IsLetter);
            // One case throughout and long enough to be several words: "#velovertparis" reads as one word aloud.
            if (letters >= 8 && (tag.Skip(1).All(c => !char.IsUpper(c)) || tag.All(c => !char.IsLower(c))))
            {
                findings.Add(Finding(text, DraftFindingKind.HashtagNotCamelCase, m.Index, m.Length, []));
            }
        }
        foreach (var (start, len) in EmojiWalls(text))
        {
            findings.Add(Finding(text, DraftFindingKind.EmojiWall, start, len, []));
        }
        foreach (Match m in Safe(Capitals, text))
        {
            findings.Add(Finding(text, DraftFindingKind.AllCapitals, m.Index, m.Length, []));
        }
        foreach (var word in input.WordsToAvoid ?? [])
        {
            var w = word.Trim();
            if (w.Length == 0)
            {
                continue;
            }
            var pattern = new Regex(@"(?<![\p{L}\d])" + Regex.Escape(w) + @"(?![\p{L}\d])", Options | RegexOptions.IgnoreCase, Timeout);
            foreach (Match m in Safe(pattern, text))
            {
                findings.Add(Finding(text, DraftFindingKind.WordToAvoid, m.Index, m.Length, [w]));
            }
        }

        findings.Add(input.EvidenceCount > 0
            ? Finding(text, DraftFindingKind.AnswersRealQuestions, 0, 0, [input.EvidenceCount.ToString(inv)])
            : Finding(text, DraftFindingKind.NoEvidence, 0, 0, []));

        findings.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Kind.CompareTo(b.Kind));
        var score = Math.Clamp(BaseScore - findings.Sum(f => f.Points), 0, 100);
        return new DraftReviewResult(findings, score, length, limit);
    }

    /// <summary>A text's length the way <paramref name="network"/> counts it, and the network's limit (null: none known).</summary>
    public static (int Length, int? Limit) Measure(string text, PostNetwork network)
    {
        text ??= "";
        switch (network)
        {
            case PostNetwork.Mastodon:
                // Mastodon counts every link as 23 characters and a remote mention by its user name only, and it counts
                // code points, not UTF-16 units: an emoji outside the basic plane is one.
                var shortened = Links.Replace(text, new string('x', MastodonLinkLength));
                shortened = Mentions.Replace(shortened, m => "@" + m.Groups[1].Value);
                return (CodePoints(shortened), MastodonLimit);
            case PostNetwork.Bluesky:
                return (new StringInfo(text).LengthInTextElements, BlueskyLimit);
            default:
                return (new StringInfo(text).LengthInTextElements, null);
        }
    }

    private static int CodePoints(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }
        return n;
    }

    private static string Percent(double similarity) => Math.Round(similarity * 100).ToString(CultureInfo.InvariantCulture);

    private static DraftFinding Finding(string text, DraftFindingKind kind, int start, int length, IReadOnlyList<string> args) =>
        new(kind, start, length, LineOf(text, start), length > 0 ? text.Substring(start, length) : "", args, PointsOf(kind));

    private static int LineOf(string text, int start)
    {
        var line = 1;
        for (var i = 0; i < start && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }
        return line;
    }

    private static IEnumerable<Match> Safe(Regex pattern, string text)
    {
        MatchCollection matches;
        try
        {
            matches = pattern.Matches(text);
            _ = matches.Count;
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological text: this check says nothing rather than hold the studio up.
            return [];
        }
        return matches;
    }

    /// <summary>Runs of five or more emoji with nothing but spaces between them.</summary>
    private static IEnumerable<(int Start, int Length)> EmojiWalls(string text)
    {
        var walls = new List<(int, int)>();
        var e = StringInfo.GetTextElementEnumerator(text);
        int runStart = -1, runEnd = -1, count = 0;
        while (e.MoveNext())
        {
            var element = (string)e.Current;
            if (IsEmoji(element))
            {
                if (count == 0)
                {
                    runStart = e.ElementIndex;
                }
                count++;
                runEnd = e.ElementIndex + element.Length;
            }
            else if (!string.IsNullOrWhiteSpace(element) || element.Contains('\n', StringComparison.Ordinal))
            {
                if (count >= 5)
                {
                    walls.Add((runStart, runEnd - runStart));
                }
                count = 0;
            }
        }
        if (count >= 5)
        {
            walls.Add((runStart, runEnd - runStart));
        }
        return walls;
    }

    private static bool IsEmoji(string element)
    {
        var rune = element.EnumerateRunes().FirstOrDefault();
        var v = rune.Value;
        return v is >= 0x1F000 and <= 0x1FAFF or >= 0x2600 and <= 0x27BF or >= 0x2B00 and <= 0x2BFF or 0x2764;
    }
}
