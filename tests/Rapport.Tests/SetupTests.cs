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

    private static async Task<HttpResponseMessage> PostSetupAsync(HttpClient client, string code)
    {
        var page = await client.GetStringAsync("/setup");
        Assert.Contains("setup-code", page, StringComparison.Ordinal);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return await client.PostAsync("/setup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "setup",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.DisplayName"] = "Owner",
            ["Input.Email"] = "owner@example.test",
            ["Input.Password"] = "a long enough password",
            ["Input.WorkspaceName"] = "Brand",
            ["Input.Language"] = "en",
            ["Input.TimeZone"] = "Europe/Paris",
            ["Input.SetupCode"] = code,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
