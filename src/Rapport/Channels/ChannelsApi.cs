using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Channels;

/// <summary>
/// A channel as the API shows it: settings yes, secrets never (only their names); its health and backlog.
/// <paramref name="Sandbox"/>: a demo channel, whose replies and posts are recorded as delivered without any network.
/// </summary>
public sealed record ChannelDto(Guid Id, string Name, ChannelKind Kind, ChannelDirection Direction, JsonElement Settings,
    IReadOnlyList<string> SecretNames, bool Paused, DateTime CreatedAt, DateTime? LastPolledAt, string? LastError, ChannelBacklog Backlog,
    long RefusedDeliveries = 0, DateTime? LastRefusedAt = null, bool Sandbox = false);

/// <summary>Secrets are write-only: send them here, they are encrypted and never returned.</summary>
public sealed record ChannelRequest([property: MaxLength(100)] string? Name, ChannelKind? Kind, ChannelDirection? Direction, JsonElement? Settings,
    Dictionary<string, string>? Secrets, bool? Paused);

public static class ChannelsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/channels", ListAsync).WithSummary("Channels, without their secrets.");
        workspace.MapGet("/channels/{channelId:guid}", GetAsync).WithSummary("One channel, without its secrets.");
        workspace.MapPost("/channels", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Connects a channel; secrets are encrypted at rest.");
        workspace.MapPatch("/channels/{channelId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes a channel's settings, secrets, or pauses it.");
        workspace.MapPost("/channels/{channelId:guid}/test", TestAsync).RequireAuthorization(Policies.Admin).WithSummary("Tests the channel's connection with its saved settings, storing nothing.");
        workspace.MapDelete("/channels/{channelId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Disconnects a channel that has carried no message or post and that no service level policy targets.");
    }

    private static async Task<Ok<List<ChannelDto>>> ListAsync(RapportDbContext db, ChannelSecrets secrets, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await ReadAllAsync(db, secrets, clock.GetUtcNow().UtcDateTime, ct));

    /// <summary>The workspace's channels by name, each with its backlog, as the API and Settings → Channels show them.</summary>
    public static async Task<List<ChannelDto>> ReadAllAsync(RapportDbContext db, ChannelSecrets secrets, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var channels = await db.Channels.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct);
        var backlog = await ChannelBacklog.ForChannelsAsync(db, now, ct);
        return [.. channels.Select(c => ToDto(c, secrets, backlog))];
    }

    private static async Task<Results<Ok<ChannelDto>, ProblemHttpResult>> GetAsync(
        Guid channelId, RapportDbContext db, ChannelSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Problems.NotFound("Channel");
        }
        var backlog = await ChannelBacklog.ForChannelsAsync(db, clock.GetUtcNow().UtcDateTime, ct, channelId);
        return TypedResults.Ok(ToDto(channel, secrets, backlog));
    }

    private static async Task<Results<Created<ChannelDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, ChannelRequest request, HttpContext http, RapportDbContext db, ChannelSecrets secrets, ChannelChanges changes, CancellationToken ct)
    {
        var change = await changes.ConnectAsync(db, http.Member(), http.User.Identity?.Name, request, ct);
        return change.Channel is { } channel
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/channels/{channel.Id}", ToDto(channel, secrets))
            : Problems.Invalid(change.Violations);
    }

    private static async Task<Results<Ok<ChannelDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid channelId, ChannelRequest request, HttpContext http, RapportDbContext db, ChannelSecrets secrets, ChannelChanges changes, TimeProvider clock,
        CancellationToken ct)
    {
        var change = await changes.ChangeAsync(db, http.Member(), http.User.Identity?.Name, channelId, request, ct);
        if (change.Channel is { } channel)
        {
            return TypedResults.Ok(ToDto(channel, secrets, await ChannelBacklog.ForChannelsAsync(db, clock.GetUtcNow().UtcDateTime, ct, channelId)));
        }
        return change.Violations.Count > 0 ? Problems.Invalid(change.Violations) : Problems.NotFound("Channel");
    }

    private static async Task<Results<Ok<ChannelTestResult>, ProblemHttpResult>> TestAsync(
        Guid channelId, RapportDbContext db, ChannelConnectionTest tester, CancellationToken ct)
    {
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Problems.NotFound("Channel");
        }
        return await tester.TestAsync(channel, ct) is { } result
            ? TypedResults.Ok(result)
            : Problems.Conflict("Nothing to test", $"{channel.Kind} channels have no connection to test: their messages come to Rapport.");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid channelId, HttpContext http, RapportDbContext db, ChannelChanges changes, CancellationToken ct)
    {
        var change = await changes.DisconnectAsync(db, http.Member(), http.User.Identity?.Name, channelId, ct);
        if (change.Saved)
        {
            return TypedResults.NoContent();
        }
        return change.Violations is [var refused, ..]
            ? Problems.Conflict("Channel in use", refused.Message)
            : Problems.NotFound("Channel");
    }

    /// <param name="c">The channel.</param>
    /// <param name="secrets">Reads the names of its secrets.</param>
    /// <param name="backlogs">Backlogs by channel (<see cref="ChannelBacklog.ForChannelsAsync"/>); a channel missing there has none.</param>
    public static ChannelDto ToDto(Channel c, ChannelSecrets secrets, IReadOnlyDictionary<Guid, ChannelBacklog>? backlogs = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(secrets);
        using var settings = JsonDocument.Parse(c.Settings);
        return new ChannelDto(c.Id, c.Name, c.Kind, c.Direction, settings.RootElement.Clone(),
            secrets.Unprotect(c.ProtectedSecrets).Keys.Order(StringComparer.Ordinal).ToList(), c.Paused, c.CreatedAt, c.LastPolledAt, c.LastError,
            backlogs?.GetValueOrDefault(c.Id) ?? ChannelBacklog.None)
        {
            // Webhook deliveries refused for their signature: counted, never the channel's error (anyone can send one).
            RefusedDeliveries = c.Kind == ChannelKind.Webhook ? Webhook.WebhookChannelState.Read(c.State).RefusedDeliveries : 0,
            LastRefusedAt = c.Kind == ChannelKind.Webhook ? Webhook.WebhookChannelState.Read(c.State).LastRefusedAt : null,
            Sandbox = c.Sandbox,
        };
    }
}
