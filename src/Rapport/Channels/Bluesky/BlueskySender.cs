using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Channels.Bluesky;

/// <summary>
/// Delivers replies and new posts of Bluesky channels as posts made with <c>com.atproto.repo.createRecord</c>: threaded under the
/// customer's post (reply references with the cid from its stored notification, or from <c>app.bsky.feed.getPosts</c>),
/// links and @mentions turned into facets. The record key comes from the outbox item (<see cref="BlueskyRecordKey"/>),
/// so an attempt after a crash finds the post it made and reports it sent instead of posting twice.
/// </summary>
public sealed class BlueskySender(BlueskyConnector connector, RapportDbContextFactory factory) : IChannelSender
{
    public const string PostCollection = "app.bsky.feed.post";

    /// <summary>Bluesky's limit on a post's text, in graphemes (what a reader counts as characters).</summary>
    public const int MaxGraphemes = 300;

    public async Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var payload = ReplyPayload.Of(delivery.Item);
        if (payload.InReplyToExternalId is not { } parent || !parent.StartsWith("at://", StringComparison.Ordinal))
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.NoBlueskyPost"));
        }
        return await PostAsync(delivery.Item, delivery.Channel, payload.Text, delivery.Conversation.Language, parent, delivery.Now, cancellationToken);
    }

    /// <summary>A new post of the brand: the same record, facets and record key, without reply references.</summary>
    public Task<SendOutcome> PublishAsync(PostDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return PostAsync(delivery.Item, delivery.Channel, delivery.Post.Text, delivery.Post.Language, replyTo: null, delivery.Now, cancellationToken);
    }

    private async Task<SendOutcome> PostAsync(OutboxItem item, Channel channel, string text, string? language, string? replyTo, DateTime now, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.EmptyBlueskyPost"));
        }
        var length = new StringInfo(text).LengthInTextElements;
        if (length > MaxGraphemes)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.BlueskyTooLong", MaxGraphemes, length));
        }
        try
        {
            var client = connector.Open(channel);
            var session = await client.SignInAsync(ct);
            var rkey = BlueskyRecordKey.For(item);
            if (item.Attempts > 1 && await ExistingAsync(client, session.Did, rkey, ct) is { } earlier)
            {
                // An earlier attempt reached Bluesky but its answer never got recorded (a crash, a timeout).
                return SendOutcome.Sent(earlier);
            }
            var record = new JsonObject
            {
                ["$type"] = PostCollection,
                ["text"] = text,
                ["createdAt"] = DateTime.SpecifyKind(now, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            };
            if (language is { Length: 2 or 3 } && language.All(char.IsAsciiLetterLower))
            {
                record["langs"] = new JsonArray(language);
            }
            if (await FacetsAsync(client, text, ct) is { Count: > 0 } facets)
            {
                record["facets"] = facets;
            }
            if (replyTo is not null)
            {
                record["reply"] = await ReplyReferencesAsync(client, channel.Id, replyTo, ct);
            }
            try
            {
                var created = await client.ProcedureAsync("com.atproto.repo.createRecord", new JsonObject
                {
                    ["repo"] = session.Did,
                    ["collection"] = PostCollection,
                    ["rkey"] = rkey,
                    ["record"] = record,
                }, ct);
                return SendOutcome.Sent(ChannelJson.Text(created, "uri"));
            }
            catch (BlueskyException e) when (!e.Transient)
            {
                // The key may be taken by this very item's post (an attempt whose answer was lost): sent, once.
                return await ExistingAsync(client, session.Did, rkey, ct) is { } collided ? SendOutcome.Sent(collided) : SendOutcome.Failed(e.Message);
            }
        }
        catch (BlueskyException e)
        {
            return e.Transient ? SendOutcome.Retry(e.Message, e.RetryAfter) : SendOutcome.Failed(e.Message);
        }
    }

    /// <summary>The uri of the post already at this key, or null when there is none.</summary>
    private static async Task<string?> ExistingAsync(BlueskyClient client, string did, string rkey, CancellationToken ct)
    {
        try
        {
            var found = await client.QueryAsync("com.atproto.repo.getRecord", [new("repo", did), new("collection", PostCollection), new("rkey", rkey)], ct);
            return ChannelJson.Text(found, "uri");
        }
        catch (BlueskyException e) when (!e.Transient)
        {
            // RecordNotFound: nothing there yet.
            return null;
        }
    }

    /// <summary>
    /// <c>{root, parent}</c>, each a uri and cid: the parent is the customer's post; the root is its thread's first
    /// post (its own reply root), or the parent itself when it started the thread.
    /// </summary>
    private async Task<JsonObject> ReplyReferencesAsync(BlueskyClient client, Guid channelId, string parentUri, CancellationToken ct)
    {
        string? raw;
        await using (var db = factory.CreateDbContext())
        {
            raw = await db.Messages.IgnoreQueryFilters()
                .Where(m => m.ChannelId == channelId && m.ExternalId == parentUri)
                .Select(m => m.RawPayload)
                .FirstOrDefaultAsync(ct);
        }
        var post = Post(raw);
        if (post is null || ChannelJson.Text(post.Value, "cid") is null)
        {
            var found = await client.QueryAsync("app.bsky.feed.getPosts", [new("uris", parentUri)], ct);
            post = found.TryGetProperty("posts", out var posts) && posts.ValueKind == JsonValueKind.Array && posts.GetArrayLength() > 0 ? posts[0] : null;
        }
        if (post is not { } parent || ChannelJson.Text(parent, "cid") is not { } parentCid)
        {
            throw new BlueskyException("The post this reply answers is no longer on Bluesky (deleted, or its author's account is gone).", transient: false);
        }
        var parentReference = new JsonObject { ["uri"] = parentUri, ["cid"] = parentCid };
        var root = parent.TryGetProperty("record", out var record) && record.ValueKind == JsonValueKind.Object
            && record.TryGetProperty("reply", out var reply) && reply.ValueKind == JsonValueKind.Object
            && reply.TryGetProperty("root", out var r) && r.ValueKind == JsonValueKind.Object
            && ChannelJson.Text(r, "uri") is { } rootUri && ChannelJson.Text(r, "cid") is { } rootCid
                ? new JsonObject { ["uri"] = rootUri, ["cid"] = rootCid }
                : parentReference.DeepClone();
        return new JsonObject { ["root"] = root, ["parent"] = parentReference };
    }

    /// <summary>The stored notification (or post view): both carry the post's uri, cid and record.</summary>
    private static JsonElement? Post(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(raw);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Link facets, and mention facets for the handles that resolve to an account (the others stay plain text).</summary>
    private static async Task<JsonArray> FacetsAsync(BlueskyClient client, string text, CancellationToken ct)
    {
        var facets = new JsonArray();
        foreach (var link in BlueskyRichText.Links(text))
        {
            facets.Add(Facet(link, new JsonObject { ["$type"] = "app.bsky.richtext.facet#link", ["uri"] = link.Value }));
        }
        foreach (var mention in BlueskyRichText.Mentions(text))
        {
            string? did;
            try
            {
                did = ChannelJson.Text(await client.QueryAsync("com.atproto.identity.resolveHandle", [new("handle", mention.Value)], ct), "did");
            }
            catch (BlueskyException e) when (!e.Transient)
            {
                did = null;
            }
            if (did is not null)
            {
                facets.Add(Facet(mention, new JsonObject { ["$type"] = "app.bsky.richtext.facet#mention", ["did"] = did }));
            }
        }
        return facets;
    }

    private static JsonObject Facet(BlueskySpan span, JsonObject feature) => new()
    {
        ["index"] = new JsonObject { ["byteStart"] = span.ByteStart, ["byteEnd"] = span.ByteEnd },
        ["features"] = new JsonArray(feature),
    };
}
