using System.Buffers;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Listening;

/// <summary>A topic as a matcher sees it: its query and, when not empty, the only languages it listens to.</summary>
public sealed record TopicDefinition(TopicQuery Query, IReadOnlyList<string>? Languages = null);

/// <summary>
/// Many topic queries compiled into one matcher: a text is tokenised once, then only the topics that one of its words,
/// hashtags or handles can satisfy are evaluated. Each query gives the index a few keys, one of which a matching text must
/// hold (a word's stem, a hashtag, a handle, the first letters of a prefix); a text looks up each of its own words, so
/// 1,000 topics cost about as much as the handful the text can match. Thread-safe: each thread tokenises into its own
/// buffer.
/// </summary>
public sealed class TopicMatcher
{
    private readonly TopicDefinition[] topics;
    private readonly Dictionary<string, int[]> byWord;
    private readonly Dictionary<string, int[]> byPrefix;
    private readonly Dictionary<string, int[]> byHashtag;
    private readonly Dictionary<string, int[]> byHandle;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> byPrefixSpan;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> byHashtagSpan;

    [ThreadStatic]
    private static MentionText? s_text;

    private TopicMatcher(TopicDefinition[] topics)
    {
        this.topics = topics;
        var word = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var prefix = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var hashtag = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var handle = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var t = 0; t < topics.Length; t++)
        {
            // TopicQuery refuses a query without keys, so every topic is reachable from the index.
            foreach (var key in TopicIndexKeys.Of(topics[t].Query.Root)!)
            {
                var into = key.Kind switch
                {
                    IndexKeyKind.Word => word,
                    IndexKeyKind.Prefix => prefix,
                    IndexKeyKind.Hashtag => hashtag,
                    _ => handle,
                };
                if (!into.TryGetValue(key.Value, out var list))
                {
                    into[key.Value] = list = [];
                }
                if (list.Count == 0 || list[^1] != t)
                {
                    list.Add(t);
                }
            }
        }
        static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> d) =>
            d.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        byWord = Freeze(word);
        byPrefix = Freeze(prefix);
        byHashtag = Freeze(hashtag);
        byHandle = Freeze(handle);
        byPrefixSpan = byPrefix.GetAlternateLookup<ReadOnlySpan<char>>();
        byHashtagSpan = byHashtag.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many topics the matcher holds.</summary>
    public int Count => topics.Length;

    /// <summary>Compiles topics into a matcher; <see cref="Match(string, string?, IReadOnlyList{string}?)"/> answers their indexes.</summary>
    public static TopicMatcher Compile(IReadOnlyList<TopicDefinition> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        return new TopicMatcher([.. topics]);
    }

    /// <summary>
    /// The indexes of the topics that <paramref name="text"/> matches, in order. <paramref name="language"/> is the text's
    /// language ("fr", "en"), <paramref name="sources"/> the names a <c>source:</c> filter may give for where it came from
    /// (its kind of channel, the channel's name).
    /// </summary>
    public List<int> Match(string text, string? language = null, IReadOnlyList<string>? sources = null)
    {
        var matches = new List<int>();
        Match(text, language, sources, matches);
        return matches;
    }

    /// <summary>As <see cref="Match(string, string?, IReadOnlyList{string}?)"/>, adding to a list the caller reuses.</summary>
    public void Match(string text, string? language, IReadOnlyList<string>? sources, List<int> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var view = s_text ??= new MentionText();
        view.Load(text ?? "", language, sources);
        var seen = ArrayPool<bool>.Shared.Rent(Math.Max(1, topics.Length));
        var candidates = ArrayPool<int>.Shared.Rent(Math.Max(1, topics.Length));
        var count = 0;
        try
        {
            Array.Clear(seen, 0, topics.Length);
            void Add(int[] found)
            {
                foreach (var t in found)
                {
                    if (!seen[t])
                    {
                        seen[t] = true;
                        candidates[count++] = t;
                    }
                }
            }
            for (var i = 0; i < view.Count; i++)
            {
                switch (view.Kinds[i])
                {
                    case TokenKind.Hashtag:
                        if (byHashtagSpan.TryGetValue(view.Folded(i), out var tagged))
                        {
                            Add(tagged);
                        }
                        break;
                    case TokenKind.Mention:
                        if (byHandle.TryGetValue(view.Handles[i]!, out var handled))
                        {
                            Add(handled);
                        }
                        continue;
                    default:
                        break;
                }
                if (view.Stems[i] is { } stem && byWord.TryGetValue(stem, out var worded))
                {
                    Add(worded);
                }
                var folded = view.Folded(i);
                if (byPrefix.Count > 0 && folded.Length >= TopicQuery.MinPrefix && byPrefixSpan.TryGetValue(folded[..TopicQuery.MinPrefix], out var prefixed))
                {
                    Add(prefixed);
                }
            }
            // In topic order, so the answer does not depend on the order of the text's words.
            Array.Sort(candidates, 0, count);
            for (var k = 0; k < count; k++)
            {
                var topic = topics[candidates[k]];
                if (topic.Languages is { Count: > 0 } languages && !languages.Contains(view.Language ?? "", StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (topic.Query.Root.Matches(view))
                {
                    matches.Add(candidates[k]);
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(seen);
            ArrayPool<int>.Shared.Return(candidates);
        }
    }
}

/// <summary>
/// A text as the queries read it: its word-like tokens in order with their folded form and light stem, the handles it
/// names, its language and sources. One per thread, reused.
/// </summary>
internal sealed class MentionText
{
    private readonly TokenizedText tokens = new();
    public TokenKind[] Kinds = new TokenKind[128];
    public string?[] Stems = new string?[128];
    public string?[] Handles = new string?[128];
    private int[] map = new int[128];

    public int Count { get; private set; }

    public string? Language { get; private set; }

    public IReadOnlyList<string>? Sources { get; private set; }

    /// <summary>The folded form of word-like token <paramref name="i"/> (a hashtag without its #).</summary>
    public ReadOnlySpan<char> Folded(int i) => tokens.Norm(map[i]);

    public void Load(string text, string? language, IReadOnlyList<string>? sources)
    {
        Language = language is null ? null : TextFolding.Fold(language);
        Sources = sources;
        Tokenizer.Tokenize(text, tokens);
        if (Kinds.Length < tokens.Count)
        {
            var size = Math.Max(tokens.Count, Kinds.Length * 2);
            Kinds = new TokenKind[size];
            Stems = new string?[size];
            Handles = new string?[size];
            map = new int[size];
        }
        var n = 0;
        for (var k = 0; k < tokens.Count; k++)
        {
            var kind = tokens[k].Kind;
            // Punctuation is kept as a position so a phrase does not run across a sentence; URLs, emoji and faces are not words.
            if (kind is TokenKind.Url or TokenKind.Emoji or TokenKind.Emoticon)
            {
                continue;
            }
            Kinds[n] = kind;
            map[n] = k;
            Stems[n] = kind is TokenKind.Word or TokenKind.Number or TokenKind.Hashtag ? SearchTerms.Stem(tokens.Norm(k).ToString()) : null;
            Handles[n] = kind == TokenKind.Mention ? TextFolding.Fold(tokens.Original(k)[1..].ToString()).TrimEnd('.') : null;
            n++;
        }
        Count = n;
    }
}

internal enum IndexKeyKind
{
    Word,
    Prefix,
    Hashtag,
    Handle,
}

internal readonly record struct IndexKey(IndexKeyKind Kind, string Value);

/// <summary>
/// The keys that stand for a query in the matcher's index: a text that holds none of them cannot match it. Null when the
/// query can match a text holding none of its terms (a NOT or a filter alone), which <see cref="TopicQuery"/> refuses.
/// </summary>
internal static class TopicIndexKeys
{
    public static List<IndexKey>? Of(QueryNode node) => node switch
    {
        WordNode w => [new(IndexKeyKind.Word, w.Stem)],
        // A phrase's rarest-looking word: the longest stem.
        PhraseNode p => [new(IndexKeyKind.Word, p.Stems.MaxBy(s => s.Length)!)],
        PrefixNode x => [new(IndexKeyKind.Prefix, x.Prefix[..TopicQuery.MinPrefix])],
        HashtagNode h => [new(IndexKeyKind.Hashtag, h.Tag)],
        HandleNode h => [new(IndexKeyKind.Handle, h.Handle)],
        NearNode n => Of(n.Left),
        AnyOfNode any => [.. any.Choices.SelectMany(c => Of(c)!)],
        AndNode a => a.Children.Select(Of).Where(k => k is not null).OrderBy(k => k!.Count).ThenByDescending(k => k!.Sum(x => x.Value.Length)).FirstOrDefault(),
        OrNode o => o.Children.Select(Of).ToList() is var all && all.All(k => k is not null) ? [.. all.SelectMany(k => k!)] : null,
        _ => null,
    };
}

/// <summary>A node of a parsed query, evaluated against a text.</summary>
internal abstract class QueryNode
{
    public abstract bool Matches(MentionText text);
}

internal sealed class AndNode(QueryNode[] children) : QueryNode
{
    public QueryNode[] Children { get; } = children;

    public override bool Matches(MentionText text)
    {
        foreach (var child in Children)
        {
            if (!child.Matches(text))
            {
                return false;
            }
        }
        return true;
    }
}

internal sealed class OrNode(QueryNode[] children) : QueryNode
{
    public QueryNode[] Children { get; } = children;

    public override bool Matches(MentionText text)
    {
        foreach (var child in Children)
        {
            if (child.Matches(text))
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class NotNode(QueryNode operand) : QueryNode
{
    public override bool Matches(MentionText text) => !operand.Matches(text);
}

/// <summary>A word, or a run of words, or a prefix, or any of several: something found at positions of the text.</summary>
internal abstract class PositionalNode : QueryNode
{
    /// <summary>How many positions the occurrence starting at <paramref name="position"/> spans; 0 when there is none.</summary>
    public abstract int LengthAt(MentionText text, int position);

    public override bool Matches(MentionText text)
    {
        for (var i = 0; i < text.Count; i++)
        {
            if (LengthAt(text, i) > 0)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>A word in any of its simple forms; it also matches the same word as a hashtag ("vélo" finds "#velo").</summary>
internal sealed class WordNode(string stem) : PositionalNode
{
    public string Stem { get; } = stem;

    public override int LengthAt(MentionText text, int position) => string.Equals(text.Stems[position], Stem, StringComparison.Ordinal) ? 1 : 0;
}

internal sealed class PhraseNode(string[] stems) : PositionalNode
{
    public string[] Stems { get; } = stems;

    public override int LengthAt(MentionText text, int position)
    {
        if (position + Stems.Length > text.Count)
        {
            return 0;
        }
        for (var k = 0; k < Stems.Length; k++)
        {
            if (!string.Equals(text.Stems[position + k], Stems[k], StringComparison.Ordinal))
            {
                return 0;
            }
        }
        return Stems.Length;
    }
}

internal sealed class PrefixNode(string prefix) : PositionalNode
{
    public string Prefix { get; } = prefix;

    public override int LengthAt(MentionText text, int position) =>
        text.Kinds[position] is TokenKind.Word or TokenKind.Hashtag or TokenKind.Number && text.Folded(position).StartsWith(Prefix, StringComparison.Ordinal) ? 1 : 0;
}

/// <summary>Words or phrases joined by OR, as one side of a NEAR: <c>(batterie OR battery) NEAR/3 panne</c>.</summary>
internal sealed class AnyOfNode(PositionalNode[] choices) : PositionalNode
{
    public PositionalNode[] Choices { get; } = choices;

    public override int LengthAt(MentionText text, int position)
    {
        foreach (var choice in Choices)
        {
            if (choice.LengthAt(text, position) is > 0 and var length)
            {
                return length;
            }
        }
        return 0;
    }
}

internal sealed class HashtagNode(string tag) : QueryNode
{
    public string Tag { get; } = tag;

    public override bool Matches(MentionText text)
    {
        for (var i = 0; i < text.Count; i++)
        {
            if (text.Kinds[i] == TokenKind.Hashtag && text.Folded(i).SequenceEqual(Tag))
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class HandleNode(string handle) : QueryNode
{
    public string Handle { get; } = handle;

    public override bool Matches(MentionText text)
    {
        for (var i = 0; i < text.Count; i++)
        {
            if (text.Kinds[i] == TokenKind.Mention && string.Equals(text.Handles[i], Handle, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary><c>a NEAR/n b</c>: both found, in either order, with at most n words between them.</summary>
internal sealed class NearNode(PositionalNode left, PositionalNode right, int distance) : QueryNode
{
    public PositionalNode Left { get; } = left;

    public override bool Matches(MentionText text)
    {
        for (var i = 0; i < text.Count; i++)
        {
            var a = Left.LengthAt(text, i);
            if (a == 0)
            {
                continue;
            }
            var from = Math.Max(0, i - distance - 64);
            var to = Math.Min(text.Count - 1, i + a + distance);
            for (var j = from; j <= to; j++)
            {
                // b after a, at most n positions between; or b before a, ending at most n positions before it.
                var b = j >= i + a || j < i ? right.LengthAt(text, j) : 0;
                if (b > 0 && (j >= i + a || (j + b <= i && i - (j + b) <= distance)))
                {
                    return true;
                }
            }
        }
        return false;
    }
}

internal sealed class LanguageNode(string code) : QueryNode
{
    public override bool Matches(MentionText text) => string.Equals(text.Language, code, StringComparison.Ordinal);
}

internal sealed class SourceNode(string source) : QueryNode
{
    public override bool Matches(MentionText text)
    {
        if (text.Sources is null)
        {
            return false;
        }
        foreach (var s in text.Sources)
        {
            if (string.Equals(TextFolding.Fold(s), source, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
