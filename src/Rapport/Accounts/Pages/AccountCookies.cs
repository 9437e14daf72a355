using Microsoft.AspNetCore.Localization;

namespace Rapport.Accounts.Pages;

/// <summary>Cookies the account pages set on their way out.</summary>
internal static class AccountCookies
{
    /// <summary>The same culture cookie /account/culture sets, so a remembered language follows the person at sign-in.</summary>
    public static void SetCulture(HttpContext http, string culture) =>
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps });
}
