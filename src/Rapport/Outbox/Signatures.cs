using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Workspaces;

namespace Rapport.Outbox;

/// <summary>A member's sign-off, appended to their replies the way e-mail clients do (after "-- ").</summary>
public static class Signatures
{
    public const int MaxLength = 500;

    /// <summary>The reply with the signature under it, unless there is none or the agent already wrote it.</summary>
    public static string Append(string reply, string? signature)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (string.IsNullOrWhiteSpace(signature))
        {
            return reply;
        }
        var trimmed = signature.Trim();
        return reply.TrimEnd().EndsWith(trimmed, StringComparison.Ordinal) ? reply : reply.TrimEnd() + "\n\n-- \n" + trimmed;
    }
}

internal sealed class MembershipSignatureConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> builder) => builder.Property(m => m.Signature).HasMaxLength(Signatures.MaxLength);
}
