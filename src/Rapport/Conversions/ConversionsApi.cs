using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport.Conversions;

public sealed record ConversionWindowRequest(int WindowDays);

/// <summary>The signed conversion webhook (anonymous: the signature is the authentication) and its settings for admins.</summary>
public static class ConversionsApi
{
    /// <summary>A conversion is a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static void Map(RouteGroupBuilder api, RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(workspace);
        api.MapPost("/conversions/{workspaceId:guid}", ReceiveAsync).AllowAnonymous()
            .WithSummary("Receives a purchase from the brand's shop, signed with the workspace's conversion secret (Rapport-Timestamp, Rapport-Signature).");
        workspace.MapGet("/conversions", ListAsync).WithSummary("Conversions received in a period (at most 1,000, newest first), with their attribution.");
        var settings = workspace.MapGroup("/conversions/settings").RequireAuthorization(Policies.Admin);
        settings.MapGet("", SettingsAsync).WithSummary("The conversion webhook's address, secret and attribution window (days).");
        settings.MapPut("", SetWindowAsync).WithSummary("Sets the attribution window: 1 to 90 days (7 by default).");
        settings.MapPost("/rotate", RotateAsync).WithSummary("Makes a new conversion secret; the old one stops working at once.");
    }

    private static async Task<Results<Created<ConversionDto>, Ok<ConversionDto>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(Guid workspaceId,
        HttpContext http, RapportDbContext db, ConversionService conversions, CancellationToken ct)
    {
        // The signature covers the exact bytes sent, so the body is read raw before any parsing.
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Conversion too large",
                    detail: $"A conversion is at most {MaxBodyBytes / 1024} KB of JSON.");
            }
            body.Write(buffer, 0, read);
        }
        var headers = http.Request.Headers;
        var result = await conversions.ReceiveAsync(db, workspaceId, body.GetBuffer().AsMemory(0, (int)body.Length),
            headers[EventSignature.TimestampHeader].FirstOrDefault(), headers[EventSignature.SignatureHeader].FirstOrDefault(), ct);
        return result.Outcome switch
        {
            ConversionOutcome.Created => TypedResults.Created($"/api/v1/workspaces/{workspaceId}/conversions/{result.Conversion!.Id}", result.Conversion),
            ConversionOutcome.AlreadyReceived => TypedResults.Ok(result.Conversion!),
            ConversionOutcome.Refused => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Conversion refused", detail: result.Message),
            ConversionOutcome.Invalid => Problems.Invalid(result.Field!, result.Message!),
            ConversionOutcome.UnknownLink => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unknown link",
                detail: result.Message, extensions: new Dictionary<string, object?> { ["field"] = result.Field }),
            _ => Problems.NotFound("Conversion webhook"),
        };
    }

    private static async Task<Ok<List<ConversionDto>>> ListAsync(DateTime? from, DateTime? to, RapportDbContext db, ConversionService conversions, TimeProvider clock,
        CancellationToken ct)
    {
        var end = to?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime.AddDays(1);
        return TypedResults.Ok(await conversions.ListAsync(db, from?.ToUniversalTime() ?? end.AddDays(-90), end, ct));
    }

    private static async Task<Ok<ConversionSettingsDto>> SettingsAsync(Guid workspaceId, RapportDbContext db, ConversionService conversions, CancellationToken ct) =>
        TypedResults.Ok(await conversions.SettingsAsync(db, workspaceId, ct));

    private static async Task<Results<Ok<ConversionSettingsDto>, ValidationProblem>> SetWindowAsync(Guid workspaceId, ConversionWindowRequest request, HttpContext http,
        RapportDbContext db, ConversionService conversions, CancellationToken ct)
    {
        var (saved, refused) = await conversions.SetWindowAsync(db, workspaceId, request.WindowDays, http.Member().UserId, http.User.Identity?.Name, ct);
        return saved is null ? Problems.Invalid(refused!) : TypedResults.Ok(saved);
    }

    private static async Task<Ok<ConversionSettingsDto>> RotateAsync(Guid workspaceId, HttpContext http, RapportDbContext db, ConversionService conversions,
        CancellationToken ct) =>
        TypedResults.Ok(await conversions.RotateSecretAsync(db, workspaceId, http.Member().UserId, http.User.Identity?.Name, ct));
}
