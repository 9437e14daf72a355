using System.Numerics;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Review;

/// <summary>The closest past post and its estimated similarity (Jaccard of character shingles, 0 to 1).</summary>
public sealed record NearDuplicateMatch(string Id, double Similarity);

/// <summary>
/// Near-duplicate detection of posts with MinHash over character 5-gram shingles of the folded text
/// (case, accents, punctuation, URLs and extra spaces ignored). Thread-safe.
/// </summary>
public sealed class NearDuplicateIndex
{
    /// <summary>Similarity from which a post counts as a near duplicate.</summary>
    public const double DefaultThreshold = 0.6;

    private readonly int _hashes;
    private readonly int _shingle;
    private readonly ulong[] _seeds;
    private readonly List<(string Id, uint[] Signature)> _entries = [];
    private readonly Lock _lock = new();

    public NearDuplicateIndex(int hashes = 128, int shingleLength = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(shingleLength, 2);
        _hashes = hashes;
        _shingle = shingleLength;
        var random = new Random(20240611);
        _seeds = new ulong[hashes];
        for (var i = 0; i < hashes; i++)
        {
            _seeds[i] = (ulong)random.NextInt64() | 1UL;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public void Add(string id, string text)
    {
        ArgumentNullException.ThrowIfNull(id);
        var signature = Signature(text ?? string.Empty);
        lock (_lock)
        {
            _entries.Add((id, signature));
        }
    }

    /// <summary>The most similar post in the index, or null when the index is empty.</summary>
    public NearDuplicateMatch? FindClosest(string text, string? excludeId = null)
    {
        var signature = Signature(text ?? string.Empty);
        (string Id, uint[] Signature)[] entries;
        lock (_lock)
        {
            entries = [.. _entries];
        }
        NearDuplicateMatch? best = null;
        foreach (var (id, other) in entries)
        {
            if (id == excludeId)
            {
                continue;
            }
            var s = Similarity(signature, other);
            if (best is null || s > best.Similarity)
            {
                best = new NearDuplicateMatch(id, s);
            }
        }
        return best;
    }

    /// <summary>The closest post when its similarity is at least <paramref name="threshold"/>, else null.</summary>
    public NearDuplicateMatch? FindNearDuplicate(string text, double threshold = DefaultThreshold)
    {
        var m = FindClosest(text);
        return m is not null && m.Similarity >= threshold ? m : null;
    }

    /// <summary>Estimated similarity of two texts, without an index.</summary>
    public double Compare(string a, string b) => Similarity(Signature(a ?? string.Empty), Signature(b ?? string.Empty));

    private static double Similarity(uint[] a, uint[] b)
    {
        var same = 0;
        var empty = true;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                same++;
            }
            if (a[i] != uint.MaxValue || b[i] != uint.MaxValue)
            {
                empty = false;
            }
        }
        return empty ? 0 : Math.Round((double)same / a.Length, 3);
    }

    internal uint[] Signature(string text)
    {
        var normalized = Normalize(text);
        var signature = new uint[_hashes];
        Array.Fill(signature, uint.MaxValue);
        if (normalized.Length == 0)
        {
            return signature;
        }
        var n = Math.Min(_shingle, normalized.Length);
        for (var k = 0; k + n <= normalized.Length; k++)
        {
            var h = (ulong)Features.Featurizer.Hash(11, normalized.AsSpan(k, n));
            for (var i = 0; i < _hashes; i++)
            {
                var v = (uint)(BitOperations.RotateLeft((h + 0x9E3779B97F4A7C15UL) * _seeds[i], 29) >> 32);
                if (v < signature[i])
                {
                    signature[i] = v;
                }
            }
        }
        return signature;
    }

    private static string Normalize(string text)
    {
        if (text.Length > 20_000)
        {
            text = text[..20_000];
        }
        var folded = TextFolding.Fold(text);
        var chars = new char[folded.Length];
        var n = 0;
        var space = true;
        var i = 0;
        while (i < folded.Length)
        {
            if (folded.AsSpan(i).StartsWith("http", StringComparison.Ordinal))
            {
                while (i < folded.Length && !char.IsWhiteSpace(folded[i]))
                {
                    i++;
                }
                continue;
            }
            var c = folded[i++];
            if (char.IsLetterOrDigit(c))
            {
                chars[n++] = c;
                space = false;
            }
            else if (!space)
            {
                chars[n++] = ' ';
                space = true;
            }
        }
        return new string(chars, 0, n).Trim();
    }
}
