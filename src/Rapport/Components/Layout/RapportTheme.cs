using MudBlazor;

namespace Rapport.Components.Layout;

/// <summary>
/// Rapport's design system on MudBlazor: a calm ink-blue and slate palette (every text colour reaches at least
/// WCAG AA 4.5:1 on its background), the system font stack, and generous, even spacing.
/// </summary>
public static class RapportTheme
{
    public const string FontStack = "\"Inter\", system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1d4f7a",
            PrimaryContrastText = "#ffffff",
            Secondary = "#4f5d6f",
            SecondaryContrastText = "#ffffff",
            Tertiary = "#1f6f62",
            TertiaryContrastText = "#ffffff",
            Info = "#1d5f9a",
            Success = "#23703a",
            Warning = "#9a5b00",
            Error = "#b3261e",
            Dark = "#1b2430",
            Black = "#1b2430",
            TextPrimary = "#1b2430",
            TextSecondary = "#4a5565",
            TextDisabled = "#6b7280",
            ActionDefault = "#4a5565",
            Background = "#f5f7fa",
            BackgroundGray = "#eef1f5",
            Surface = "#ffffff",
            AppbarBackground = "#ffffff",
            AppbarText = "#1b2430",
            DrawerBackground = "#fbfcfd",
            DrawerText = "#2b3544",
            DrawerIcon = "#4a5565",
            LinesDefault = "#dfe4ea",
            LinesInputs = "#8a94a3",
            TableLines = "#e6eaef",
            TableHover = "#f1f4f8",
            Divider = "#e3e7ec",
            DividerLight = "#eef1f4",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = [.. FontStack.Split(", ")], FontSize = "0.9375rem", LineHeight = "1.55", LetterSpacing = "normal" },
            H4 = new H4Typography { FontSize = "1.5rem", FontWeight = "650", LineHeight = "1.3", LetterSpacing = "-0.01em" },
            H5 = new H5Typography { FontSize = "1.2rem", FontWeight = "600", LineHeight = "1.35", LetterSpacing = "normal" },
            H6 = new H6Typography { FontSize = "1.05rem", FontWeight = "600", LineHeight = "1.4", LetterSpacing = "normal" },
            Subtitle1 = new Subtitle1Typography { FontSize = "1rem", FontWeight = "500", LineHeight = "1.5" },
            Body1 = new Body1Typography { FontSize = "0.9375rem", LineHeight = "1.55" },
            Body2 = new Body2Typography { FontSize = "0.875rem", LineHeight = "1.5" },
            Button = new ButtonTypography { FontSize = "0.875rem", FontWeight = "600", TextTransform = "none", LetterSpacing = "0.01em" },
        },
        LayoutProperties = new LayoutProperties
        {
            DefaultBorderRadius = "8px",
            AppbarHeight = "60px",
            DrawerWidthLeft = "248px",
        },
    };
}
