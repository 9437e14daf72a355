using Microsoft.AspNetCore.Components.Server.Circuits;
using Rapport.Components.Shared;
using Rapport.Workspaces;

namespace Rapport.Channels.Chat;

/// <summary>
/// Counts each connected Rapport page of an agent, admin or owner as someone who can answer the workspace's chat. It
/// follows the page's connection rather than its components: a closed tab or a lost network stops counting at once,
/// not when the server finally drops the disconnected circuit minutes later.
/// </summary>
public sealed class ChatAvailabilityCircuit(WorkspaceSession session, ChatAvailability availability) : CircuitHandler
{
    private IDisposable? open;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (open is null && await session.GetAsync() is { Member: { Role: >= Role.Agent } member })
        {
            open = availability.Open(member.WorkspaceId);
        }
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Close();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Close();
        return Task.CompletedTask;
    }

    private void Close()
    {
        open?.Dispose();
        open = null;
    }
}
