using System.Text.RegularExpressions;

namespace Rapport.Analysis.Review;

/// <summary>What kind of weakness a post review found.</summary>
public enum PostFindingKind
{
    /// <summary>"Tag a friend who…", "identifie ton pote".</summary>
    TagBait,
    /// <summary>"Share if you agree", "partagez si…".</summary>
    ShareBait,
    /// <summary>"Comment YES below", "écrivez OUI en commentaire".</summary>
    CommentBait,
    /// <summary>"Like for A, comment for B", "votez avec les réactions".</summary>
    VoteBait,
    /// <summary>"Like this if…", "mets un ❤️ si…".</summary>
    ReactBait,
    /// <summary>"What do you think?", "Et vous, qu'en pensez-vous ?": a call to action that asks for nothing in particular.</summary>
    GenericCallToAction,
    /// <summary>Riding a world day or holiday (Valentine's day, Black Friday, 14 juillet…).</summary>
    CalendarNewsjacking,
    /// <summary>Curiosity-gap headline ("You won't believe…", "10 reasons why…").</summary>
    Clickbait,
}

/// <summary>One finding with its span in the post and an explanation a writer can act on.</summary>
public sealed record PostFinding(PostFindingKind Kind, int Start, int Length, string Text, string Explanation);

/// <summary>All findings of a post review.</summary>
public sealed record PostReview(IReadOnlyList<PostFinding> Findings)
{
    public bool IsClean => Findings.Count == 0;
}

