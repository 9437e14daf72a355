using System.Globalization;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Listening;

/// <summary>
/// Why a topic query cannot be read, and where: <paramref name="Position"/> is the index of the character at fault in
/// the query (its length when the query ends too soon). <paramref name="Code"/> names the error for a translated message;
/// <paramref name="Message"/> says it in English.
/// </summary>
public sealed record TopicQueryError(string Code, string Message, int Position);

/// <summary>A topic query that could not be read.</summary>
public sealed class TopicQuerySyntaxException(TopicQueryError error) : FormatException($"{error.Message} (at {error.Position})")
{
    public TopicQueryError Error { get; } = error;
}

/// <summary>
/// A listening topic's query: words, "quoted phrases", #hashtags, @handles, <c>lang:</c> and <c>source:</c> filters, joined by
/// AND (also implied between terms), OR and NOT, grouped with parentheses, and <c>a NEAR/n b</c> for two words or phrases at
/// most n words apart. Case and accents are ignored, and a word matches its simple French and English forms (the light stem
/// of <see cref="SearchTerms"/>: "vélos" is "vélo", "livraisons" is "livraison", "refunds" is "refund"); a trailing
/// <c>*</c> matches every word that starts with what comes before it. Reading is linear in the query's length, which is
/// capped, as are its terms and its nesting, so a hostile query costs no more than a long one (docs/listening.md).
/// </summary>
public sealed class TopicQuery
{
    /// <summary>The longest query read: a topic is a few dozen words, not a document.</summary>
    public const int MaxLength = 4000;

    /// <summary>The most words, phrases, hashtags, handles and filters in one query.</summary>
    public const int MaxTerms = 200;

    /// <summary>The deepest nesting of parentheses and NOTs.</summary>
    public const int MaxDepth = 16;

    /// <summary>The widest NEAR: beyond it, two words are no longer near.</summary>
    public const int MaxNear = 50;

    /// <summary>The distance of a NEAR written without /n.</summary>
    public const int DefaultNear = 5;

    /// <summary>The fewest letters before a <c>*</c>: a shorter prefix matches too many words to mean anything.</summary>
    public const int MinPrefix = 3;

    private TopicQuery(string text, QueryNode root)
    {
        Text = text;
        Root = root;
    }

    /// <summary>The query as written.</summary>
    public string Text { get; }

    internal QueryNode Root { get; }

    /// <summary>Reads a query; throws <see cref="TopicQuerySyntaxException"/> with where and why when it cannot.</summary>
    public static TopicQuery Parse(string? query) =>
        TryParse(query, out var parsed, out var error) ? parsed! : throw new TopicQuerySyntaxException(error!);

    /// <summary>Reads a query; on failure, <paramref name="error"/> says where and why.</summary>
    public static bool TryParse(string? query, out TopicQuery? parsed, out TopicQueryError? error)
    {
        parsed = null;
        query ??= "";
        if (query.Length > MaxLength)
        {
            error = new("too_long", $"The query is longer than {MaxLength.ToString("N0", CultureInfo.InvariantCulture)} characters.", MaxLength);
            return false;
        }
        if (string.IsNullOrWhiteSpace(query))
        {
            error = new("empty", "The query is empty: write at least one word.", 0);
            return false;
        }
        var tokens = QueryLexer.Read(query, out error);
        if (tokens is null)
        {
            return false;
        }
        var parser = new QueryParser(query, tokens);
        var root = parser.Parse(out error);
        if (root is null)
        {
            return false;
        }
        if (TopicIndexKeys.Of(root) is null)
        {
            var firstNot = tokens.FirstOrDefault(t => t.Kind == QueryTokenKind.Not);
            error = new("needs_term",
                "The query needs a word, phrase, hashtag or handle that must be present: NOT and filters only narrow what it finds.",
                firstNot?.Position ?? 0);
            return false;
        }
        parsed = new TopicQuery(query, root);
        return true;
    }

