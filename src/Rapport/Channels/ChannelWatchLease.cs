using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Channels;

/// <summary>
/// Which node holds a channel's long-lived connection (IMAP IDLE, a stream), until when. The holder renews it while
/// the connection lives; once it expires (the node died or lost the database), another node takes the connection.
/// </summary>
public sealed class ChannelWatchLease
{
    public Guid ChannelId { get; set; }

    public required string Holder { get; set; }

    public DateTime ExpiresAt { get; set; }
}

public sealed class ChannelWatchLeaseConfiguration : IEntityTypeConfiguration<ChannelWatchLease>
{
    public void Configure(EntityTypeBuilder<ChannelWatchLease> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("ChannelWatchLeases");
        builder.HasKey(l => l.ChannelId);
        builder.Property(l => l.Holder).HasMaxLength(200);
        builder.HasOne<Channel>().WithMany().HasForeignKey(l => l.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Takes, renews and gives back channel leases, atomically on SQLite and PostgreSQL alike.</summary>
public static class ChannelWatchLeases
{
    /// <summary>
    /// Takes the lease for <paramref name="holder"/> (or renews it when already held) unless another holder's lease is
    /// still running. One conditional update, or one insert that the primary key makes unique: two nodes never both win.
    /// </summary>
    public static async Task<bool> TryTakeAsync(RapportDbContext db, Guid channelId, string holder, DateTime now, TimeSpan length, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var until = now + length;
        var leases = db.Set<ChannelWatchLease>();
        if (await leases.Where(l => l.ChannelId == channelId && (l.Holder == holder || l.ExpiresAt < now))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), ct) > 0)
        {
            return true;
        }
        if (await leases.AnyAsync(l => l.ChannelId == channelId, ct))
        {
            return false;
        }
        leases.Add(new ChannelWatchLease { ChannelId = channelId, Holder = holder, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another node inserted it at the same moment: theirs.
            return false;
        }
    }

    /// <summary>Gives back every lease this holder has, so another node takes the connections at once.</summary>
    public static Task ReleaseAllAsync(RapportDbContext db, string holder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<ChannelWatchLease>().Where(l => l.Holder == holder).ExecuteDeleteAsync(ct);
    }
}
