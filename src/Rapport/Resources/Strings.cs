namespace Rapport.Resources;

/// <summary>
/// The interface's text: Strings.resx (English, the default) and Strings.fr.resx. Every page and the layout
/// get an <c>IStringLocalizer&lt;Strings&gt;</c> named <c>L</c> through _Imports.razor.
/// </summary>
public sealed class Strings;