    /// <summary>Whether the text matches this query alone (a matcher of many queries tokenises each text once for all).</summary>
    public bool Matches(string text, string? language = null, IReadOnlyList<string>? sources = null) =>
        TopicMatcher.Compile([new TopicDefinition(this)]).Match(text, language, sources).Count == 1;

    public override string ToString() => Text;
}

internal enum QueryTokenKind
{
    LeftParen,
    RightParen,
    And,
    Or,
    Not,
    Near,
    Word,
    Phrase,
    Hashtag,
    Handle,
    Language,
    Source,
}

internal sealed record QueryToken(QueryTokenKind Kind, int Position, string Value = "", int Distance = 0, bool Prefix = false)
{
    public bool StartsOperand => Kind is QueryTokenKind.LeftParen or QueryTokenKind.Not or QueryTokenKind.Word or QueryTokenKind.Phrase
        or QueryTokenKind.Hashtag or QueryTokenKind.Handle or QueryTokenKind.Language or QueryTokenKind.Source;

    public bool IsTerm => Kind is QueryTokenKind.Word or QueryTokenKind.Phrase or QueryTokenKind.Hashtag or QueryTokenKind.Handle
        or QueryTokenKind.Language or QueryTokenKind.Source;
}

/// <summary>Splits a query into its tokens in one pass.</summary>
internal static class QueryLexer
{
    public static List<QueryToken>? Read(string q, out TopicQueryError? error)
    {
        error = null;
        var tokens = new List<QueryToken>();
        var terms = 0;
        var i = 0;
        while (i < q.Length)
        {
            var c = q[i];
            if (char.IsWhiteSpace(c) || TextFolding.IsIgnorable(c))
            {
                i++;
                continue;
            }
            if (c == '(')
            {
                tokens.Add(new(QueryTokenKind.LeftParen, i++));
                continue;
            }
            if (c == ')')
            {
                tokens.Add(new(QueryTokenKind.RightParen, i++));
                continue;
            }
            var start = i;
            QueryToken? token;
            if (c is '"' or '“' or '”' or '«')
            {
                token = ReadPhrase(q, ref i, QueryTokenKind.Phrase, start, out error);
            }
            else
            {
                var end = i;
                while (end < q.Length && !char.IsWhiteSpace(q[end]) && q[end] is not ('(' or ')' or '"' or '“' or '”' or '«'))
                {
                    end++;
                }
                var bare = q[i..end];
                i = end;
                token = Classify(q, bare, start, ref i, out error);
            }
            if (token is null)
            {
                return null;
            }
            if (token.IsTerm && ++terms > TopicQuery.MaxTerms)
            {
                error = new("too_many_terms", $"The query has more than {TopicQuery.MaxTerms} terms.", start);
                return null;
            }
            tokens.Add(token);
        }
        return tokens;
    }

    private static QueryToken? ReadPhrase(string q, ref int i, QueryTokenKind kind, int start, out TopicQueryError? error)
    {
        error = null;
        var open = q[i];
        var close = open == '«' ? '»' : open == '“' ? '”' : '"';
        var end = i + 1;
        while (end < q.Length && q[end] != close && !(close != '"' && q[end] == '"'))
        {
            end++;
        }
        if (end >= q.Length)
        {
            error = new("unclosed_quote", "This quote is never closed.", i);
            return null;
        }
        var inside = q[(i + 1)..end].Trim();
        i = end + 1;
        if (inside.Length == 0)
        {
            error = new("empty_phrase", "These quotes hold nothing to look for.", start);
            return null;
        }
        return new(kind, start, inside);
    }

