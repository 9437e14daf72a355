using Microsoft.Extensions.Localization;
using MudBlazor;

namespace Rapport.Resources;

/// <summary>
/// The design system's own words (a date picker's "Open", a pager's "Next page", a nav group's "Toggle …") read
/// from our resources as <c>Mud.&lt;key&gt;</c>, so a French page has no English button label or aria-label.
/// MudBlazor keeps its built-in English for English pages and asks this localizer for any other language; a key
/// we lack reports itself not found, and MudBlazor falls back to its English rather than showing the key.
/// </summary>
public sealed class MudText(IStringLocalizer<Strings> text) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            var found = text["Mud." + key];
            return new LocalizedString(key, found.Value, found.ResourceNotFound);
        }
    }

    public override LocalizedString this[string key, params object[] arguments]
    {
        get
        {
            var found = text["Mud." + key, arguments];
            return new LocalizedString(key, found.Value, found.ResourceNotFound);
        }
    }
}
