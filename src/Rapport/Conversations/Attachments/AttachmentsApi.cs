using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Conversations.Attachments;

/// <summary>Downloads of the files that came with messages. Every member may read them, analysts included.</summary>
public static class AttachmentsApi
{
    public static void Map(RouteGroupBuilder workspace) =>
        workspace.MapGet("/conversations/{conversationId:guid}/messages/{messageId:guid}/attachments/{attachmentId:guid}", DownloadAsync)
            .WithSummary("Downloads a message's attachment, always as a file to save (never shown in the browser).");

    /// <summary>The link a page offers for one attachment.</summary>
    public static string Url(Guid workspaceId, Guid conversationId, Guid messageId, Guid attachmentId) =>
        $"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/messages/{messageId}/attachments/{attachmentId}";

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadAsync(
        Guid conversationId, Guid messageId, Guid attachmentId, HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        // Scoped to the workspace by the query filter, and to the conversation the message is in now (merges move messages).
        var file = await db.MessageAttachments
            .Where(a => a.Id == attachmentId && a.MessageId == messageId && db.Messages.Any(m => m.Id == messageId && m.ConversationId == conversationId))
            .Select(a => new { a.FileName, a.ContentType, a.Content, a.NotKeptReason })
            .FirstOrDefaultAsync(ct);
        if (file is null)
        {
            return Problems.NotFound("Attachment");
        }
        if (file.Content is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Attachment not kept",
                detail: $"{file.FileName} was listed with its message but not kept ({file.NotKeptReason}).");
        }
        // The sender chose the bytes: the browser must save them, never guess a type or run them in Rapport's origin.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(file.Content, AttachmentFiles.ServedContentType(file.ContentType), file.FileName);
    }
}
