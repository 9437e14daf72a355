using System.Numerics.Tensors;

namespace Rapport.Analysis.Meaning;

/// <summary>Unit vectors: their dot product is their cosine.</summary>
public static class Vectors
{
    /// <summary>Scales <paramref name="vector"/> in place to unit length (a zero vector stays zero) and returns it.</summary>
    public static float[] Normalize(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
        return vector;
    }

    /// <summary>The cosine of two unit vectors (0 when either is empty or zero).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        a.Length == 0 || a.Length != b.Length ? 0 : TensorPrimitives.Dot(a, b);
}
