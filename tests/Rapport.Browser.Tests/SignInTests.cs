using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>The sign-in page, on its own app so that it does its own setup.</summary>
public sealed class SignInTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task SignIn_WrongPassword_SaysSo()
    {
        await Flows.SetUpAsync(await app.NewPageAsync("en-US"));
        // A new browser profile: signed out.
        var page = await app.NewPageAsync("en-US");
        await page.GotoAsync("/account/signin");
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(Flows.OwnerEmail);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong e-mail or password. After five wrong passwords an account is locked for five minutes.");
        await Flows.ScreenshotAsync(page, "en-signin-wrong");

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync();
    }
}
