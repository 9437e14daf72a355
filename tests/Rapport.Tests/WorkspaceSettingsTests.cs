using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The workspace's own settings: one door for the settings page and the API, audited.</summary>
public class WorkspaceSettingsTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Update_ChangesWhatItNames_RefusesBadValues_AndIsAudited(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var url = $"/api/v1/workspaces/{workspace.Id}";

        var renamed = await admin.PatchAsJsonAsync(url, new { name = "  Vélo Vert  ", timeZone = "Europe/Paris" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var dto = await renamed.Content.ReadFromJsonAsync<WorkspaceDto>(Json.Options);
        Assert.Equal(("Vélo Vert", "Europe/Paris", workspace.DefaultCulture), (dto!.Name, dto.TimeZone, dto.DefaultCulture));

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync(url, new { timeZone = "Mars/Olympus_Mons" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync(url, new { name = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync(url, new { defaultCulture = "tlh" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PatchAsJsonAsync(url, new { name = "Taken over" })).StatusCode);

        await using var db = factory.OpenDb();
        var saved = await db.Workspaces.IgnoreQueryFilters().SingleAsync(w => w.Id == workspace.Id);
        Assert.Equal(("Vélo Vert", "Europe/Paris"), (saved.Name, saved.TimeZone));
        Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(a => a.WorkspaceId == workspace.Id && a.Action == "workspace.updated"));
    }
}
