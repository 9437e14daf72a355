using Microsoft.Extensions.Localization;
using Rapport.Resources;

namespace Rapport.Channels.Pages.Settings;

/// <summary>The words the settings fields show for a rule their value broke.</summary>
public static class ChannelSettingsText
{
    /// <summary>The reader's sentence for the rule <paramref name="field"/> broke on the last save, or null.</summary>
    public static string? ErrorText(this IStringLocalizer<Strings> localizer, ChannelSettingsForm form, string field)
    {
        ArgumentNullException.ThrowIfNull(localizer);
        ArgumentNullException.ThrowIfNull(form);
        return form.Error(field) is { } error ? localizer[error.Code].Value : null;
    }
}
