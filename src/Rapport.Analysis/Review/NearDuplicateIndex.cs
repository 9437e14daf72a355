using System.Numerics;
using System.Runtime.Intrinsics;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Review;

/// <summary>The closest past post and its estimated similarity (Jaccard of character shingles, 0 to 1).</summary>
public sealed record NearDuplicateMatch(string Id, double Similarity);

/// <summary>
/// Near-duplicate detection of posts with MinHash over character 5-gram shingles of the folded text
/// (case, accents, punctuation, URLs and extra spaces ignored). <see cref="FindNearDuplicate"/> compares a text only with
/// the posts that share a band of its signature (locality-sensitive hashing: 4 hashes a band), so a review against
/// 100,000 past posts reads a few thousand of them; a post of similarity 0.6 shares a band with probability 0.99 (with
/// 128 hashes), 0.7 with 0.9999. Thread-safe.
/// </summary>
public sealed class NearDuplicateIndex
{
    /// <summary>Similarity from which a post counts as a near duplicate.</summary>
    public const double DefaultThreshold = 0.6;

    private readonly int _hashes;
    private readonly int _shingle;
    private readonly ulong[] _seeds;
    private const int RowsPerBand = 4;

    private readonly List<(string Id, uint[] Signature)> _entries = [];
    private readonly int _bands;
    // One chain per band value: the band's key gives the last slot (entry * bands + band) that had it, and each slot
    // the one before it, so a band of a million posts costs two ints each and no list of its own.
    private readonly Dictionary<ulong, int> _bandHeads = [];
    private readonly List<int> _previousSlot = [];
    private readonly Lock _lock = new();

    public NearDuplicateIndex(int hashes = 128, int shingleLength = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(shingleLength, 2);
        _hashes = hashes;
        _bands = hashes / RowsPerBand;
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
            var entry = _entries.Count;
            _entries.Add((id, signature));
            for (var band = 0; band < _bands; band++)
            {
                var key = BandKey(signature, band);
                _previousSlot.Add(_bandHeads.TryGetValue(key, out var previous) ? previous : -1);
                _bandHeads[key] = entry * _bands + band;
            }
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

    /// <summary>
    /// The closest post when its similarity is at least <paramref name="threshold"/>, else null. Only the posts sharing a
    /// band with the text are compared (see the class), which is what makes it fast on a large index.
    /// </summary>
    public NearDuplicateMatch? FindNearDuplicate(string text, double threshold = DefaultThreshold)
    {
        var signature = Signature(text ?? string.Empty);
        if (signature.All(v => v == uint.MaxValue))
        {
            return null;
        }
        NearDuplicateMatch? best;
        var bestEntry = -1;
        var bestSame = -1;
        lock (_lock)
        {
            // One bit per post: a post met in several bands is compared once.
            var seen = new ulong[(_entries.Count + 63) / 64];
            for (var band = 0; band < _bands; band++)
            {
                if (!_bandHeads.TryGetValue(BandKey(signature, band), out var slot))
                {
                    continue;
                }
                for (; slot >= 0; slot = _previousSlot[slot])
                {
                    var entry = slot / _bands;
                    ref var word = ref seen[entry >> 6];
                    var bit = 1UL << (entry & 63);
                    if ((word & bit) != 0)
                    {
                        continue;
                    }
                    word |= bit;
                    var same = Same(signature, _entries[entry].Signature);
                    if (same > bestSame)
                    {
                        (bestEntry, bestSame) = (entry, same);
                    }
                }
            }
            best = bestEntry < 0 ? null : new NearDuplicateMatch(_entries[bestEntry].Id, Math.Round((double)bestSame / _hashes, 3));
        }
        return best is not null && best.Similarity >= threshold ? best : null;
    }

    /// <summary>How many of two signatures' hashes agree, 8 at a time.</summary>
    private static int Same(uint[] a, uint[] b)
    {
        var same = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<uint>.Count <= a.Length; i += Vector256<uint>.Count)
            {
                var equal = Vector256.Equals(Vector256.Create(a, i), Vector256.Create(b, i));
                same += BitOperations.PopCount(equal.ExtractMostSignificantBits());
            }
        }
        for (; i < a.Length; i++)
        {
            same += a[i] == b[i] ? 1 : 0;
        }
        return same;
    }

    private static ulong BandKey(uint[] signature, int band)
    {
        // FNV-1a over the band's number and its four values; two bands that collide only add a candidate.
        var hash = 14695981039346656037UL ^ (ulong)band;
        for (var i = band * RowsPerBand; i < (band + 1) * RowsPerBand; i++)
        {
            hash = (hash ^ signature[i]) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>Estimated similarity of two texts, without an index.</summary>
    public double Compare(string a, string b) => Similarity(Signature(a ?? string.Empty), Signature(b ?? string.Empty));

    private static double Similarity(uint[] a, uint[] b) =>
        a.All(v => v == uint.MaxValue) && b.All(v => v == uint.MaxValue) ? 0 : Math.Round((double)Same(a, b) / a.Length, 3);

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