/// <summary>
/// Reviews a draft post (French or English) for engagement bait, weak generic calls to action,
/// clickbait and calendar news-jacking. Each finding carries its span (start, length) in the post.
/// Thread-safe.
/// </summary>
public static class PostReviewer
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    private static Regex R(string pattern) => new(pattern, Options, Timeout);

    private static readonly (PostFindingKind Kind, Regex Pattern, string Explanation)[] Rules =
    [
        (PostFindingKind.TagBait, R(@"\b(?:tag|mention)\s+(?:a|your|ur|some\s?one|some1|\d+|two|three|five|the|that|all|every)\b[^.!?\n]{0,50}"),
            "Tag-baiting: asking people to tag others is penalised by the networks and reads as a growth trick. Give them a reason to share instead."),
        (PostFindingKind.TagBait, R(@"\b(?:tague[zr]?|tag|identifie[zr]?|mentionne[zr]?)\s+(?:un|une|ton|ta|tes|vos|votre|\d+|deux|trois|quelqu|la personne|celui|celle|les)\b[^.!?\n]{0,50}"),
            "Tag-baiting (« identifie un ami ») : les réseaux le pénalisent et cela sonne comme une ficelle. Donnez une vraie raison de partager."),
        (PostFindingKind.ShareBait, R(@"(?:\b(?:share|retweet|rt|repost)\s+(?:this|if|it|so|now|around)\b|\bshare\s+(?:with|to)\s+(?:your|a|all\s+your)\s+(?:friends?|someone|family|followers)\b|\bpass\s+it\s+on\b)[^.!?\n]{0,40}"),
            "Share-baiting: asking for shares rather than earning them is penalised by the networks."),
        (PostFindingKind.ShareBait, R(@"(?:\b(?:partagez|partage|retweetez|retweete)\s+(?:si|ce|cette|ceci|à|a|avec|un\s+max|autour)\b|\bfai(?:s|tes)\s+tourner\b)[^.!?\n]{0,40}"),
            "Share-baiting (« partagez si… ») : demander des partages au lieu de les mériter est pénalisé par les réseaux."),
        (PostFindingKind.CommentBait, R(@"\b(?:comment|type|reply|write|drop)\s+(?:[""“']?[A-Z0-9]{2,}[""”']?|yes|a|an|your|your\s+\w+)\s+(?:below|if|in the comments|to|for)\b[^.!?\n]{0,40}"),
            "Comment-baiting: asking for a one-word comment inflates engagement without conversation; ask a specific question instead."),
        (PostFindingKind.CommentBait, R(@"\b(?:commente[zr]?|[ée]cri(?:s|vez)|r[ée]pond(?:s|ez))\s+(?:[""“«]\s?)?(?:oui|non|[A-ZÉ0-9]{2,}|un|une|ton|ta|votre)\b[^.!?\n]{0,40}|\ben\s+commentaires?\s*(?:!|👇|⬇)"),
            "Comment-baiting (« écrivez OUI en commentaire ») : de l'engagement sans conversation ; posez plutôt une question précise."),
        (PostFindingKind.VoteBait, R(@"(?:\b(?:like|love|react|comment|share|👍|❤️|❤|😂|😮|😢|😡)\s*(?:for|if|pour|si)\s+[^,.!?\n]{1,30}[,;/]\s*(?:like|love|react|comment|share|👍|❤️|❤|😂|😮|😢|😡)\s*(?:for|if|pour|si)\b[^.!?\n]{0,30})|\bvote\s+(?:with|using|by)\s+(?:your\s+)?(?:reactions?|likes?|emojis?)\b|\bvotez\s+(?:avec|en|par)\s+(?:les\s+|vos\s+)?(?:r[ée]actions?|likes?|emojis?|commentaires?)\b"),
            "Vote-baiting: reactions used as a ballot are engagement bait in the networks' rules."),
        (PostFindingKind.ReactBait, R(@"\b(?:like|react\s+to|heart|double[\s-]tap|smash\s+(?:that\s+)?(?:like|the like)(?:\s+button)?)\s+(?:this|if|it|for|when)\b[^.!?\n]{0,40}"),
            "React-baiting: asking for likes is penalised by the networks; say something worth liking."),
        (PostFindingKind.ReactBait, R(@"\b(?:likez|like\s+si|aime[zr]?\s+si|r[ée]agi(?:s|ssez)\s+(?:si|avec)|met(?:s|tez)\s+(?:un|une|des)\s+(?:like|j'aime|c(?:oe|œ)ur|pouce|❤️|👍))\b[^.!?\n]{0,40}"),
            "React-baiting (« likez si… », « mettez un ❤️ ») : demander des likes est pénalisé par les réseaux."),
        (PostFindingKind.GenericCallToAction, R(@"\bwhat\s+do\s+you\s+(?:guys\s+)?think\s*\??|\bwhat\s+are\s+your\s+thoughts\s*\??|(?:^|[.!?]\s+)(?:thoughts|agree|who\s+else|anyone\s+else)\s*\?|\blet\s+(?:us|me)\s+know\s+(?:what\s+you\s+think|in\s+the\s+comments|below)\b|\btell\s+us\s+(?:below|in\s+the\s+comments)\b"),
            "Generic call to action: \"what do you think?\" asks for nothing in particular. Ask a concrete question your audience can answer."),
        (PostFindingKind.GenericCallToAction, R(@"\bet\s+(?:vous|toi)\s*[,?]\s*(?:qu['’]en\s+pense[sz](?:-|\s)?(?:vous|tu)\s*\??)?|\bqu['’]en\s+pense[sz](?:-|\s)?(?:vous|tu)\s*\??|\bvous\s+en\s+pensez\s+quoi\s*\??|\bvotre\s+avis\s*\?|\bdites(?:-|\s)nous\s+tout\b|\bd['’]accord\s+ou\s+pas\s*\?"),
            "Appel à l'action générique (« et vous, qu'en pensez-vous ? ») : il ne demande rien de précis. Posez une question concrète."),
        (PostFindingKind.Clickbait, R(@"\byou\s+(?:won['’]?t|will\s+not|wont)\s+believe\b|\bwhat\s+happen(?:s|ed)\s+next\b|\bwill\s+(?:blow\s+your\s+mind|make\s+you\s+(?:cry|laugh|smile|rethink|question))\b|\b(?:here['’]?s|here\s+is|this\s+is)\s+why\b|\bthe\s+reason\s+why\s+will\b|^\s*\d+\s+(?:things|reasons|ways|signs|photos|pictures|times|people|facts|tweets|questions|moments|secrets|tricks|hacks|struggles|celebrities|movies|songs|foods|places)\b|\bwhich\s+[\w\s]{1,30}\s+are\s+you\b|\bcan\s+you\s+(?:guess|spot|pass)\b|\beveryone\s+is\s+talking\s+about\b|\bwait\s+(?:until|till)\s+you\s+see\b|\bthis\s+is\s+(?:what|how)\b|\bthe\s+(?:most|best)\s+\w+\s+(?:ever|of\s+all\s+time)\b|\bdoctors\s+hate\b|\bone\s+weird\s+trick\b"),
            "Clickbait: a curiosity gap instead of the information. Say what the reader will get."),
        (PostFindingKind.Clickbait, R(@"\bvous\s+n['’]allez\s+pas\s+(?:le\s+)?croire\b|\bla\s+suite\s+va\s+vous\b|\bce\s+qui\s+(?:s['’]est\s+passé|se\s+passe)\s+ensuite\b|\bvoici\s+pourquoi\b|^\s*\d+\s+(?:choses|raisons|façons|fa[çc]ons|signes|photos|astuces|secrets|questions|moments)\b|\bquel\s+[\w\s]{1,30}\s+êtes[-\s]vous\b|\bincroyable\s*!|\btout\s+le\s+monde\s+en\s+parle\b"),
            "Piège à clics : un suspense au lieu de l'information. Dites ce que le lecteur va trouver."),
    ];

    /// <summary>Reviews <paramref name="text"/>; with <paramref name="publishOn"/>, also flags a post that rides a nearby world day.</summary>
    public static PostReview Review(string text, DateOnly? publishOn = null)
    {
        var findings = new List<PostFinding>();
        if (string.IsNullOrEmpty(text))
        {
            return new PostReview(findings);
        }
        if (text.Length > 20_000)
        {
            text = text[..20_000];
        }
        foreach (var (kind, pattern, explanation) in Rules)
        {
            try
            {
                foreach (Match m in pattern.Matches(text))
                {
                    var value = m.Value.TrimEnd();
                    if (value.Length == 0 || findings.Any(f => f.Kind == kind && Overlaps(f, m.Index, value.Length)))
                    {
                        continue;
                    }
                    findings.Add(new PostFinding(kind, m.Index, value.Length, value, explanation));
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological text: skip this rule rather than hang the content studio.
            }
        }
        findings.AddRange(CalendarEvents.Find(text, publishOn));
        findings.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Kind.CompareTo(b.Kind));
        return new PostReview(findings);
    }

    private static bool Overlaps(PostFinding f, int start, int length) => start < f.Start + f.Length && f.Start < start + length;

    /// <summary>True when the text is engagement bait or clickbait (used as the zero-shot clickbait detector).</summary>
    public static bool IsBait(string text) =>
        Review(text).Findings.Any(f => f.Kind is not (PostFindingKind.CalendarNewsjacking or PostFindingKind.GenericCallToAction));
}
