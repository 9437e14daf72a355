using System.Net.Http.Json;
using Rapport.Accounts;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

/// <summary>A workspace with an API channel and an owner's API client, ready to receive customer messages.</summary>
internal sealed class ServiceWorkspace : IAsyncDisposable
{
    private int next;

    private ServiceWorkspace(RapportFactory factory) => Factory = factory;

    public RapportFactory Factory { get; }
    public User Owner { get; private set; } = null!;
    public Workspace Workspace { get; private set; } = null!;
    public Channel Channel { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string Url => $"/api/v1/workspaces/{Workspace.Id}";

    public static async Task<ServiceWorkspace> StartAsync(string provider)
    {
        // The background workers stay off: tests run their rounds themselves with a fake clock.
        var setup = new ServiceWorkspace(new RapportFactory(provider, s =>
        {
            s["Rapport:Sla:PollInterval"] = "00:00:00";
            s["Rapport:Outbox:PollInterval"] = "00:00:00";
        }));
        (setup.Owner, setup.Workspace) = await setup.Factory.CreateOwnerAsync();
        setup.Channel = await setup.Factory.CreateChannelAsync(setup.Workspace.Id);
        setup.Client = await setup.Factory.TokenClientAsync(setup.Workspace.Id, Role.Owner, setup.Owner.Id);
        return setup;
    }

    /// <summary>A customer message through the API channel; returns its conversation.</summary>
    public async Task<Guid> ReceiveAsync(string text, string? author = null, DateTime? createdAt = null)
    {
        var id = Interlocked.Increment(ref next);
        var response = await Client.PostAsJsonAsync($"{Url}/channels/{Channel.Id}/messages",
            new { externalId = $"m-{id}", authorHandle = author ?? $"customer{id}@example.test", text, createdAt });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
