using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;
using Rapport.Data;
using Rapport.Resources;
using Rapport.Workspaces;

namespace Rapport.Components.Shared;

/// <summary>
/// A page that works inside the current workspace: it loads once the workspace is known, opens one scoped
/// database context per operation, and re-reads the caller's role before every change.
/// </summary>
public abstract class WorkspacePage : ComponentBase
{
    [Inject] protected WorkspaceSession Session { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;
    [Inject] protected TimeProvider Clock { get; set; } = default!;
    [Inject] private IStringLocalizer<Strings> Localizer { get; set; } = default!;

    protected SessionInfo? Info { get; private set; }

    protected WorkspaceMember? Member => Info?.Member;

    protected DateTime UtcNow => Clock.GetUtcNow().UtcDateTime;

    protected override async Task OnInitializedAsync()
    {
        Info = await Session.GetAsync();
        if (Member is not null)
        {
            await LoadAsync();
        }
    }

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync();

    /// <summary>A context that sees only the current workspace.</summary>
    protected Task<RapportDbContext> OpenAsync() => Session.OpenAsync(Member!);

    /// <summary>The caller as the database says now, when they may still make this change; else null (and says why).</summary>
    protected async Task<WorkspaceMember?> ActorAsync(Role minimum = Role.Admin)
    {
        var fresh = await Session.FreshMemberAsync();
        if (fresh is null || fresh.Role < minimum)
        {
            Snackbar.Add(Localizer["Common.NoPermission"], Severity.Error);
            return null;
        }
        return fresh;
    }

    /// <summary>Says which rule a change broke, in the reader's language.</summary>
    protected void Refuse(RuleViolation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        Snackbar.Add(Localizer[violation.Code], Severity.Error);
    }

    protected void Refuse(string key) => Snackbar.Add(Localizer[key], Severity.Error);

    protected void Done(string key = "Common.Saved") => Snackbar.Add(Localizer[key], Severity.Success);

    /// <summary>The name the audit log records for the caller, like the API does.</summary>
    protected string? ActorName => Info?.ActorName;
}