    private static QueryToken? Classify(string q, string bare, int start, ref int i, out TopicQueryError? error)
    {
        error = null;
        switch (bare)
        {
            case "AND" or "&&":
                return new(QueryTokenKind.And, start);
            case "OR" or "||":
                return new(QueryTokenKind.Or, start);
            case "NOT":
                return new(QueryTokenKind.Not, start);
            case "NEAR":
                return new(QueryTokenKind.Near, start, Distance: TopicQuery.DefaultNear);
            default:
                break;
        }
        if (bare.StartsWith("NEAR/", StringComparison.Ordinal))
        {
            if (!int.TryParse(bare.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > TopicQuery.MaxNear)
            {
                error = new("bad_near", $"NEAR/n takes a number of words from 1 to {TopicQuery.MaxNear}.", start);
                return null;
            }
            return new(QueryTokenKind.Near, start, Distance: n);
        }
        if (bare[0] == '-' && bare.Length > 1)
        {
            error = new("minus", "Write NOT before a word to leave it out.", start);
            return null;
        }
        if (bare[0] == '#')
        {
            var tag = TextFolding.Fold(bare[1..]);
            if (tag.Length == 0 || !tag.All(ch => char.IsLetterOrDigit(ch) || ch == '_'))
            {
                error = new("bad_hashtag", "A hashtag is # followed by letters, digits or _.", start);
                return null;
            }
            return new(QueryTokenKind.Hashtag, start, tag);
        }
        if (bare[0] == '@')
        {
            var handle = TextFolding.Fold(bare[1..]).TrimEnd('.');
            if (handle.Length == 0 || !handle.All(ch => char.IsLetterOrDigit(ch) || ch is '_' or '.'))
            {
                error = new("bad_handle", "A handle is @ followed by letters, digits, _ or dots.", start);
                return null;
            }
            return new(QueryTokenKind.Handle, start, handle);
        }
        var colon = bare.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var field = bare[..colon].ToLowerInvariant();
            if (field is "lang" or "language" or "langue")
            {
                var code = TextFolding.Fold(bare[(colon + 1)..]);
                if (code.Length is < 2 or > 8 || !code.All(char.IsAsciiLetterLower))
                {
                    error = new("bad_language", "lang: takes a language code, such as lang:fr or lang:en.", start);
                    return null;
                }
                return new(QueryTokenKind.Language, start, code);
            }
            if (field is "source")
            {
                var value = bare[(colon + 1)..];
                if (value.Length == 0 && i < q.Length && q[i] == '"')
                {
                    // source:"Blog Vélo Vert": a channel's name with spaces.
                    var quoted = ReadPhrase(q, ref i, QueryTokenKind.Source, start, out error);
                    return quoted is null ? null : quoted with { Value = TextFolding.Fold(quoted.Value) };
                }
                if (value.Length == 0)
                {
                    error = new("bad_source", "source: takes a kind of channel or a channel's name, such as source:feed.", start);
                    return null;
                }
                return new(QueryTokenKind.Source, start, TextFolding.Fold(value));
            }
        }
        var star = bare.IndexOf('*', StringComparison.Ordinal);
        var prefix = star == bare.Length - 1;
        if (star >= 0 && !prefix)
        {
            error = new("bad_wildcard", "* goes at the end of a word only.", start + star);
            return null;
        }
        var word = prefix ? bare[..^1] : bare;
        if (prefix && (word.Length < TopicQuery.MinPrefix || TextFolding.Fold(word).Count(char.IsLetterOrDigit) < TopicQuery.MinPrefix))
        {
            error = new("short_wildcard", $"A word ending in * needs at least {TopicQuery.MinPrefix} letters before it.", start);
            return null;
        }
        if (QueryWords.Of(word).Count == 0)
        {
            error = new("no_word", $"\"{Shorten(bare)}\" holds no word to look for.", start);
            return null;
        }
        if (prefix && QueryWords.Of(word).Count != 1)
        {
            error = new("bad_wildcard", "* goes at the end of a single word.", start);
            return null;
        }
        return new(QueryTokenKind.Word, start, word, Prefix: prefix);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>The words of a query's term, folded and split exactly as a text's are (elisions, contractions, abbreviations).</summary>
internal static class QueryWords
{
    public static List<string> Of(string term)
    {
        var tokens = new TokenizedText();
        Tokenizer.Tokenize(term, tokens);
        var words = new List<string>(tokens.Count);
        for (var k = 0; k < tokens.Count; k++)
        {
            if (tokens[k].Kind is TokenKind.Word or TokenKind.Number or TokenKind.Hashtag)
            {
                words.Add(tokens.Norm(k).ToString());
            }
        }
        return words;
    }
}

/// <summary>
/// Recursive descent over the tokens: OR binds loosest, then AND (written or implied), then NOT, then NEAR. Depth is
/// bounded, so a query of a thousand parentheses is an error, not a stack overflow.
/// </summary>
internal sealed class QueryParser(string query, List<QueryToken> tokens)
{
    private int next;
    private int depth;
    private TopicQueryError? error;

    private QueryToken? Peek => next < tokens.Count ? tokens[next] : null;

    public QueryNode? Parse(out TopicQueryError? failure)
    {
        var root = ParseOr();
        if (root is not null && error is null && Peek is { } extra)
        {
            Fail(extra.Kind == QueryTokenKind.RightParen
                ? new("unbalanced", "This ) closes no (.", extra.Position)
                : new("unexpected", $"Unexpected {Describe(extra)}.", extra.Position));
        }
        failure = error;
        return error is null ? root : null;
    }

    private QueryNode? Fail(TopicQueryError e)
    {
        error ??= e;
        return null;
    }

    private QueryNode? ParseOr()
    {
        var first = ParseAnd();
        if (first is null)
        {
            return null;
        }
        List<QueryNode>? any = null;
        while (Peek is { Kind: QueryTokenKind.Or } or)
        {
            next++;
            var right = ParseAnd(after: or);
            if (right is null)
            {
                return null;
            }
            (any ??= [first]).Add(right);
        }
        return any is null ? first : new OrNode([.. any]);
    }

    private QueryNode? ParseAnd(QueryToken? after = null)
    {
        var first = ParseUnary(after);
        if (first is null)
        {
            return null;
        }
        List<QueryNode>? all = null;
        while (Peek is { } token && (token.Kind == QueryTokenKind.And || token.StartsOperand))
        {
            if (token.Kind == QueryTokenKind.And)
            {
                next++;
            }
            var right = ParseUnary(token.Kind == QueryTokenKind.And ? token : null);
            if (right is null)
            {
                return null;
            }
            (all ??= [first]).Add(right);
        }
        return all is null ? first : new AndNode([.. all]);
    }

    private QueryNode? ParseUnary(QueryToken? after)
    {
        if (Peek is { Kind: QueryTokenKind.Not } not)
        {
            next++;
            if (++depth > TopicQuery.MaxDepth)
            {
                return Fail(new("too_deep", $"The query nests deeper than {TopicQuery.MaxDepth} levels.", not.Position));
            }
            var operand = ParseUnary(not);
            depth--;
            return operand is null ? null : new NotNode(operand);
        }
        return ParseNear(after);
    }

    private QueryNode? ParseNear(QueryToken? after)
    {
        var left = ParsePrimary(after);
        if (left is null)
        {
            return null;
        }
        while (Peek is { Kind: QueryTokenKind.Near } near)
        {
            next++;
            if (Positional(left) is not { } a)
            {
                return Fail(new("bad_near", "NEAR joins two words or quoted phrases (or words joined by OR).", near.Position));
            }
            var right = ParsePrimary(near);
            if (right is null)
            {
                return null;
            }
            if (Positional(right) is not { } b)
            {
                return Fail(new("bad_near", "NEAR joins two words or quoted phrases (or words joined by OR).", near.Position));
            }
            if (Peek is { Kind: QueryTokenKind.Near } chained)
            {
                return Fail(new("bad_near", "NEAR joins two words or phrases; join more with AND.", chained.Position));
            }
            left = new NearNode(a, b, near.Distance);
        }
        return left;
    }

    /// <summary>A side of a NEAR: a word, a phrase, a prefix, or such terms joined by OR.</summary>
    private static PositionalNode? Positional(QueryNode node) => node switch
    {
        PositionalNode p => p,
        OrNode choice when choice.Children.Select(Positional).ToList() is var choices && choices.All(c => c is not null) => new AnyOfNode([.. choices!]),
        _ => null,
    };

    private QueryNode? ParsePrimary(QueryToken? after)
    {
        if (Peek is not { } token)
        {
            return Fail(after is null
                ? new("empty", "The query is empty: write at least one word.", query.Length)
                : new("missing_operand", $"{Describe(after)} needs something after it.", after.Position));
        }
        next++;
        switch (token.Kind)
        {
            case QueryTokenKind.LeftParen:
                {
                    if (++depth > TopicQuery.MaxDepth)
                    {
                        return Fail(new("too_deep", $"The query nests deeper than {TopicQuery.MaxDepth} levels.", token.Position));
                    }
                    if (Peek is { Kind: QueryTokenKind.RightParen } empty)
                    {
                        return Fail(new("empty_group", "These parentheses hold nothing.", token.Position));
                    }
                    if (Peek is null)
                    {
                        return Fail(new("unbalanced", "This ( is never closed.", token.Position));
                    }
                    var inner = ParseOr();
                    if (inner is null)
                    {
                        return null;
                    }
                    if (Peek is not { Kind: QueryTokenKind.RightParen })
                    {
                        return Fail(new("unbalanced", "This ( is never closed.", token.Position));
                    }
                    next++;
                    depth--;
                    return inner;
                }
            case QueryTokenKind.Word:
                return Word(token);
            case QueryTokenKind.Phrase:
                {
                    var words = QueryWords.Of(token.Value);
                    if (words.Count == 0)
                    {
                        return Fail(new("no_word", "These quotes hold no word to look for.", token.Position));
                    }
                    return words.Count == 1 ? new WordNode(SearchTerms.Stem(words[0])) : new PhraseNode([.. words.Select(SearchTerms.Stem)]);
                }
            case QueryTokenKind.Hashtag:
                return new HashtagNode(token.Value);
            case QueryTokenKind.Handle:
                return new HandleNode(token.Value);
            case QueryTokenKind.Language:
                return new LanguageNode(token.Value);
            case QueryTokenKind.Source:
                return new SourceNode(token.Value);
            case QueryTokenKind.RightParen:
                return Fail(after is null
                    ? new("unbalanced", "This ) closes no (.", token.Position)
                    : new("missing_operand", $"{Describe(after)} needs something after it.", after.Position));
            default:
                return Fail(after is null
                    ? new("missing_operand", $"{Describe(token)} needs something before it.", token.Position)
                    : new("missing_operand", $"{Describe(after)} needs something after it, not {Describe(token)}.", after.Position));
        }
    }

    private static QueryNode Word(QueryToken token)
    {
        var words = QueryWords.Of(token.Value);
        if (token.Prefix)
        {
            return new PrefixNode(words[0]);
        }
        // "l'appli" or "svp" read as several words, as the text is: a phrase.
        return words.Count == 1 ? new WordNode(SearchTerms.Stem(words[0])) : new PhraseNode([.. words.Select(SearchTerms.Stem)]);
    }

    private static string Describe(QueryToken token) => token.Kind switch
    {
        QueryTokenKind.And => "AND",
        QueryTokenKind.Or => "OR",
        QueryTokenKind.Not => "NOT",
        QueryTokenKind.Near => "NEAR",
        QueryTokenKind.LeftParen => "(",
        QueryTokenKind.RightParen => ")",
        _ => "a term",
    };
}
