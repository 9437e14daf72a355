using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Time.Testing;
using Rapport.Accounts;
using Rapport.Audit;
using Rapport.Resources;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// One's own profile through <c>/api/v1/me</c>, the service the profile page calls too; and the audit log as the audit
/// page reads it: names instead of ids and e-mails, values in the reader's language, filtered by kind and person.
/// </summary>
public class ProfileTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Patch_ChangesNameLanguageAndSignature_AndRefusesWhatBreaksARule(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.SignedInClientAsync(owner.Email!);

        var response = await client.PatchAsJsonAsync("/api/v1/me", new { displayName = "  Camille Martin ", language = "fr", signature = "Camille, Vélo Vert" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var profile = await response.Content.ReadFromJsonAsync<ProfileDto>();
        Assert.Equal(new ProfileDto("Camille Martin", owner.Email!, "fr", "Camille, Vélo Vert", workspace.Id), profile);
        Assert.Equal(profile, await client.GetFromJsonAsync<ProfileDto>("/api/v1/me/profile"));

        // Fields left out stay; "browser" forgets the chosen language.
        response = await client.PatchAsJsonAsync("/api/v1/me", new { language = "browser" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ProfileDto("Camille Martin", owner.Email!, "browser", "Camille, Vélo Vert", workspace.Id), await response.Content.ReadFromJsonAsync<ProfileDto>());
        await using (var db = factory.OpenDb())
        {
            Assert.Null((await db.Users.SingleAsync(u => u.Id == owner.Id)).PreferredCulture);
            var trail = await db.AuditEntries.Where(a => a.ActorUserId == owner.Id && a.Action == "account.profile_changed").OrderBy(a => a.Id).Select(a => a.Details).ToListAsync();
            Assert.Equal(["name, language, signature", "language"], trail);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/api/v1/me", new { displayName = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/api/v1/me", new { language = "de" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/api/v1/me", new { signature = new string('x', 501) })).StatusCode);
        Assert.Equal("Camille Martin", (await client.GetFromJsonAsync<ProfileDto>("/api/v1/me/profile"))!.DisplayName);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task PasswordChange_NeedsTheCurrentPassword_EndsOtherSessions_AndKeepsThisOne(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var here = await factory.SignedInClientAsync(owner.Email!);
        var elsewhere = await factory.SignedInClientAsync(owner.Email!);
        const string NewPassword = "a brand new long password";

        var wrong = await here.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "not my password", newPassword = NewPassword });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var weak = await here.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = RapportFactory.Password, newPassword = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var token = await factory.TokenClientAsync(workspace.Id, Role.Owner, owner.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await token.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = RapportFactory.Password, newPassword = NewPassword })).StatusCode);

        var changed = await here.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = RapportFactory.Password, newPassword = NewPassword });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        clock.Advance(new SessionOptions().CheckInterval + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/v1/me")).StatusCode);
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = RapportFactory.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = NewPassword })).StatusCode);
        await using var db = factory.OpenDb();
        Assert.Equal(["account.password_refused", "account.password_changed"],
            await db.AuditEntries.Where(a => a.Action.StartsWith("account.password")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AuditReading_ShowsNamesAndTranslatedValues_FilteredByKindAndPerson(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent, "dominique@example.test");
        var client = await factory.SignedInClientAsync(owner.Email!);
        await client.PatchAsJsonAsync("/api/v1/me", new { displayName = "Camille Martin" });
        var promoted = await client.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{agent.Id}", new { role = "Admin" });
        Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync());

        var words = factory.Services.GetRequiredService<IStringLocalizer<Strings>>();
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo("fr");
        try
        {
            await using var db = factory.OpenDb();
            var (members, _) = await AuditReading.ReadAsync(db, workspace.Id, new AuditFilter(Kind: "member"), null, 50, words);
            var roleChange = Assert.Single(members, l => l.Action == "Rôle modifié");
            // The stored entry says the actor's e-mail and the member's e-mail, with "Agent → Admin".
            Assert.Equal(("Camille Martin", "Agent", "Agent → Administrateur"), (roleChange.Who, roleChange.Concerning, roleChange.Details));
            var added = Assert.Single(members, l => l.Action == "Membre ajouté");
            Assert.Equal(("Agent", "Agent"), (added.Concerning, added.Details));
            Assert.All(members, l => Assert.Equal("member", l.Kind));

            var (camille, _) = await AuditReading.ReadAsync(db, workspace.Id, new AuditFilter(ActorUserId: owner.Id), null, 50, words);
            Assert.Contains(camille, l => l.Action == "Profil modifié" && l.Details == "nom");
            Assert.All(camille, l => Assert.Equal("Camille Martin", l.Who));

            // A page at a time, newest first, with a cursor to the next.
            var (first, next) = await AuditReading.ReadAsync(db, workspace.Id, new AuditFilter(), null, 1, words);
            var (second, _) = await AuditReading.ReadAsync(db, workspace.Id, new AuditFilter(), next, 1, words);
            Assert.True(first.Single().Id > second.Single().Id);
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }
}
