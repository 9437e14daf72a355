using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>What a saved reply's placeholders stand for in one conversation.</summary>
public sealed record PlaceholderValues(string ContactName, string AgentName, string WorkspaceName);

/// <summary>
/// Fills {{contact.name}}, {{agent.name}} and {{workspace.name}} in canned responses and macro replies. One pass over the
/// template: a value is plain text put in as it is, never read again for placeholders, and never HTML.
/// </summary>
public static partial class Placeholders
{
    public static readonly IReadOnlyList<string> Known = ["{{contact.name}}", "{{agent.name}}", "{{workspace.name}}"];

    public static string Fill(string template, PlaceholderValues values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        return Placeholder().Replace(template, m => m.Groups[1].Value.ToLowerInvariant() switch
        {
            "contact.name" => values.ContactName,
            "agent.name" => values.AgentName,
            "workspace.name" => values.WorkspaceName,
            // An unknown placeholder stays as written, so a typo shows instead of vanishing.
            _ => m.Value,
        });
    }

    /// <summary>The values for a conversation, as <paramref name="agentName"/> answers it; null when the conversation is not in the context's workspace.</summary>
    public static async Task<PlaceholderValues?> ForConversationAsync(RapportDbContext db, Guid conversationId, string agentName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var found = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => new { Contact = c.Contact!.DisplayName, c.WorkspaceId })
            .FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }
        var workspace = await db.Workspaces.AsNoTracking().Where(w => w.Id == found.WorkspaceId).Select(w => w.Name).FirstOrDefaultAsync(ct);
        return new PlaceholderValues(found.Contact, agentName, workspace ?? "");
    }

    [GeneratedRegex(@"\{\{\s*([a-zA-Z]+\.[a-zA-Z]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
