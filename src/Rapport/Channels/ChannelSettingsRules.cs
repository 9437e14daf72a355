using System.Text.Json;
using System.Text.Json.Nodes;
using Rapport.Channels.Email;
using Rapport.Workspaces;

namespace Rapport.Channels;

/// <summary>
/// What each kind of channel needs in its settings before it can connect: the fields it cannot work without and the
/// shape of the others (an address, a host, a port). The API and the settings form check the same rules, and the form
/// shows each violation next to its field (<see cref="RuleViolation.Field"/> is <c>settings.NAME</c>).
/// </summary>
public static class ChannelSettingsRules
{
    public const int MaxPollMinutes = 24 * 60;
    public const int MaxText = 320;
    public const int MaxUrl = 2048;
    /// <summary>Hashtags or searches one listening channel reads; each is a request per poll.</summary>
    public const int MaxListened = 50;

    /// <summary>Every violation of <paramref name="settings"/> (a JSON object) for a channel of <paramref name="kind"/>.</summary>
    public static IReadOnlyList<RuleViolation> Check(ChannelKind kind, string settings)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(string.IsNullOrWhiteSpace(settings) ? "{}" : settings) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return []; // The generic rule reports JSON that is not an object.
        }
        var check = new Checks(root);
        switch (kind)
        {
            case ChannelKind.Email:
                check.Host("imapHost", required: true);
                check.Port("imapPort");
                check.OneOf("imapSecurity", Enum.GetNames<MailSecurity>());
                check.Text("username", required: true);
                check.Text("folder");
                check.Minutes("pollMinutes");
                check.Host("smtpHost");
                check.Port("smtpPort");
                check.OneOf("smtpSecurity", Enum.GetNames<MailSecurity>());
                check.Text("smtpUsername");
                check.Address("fromAddress");
                check.Text("fromName");
                break;
            case ChannelKind.Feed:
                check.Url("url", required: true);
                check.Minutes("pollMinutes");
                break;
            case ChannelKind.Mastodon:
                check.MastodonInstance("instanceUrl");
                check.OneOf("replyVisibility", [Mastodon.MastodonSender.Public, Mastodon.MastodonSender.Unlisted]);
                check.Minutes("pollMinutes");
                check.Words("hashtags");
                check.Words("searchTerms");
                break;
            case ChannelKind.Bluesky:
                check.Url("serviceUrl");
                check.Text("identifier", required: true);
                check.Minutes("pollMinutes");
                check.Words("searchTerms");
                check.Text("language");
                break;
            case ChannelKind.Webhook:
                check.Url("callbackUrl");
                check.Text("network");
                break;
            case ChannelKind.Chat:
                if (Chat.ChatSettings.Check(root) is { } chat)
                {
                    check.Violations.Add(chat);
                }
                break;
        }
        return check.Violations;
    }

    /// <summary>The secrets a channel of <paramref name="kind"/> cannot work without.</summary>
    private static IReadOnlyList<string> RequiredSecrets(ChannelKind kind, ChannelDirection direction) => kind switch
    {
        ChannelKind.Email => [EmailChannelSettings.PasswordSecret],
        // Listening reads public hashtag timelines and search, which most instances answer without a token.
        ChannelKind.Mastodon when direction == ChannelDirection.Listening => [],
        ChannelKind.Mastodon => [Mastodon.MastodonChannelSettings.AccessTokenSecret],
        ChannelKind.Bluesky => [Bluesky.BlueskyChannelSettings.AppPasswordSecret],
        ChannelKind.Webhook => [Webhook.WebhookSignature.SecretName],
        _ => [],
    };

    /// <summary>A violation (field <c>secrets.NAME</c>) for each required secret the channel would be left without.</summary>
    public static IEnumerable<RuleViolation> CheckSecrets(ChannelKind kind, IReadOnlyCollection<string> secretNames, ChannelDirection direction = ChannelDirection.Inbox) =>
        RequiredSecrets(kind, direction).Where(name => !secretNames.Contains(name))
            .Select(name => new RuleViolation("secrets." + name, "Validation.Required", $"The secret {name} is required."));

    /// <summary>The checks of one settings object, collecting every violation rather than stopping at the first.</summary>
    private sealed class Checks(JsonObject root)
    {
        public List<RuleViolation> Violations { get; } = [];

        public void Url(string name, bool required = false)
        {
            if (String(name, required, MaxUrl) is { } text
                && !(Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                    && string.IsNullOrEmpty(uri.UserInfo)))
            {
                Add(name, "Validation.Url", $"{name} is an absolute https:// (or http://) address, such as https://www.example.com/feed.xml.");
            }
        }

        /// <summary>What the Mastodon adapter accepts: an http(s) address or a bare server name, https:// then implied.</summary>
        public void MastodonInstance(string name)
        {
            if (String(name, required: true, MaxUrl) is not { } text)
            {
                return;
            }
            try
            {
                Mastodon.MastodonChannelSettings.Instance(text, allowHttp: true);
            }
            catch (Mastodon.MastodonException)
            {
                Add(name, "Validation.Url", $"{name} is the server's address, such as https://mastodon.social or mastodon.social.");
            }
        }

        public void Host(string name, bool required = false)
        {
            if (String(name, required) is { } text && Uri.CheckHostName(text.Trim()) == UriHostNameType.Unknown)
            {
                Add(name, "Validation.Host", $"{name} is a server name such as imap.example.com, without a scheme or a port.");
            }
        }

        public void Port(string name)
        {
            if (root[name] is { } value && !(value is JsonValue number && number.TryGetValue<int>(out var port) && port is > 0 and <= 65535))
            {
                Add(name, "Validation.Port", $"{name} is a port number from 1 to 65535.");
            }
        }

        public void Minutes(string name)
        {
            if (root[name] is { } value && !(value is JsonValue number && number.TryGetValue<int>(out var minutes) && minutes is > 0 and <= MaxPollMinutes))
            {
                Add(name, "Validation.PollMinutes", $"{name} is a number of minutes from 1 to {MaxPollMinutes}.");
            }
        }

        public void OneOf(string name, string[] allowed)
        {
            if (String(name, required: false) is { } text && !allowed.Contains(text, StringComparer.OrdinalIgnoreCase))
            {
                Add(name, "Validation.Choice", $"{name} is one of: {string.Join(", ", allowed)}.");
            }
        }

        public void Text(string name, bool required = false) => String(name, required);

        public void Address(string name)
        {
            if (String(name, required: false) is { } text && !System.Net.Mail.MailAddress.TryCreate(text.Trim(), out _))
            {
                Add(name, "Validation.Email", $"{name} is an e-mail address.");
            }
        }

        /// <summary>A listening channel's hashtags or searches: a list of at most <see cref="MaxListened"/> texts of at most <see cref="MaxText"/> characters.</summary>
        public void Words(string name)
        {
            var node = root[name];
            if (node is null)
            {
                return;
            }
            if (node is not JsonArray items || items.Count > MaxListened
                || items.Any(i => i is not JsonValue v || !v.TryGetValue<string>(out var text) || text.Length > MaxText))
            {
                Add(name, "Validation.ListenedWords", $"{name} is a list of at most {MaxListened} texts of at most {MaxText} characters.");
            }
        }

        /// <summary>The setting's text when it is one; a violation when it is required and missing, too long, or not text.</summary>
        private string? String(string name, bool required, int max = MaxText)
        {
            var node = root[name];
            if (node is null || (node is JsonValue empty && empty.TryGetValue<string>(out var blank) && string.IsNullOrWhiteSpace(blank)))
            {
                if (required)
                {
                    Add(name, "Validation.Required", $"{name} is required.");
                }
                return null;
            }
            if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length > max)
            {
                Add(name, "Validation.Text", $"{name} is text of at most {max} characters.");
                return null;
            }
            return text;
        }

        private void Add(string name, string code, string message) => Violations.Add(new RuleViolation("settings." + name, code, message));
    }
}
