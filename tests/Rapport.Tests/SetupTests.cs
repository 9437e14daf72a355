using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Accounts;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public partial class SetupTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Setup_FromAnotherMachine_NeedsTheConsoleCode(string provider)
    {
        await using var factory = new RapportFactory(provider);
        // The test server's requests come from no loopback address: like a visitor from another machine.
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var wrong = await PostSetupAsync(client, "WRNG-CODE");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("setup code is missing or wrong", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            Assert.False(await db.Users.AnyAsync());
        }

        var code = factory.Services.GetRequiredService<SetupGate>().Code;
        var right = await PostSetupAsync(client, code.ToLowerInvariant());
        Assert.True(right.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, $"Expected a redirect, got {(int)right.StatusCode}.");
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(1, await db.Users.CountAsync());
            Assert.Equal("Brand", (await db.Workspaces.SingleAsync()).Name);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Setup_EightAtOnce_MakesExactlyOneOwnerAndWorkspace(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:SignInAttempts"] = "100");
        var code = factory.Services.GetRequiredService<SetupGate>().Code;
        // Each would-be owner has the form open (its own antiforgery cookie and token), then all submit together.
        var forms = new List<(HttpClient Client, FormUrlEncodedContent Form)>();
        for (var i = 0; i < 8; i++)
        {
            var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            forms.Add((client, await SetupFormAsync(client, code, $"owner{i}@example.test", $"Brand {i}")));
        }

        var responses = await Task.WhenAll(forms.Select(f => f.Client.PostAsync("/setup", f.Form)));

        Assert.All(responses, r => Assert.True((int)r.StatusCode is >= 300 and < 400, $"Expected a redirect, got {(int)r.StatusCode}."));
        await using var db = factory.OpenDb();
        var owner = await db.Users.SingleAsync();
        var workspace = await db.Workspaces.SingleAsync();
        var membership = await db.Memberships.IgnoreQueryFilters().SingleAsync();
        Assert.Equal((owner.Id, workspace.Id, Rapport.Workspaces.Role.Owner), (membership.UserId, membership.WorkspaceId, membership.Role));
        // Owner and workspace come from the same request.
        Assert.Equal($"owner{workspace.Name["Brand ".Length..]}@example.test", owner.Email);
        // The winner is signed in; the others are sent to the sign-in page.
        Assert.Equal(7, responses.Count(r => r.Headers.Location?.OriginalString.Contains("/account/signin", StringComparison.Ordinal) == true));
    }

    private static async Task<HttpResponseMessage> PostSetupAsync(HttpClient client, string code) =>
        await client.PostAsync("/setup", await SetupFormAsync(client, code, "owner@example.test", "Brand"));

    private static async Task<FormUrlEncodedContent> SetupFormAsync(HttpClient client, string code, string email, string workspaceName)
    {
        var page = await client.GetStringAsync("/setup");
        Assert.Contains("setup-code", page, StringComparison.Ordinal);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "setup",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.DisplayName"] = "Owner",
            ["Input.Email"] = email,
            ["Input.Password"] = "a long enough password",
            ["Input.WorkspaceName"] = workspaceName,
            ["Input.Language"] = "en",
            ["Input.TimeZone"] = "Europe/Paris",
            ["Input.SetupCode"] = code,
        });
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
