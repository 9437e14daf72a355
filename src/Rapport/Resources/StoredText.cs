using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Localization;

namespace Rapport.Resources;

/// <summary>
/// Sentences Rapport stores as English text because the API and the command line give them as they are (an import
/// row's reason, a run's failure): each is made from an English resource named "Stored.…", so a page can recognise a
/// stored sentence and tell it in the reader's language, its values kept. A sentence made otherwise (an older
/// version's) is shown as stored.
/// </summary>
public sealed partial class StoredText(IStringLocalizer<Strings> l)
{
    private const string Prefix = "Stored.";
    private static readonly ResourceManager Resources = new("Rapport.Resources.Strings", typeof(Strings).Assembly);

    private static readonly Lazy<IReadOnlyList<(string Key, Regex Pattern)>> Patterns = new(() =>
        Resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith(Prefix, StringComparison.Ordinal))
            .Select(e => ((string)e.Key, (string)e.Value!))
            // The longest template first: the most specific sentence wins.
            .OrderByDescending(e => e.Item2.Length)
            .Select(e => (e.Item1, new Regex("^" + Placeholder().Replace(Regex.Escape(e.Item2).Replace(@"\{", "{", StringComparison.Ordinal),
                m => $"(?<a{m.Groups[1].Value}>.*?)") + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200))))
            .ToList());

    /// <summary>The sentence to store: the English resource <paramref name="key"/> with its values.</summary>
    public static string English(string key, params object?[] values)
    {
        var template = Resources.GetString(key, CultureInfo.InvariantCulture) ?? throw new ArgumentException($"No resource '{key}'.", nameof(key));
        return string.Format(CultureInfo.InvariantCulture, template, values);
    }

    /// <summary>
    /// A stored sentence in the reader's language, or as stored when it is not one of ours; a value that is itself one
    /// of ours (the error inside "Attempt 2 failed (…)") is told too.
    /// </summary>
    public string? Translate(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return stored;
        }
        foreach (var (key, pattern) in Patterns.Value)
        {
            var match = pattern.Match(stored);
            if (match.Success)
            {
                var values = match.Groups.Cast<Group>().Where(g => g.Name.StartsWith('a'))
                    .OrderBy(g => int.Parse(g.Name[1..], CultureInfo.InvariantCulture)).Select(g => (object)Value(g.Value)).ToArray();
                return l[key, values];
            }
        }
        return stored;
    }

    /// <summary>A value inside a stored sentence: a sentence of ours, or a channel kind kept by its name ("Api"), in words.</summary>
    private string Value(string value) =>
        Enum.TryParse<Channels.ChannelKind>(value, out var kind) && Enum.IsDefined(kind) && kind.ToString() == value
            ? l["ChannelKind." + value]
            : Translate(value) ?? value;

    [GeneratedRegex(@"\{(\d+)\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Placeholder();
}
