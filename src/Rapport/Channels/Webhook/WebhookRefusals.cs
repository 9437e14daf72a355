using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Channels.Webhook;

/// <summary>
/// What a webhook channel remembers, kept in <see cref="Channel.State"/>: how many deliveries were refused for their
/// signature (missing, wrong, or no secret set), and when the last one was.
/// </summary>
public sealed record WebhookChannelState
{
    public long RefusedDeliveries { get; init; }
    public DateTime? LastRefusedAt { get; init; }

    public static WebhookChannelState Read(string? json) => ChannelJson.Read<WebhookChannelState>(json) ?? new WebhookChannelState();

    public string Write() => System.Text.Json.JsonSerializer.Serialize(this, ChannelJson.Options);
}

/// <summary>
/// Counts deliveries refused for their signature. Anyone who knows a channel's address can send one, so a refusal
/// must not change what admins read as the channel's error (which could then say anything the sender likes, or hide
/// a real one): it only adds to a counter, written to the database at most once a minute per channel so a flood of
/// forgeries costs one write a minute. Counts between two writes are kept in memory and go with the next write.
/// </summary>
public sealed class WebhookRefusals(TimeProvider clock)
{
    public static readonly TimeSpan WriteInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, Tally> tallies = new();

    public async Task CountAsync(RapportDbContext db, Guid channelId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var tally = tallies.GetOrAdd(channelId, _ => new Tally());
        Interlocked.Increment(ref tally.Pending);
        var now = clock.GetUtcNow();
        if (now - tally.LastWrite < WriteInterval || Interlocked.Exchange(ref tally.Writing, 1) == 1)
        {
            return;
        }
        try
        {
            var counted = Interlocked.Exchange(ref tally.Pending, 0);
            var stored = await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channelId).Select(c => c.State).FirstOrDefaultAsync(ct);
            var state = WebhookChannelState.Read(stored);
            var updated = (state with { RefusedDeliveries = state.RefusedDeliveries + counted, LastRefusedAt = now.UtcDateTime }).Write();
            await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.State, updated), ct);
            tally.LastWrite = now;
        }
        finally
        {
            Volatile.Write(ref tally.Writing, 0);
        }
    }

    private sealed class Tally
    {
        public long Pending;
        public DateTimeOffset LastWrite = DateTimeOffset.MinValue;
        public int Writing;
    }
}
