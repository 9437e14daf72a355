using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Contacts;

public sealed record ContactIdentityDto(Guid ChannelId, string Handle, string? DisplayName);
public sealed record ContactDto(Guid Id, string DisplayName, string? Email, string? Language, bool IsVip, DateTime CreatedAt, IReadOnlyList<ContactIdentityDto> Identities);

public static class ContactsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/contacts", ListAsync).WithSummary("Contacts, newest first; q searches names, e-mails and handles.");
        workspace.MapGet("/contacts/{contactId:guid}", GetAsync).WithSummary("One contact with their handles on every channel.");
    }

    private static async Task<Results<Ok<Page<ContactDto>>, ValidationProblem>> ListAsync(RapportDbContext db, string? q, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Cursor.Limit(limit);
        var query = db.Contacts.Where(c => c.MergedIntoId == null);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var term = q.Trim().ToLowerInvariant();
            query = query.Where(c => c.DisplayName.ToLower().Contains(term) || (c.Email != null && c.Email.ToLower().Contains(term))
                || c.Identities.Any(i => i.Handle.ToLower().Contains(term)));
        }
        if (cursor is not null)
        {
            if (!Cursor.TryDecode(cursor, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(c => c.CreatedAt < at || (c.CreatedAt == at && c.Id.CompareTo(id) < 0));
        }
        var items = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(take + 1)
            .Select(c => new ContactDto(c.Id, c.DisplayName, c.Email, c.Language, c.IsVip, c.CreatedAt,
                c.Identities.Select(i => new ContactIdentityDto(i.ChannelId, i.Handle, i.DisplayName)).ToList()))
            .ToListAsync(ct);
        var next = items.Count > take ? Cursor.Encode(items[take - 1].CreatedAt, items[take - 1].Id) : null;
        return TypedResults.Ok(new Page<ContactDto>(items.Take(take).ToList(), next));
    }

    private static async Task<Results<Ok<ContactDto>, ProblemHttpResult>> GetAsync(Guid contactId, RapportDbContext db, CancellationToken ct)
    {
        var contact = await db.Contacts.Where(c => c.Id == contactId)
            .Select(c => new ContactDto(c.Id, c.DisplayName, c.Email, c.Language, c.IsVip, c.CreatedAt,
                c.Identities.Select(i => new ContactIdentityDto(i.ChannelId, i.Handle, i.DisplayName)).ToList()))
            .FirstOrDefaultAsync(ct);
        return contact is null ? Problems.NotFound("Contact") : TypedResults.Ok(contact);
    }
}
