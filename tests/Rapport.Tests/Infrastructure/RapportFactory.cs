using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Accounts;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Tests.Infrastructure;

/// <summary>The whole app over HTTP on a fresh database of the given provider.</summary>
public sealed class RapportFactory : WebApplicationFactory<Program>
{
    public const string Password = "correct horse battery";

    private readonly string dataFolder = Databases.NewTempFolder();
    private readonly string? ownDatabase;

    public RapportFactory(string provider, Action<IDictionary<string, string?>>? settings = null)
    {
        Provider = provider;
        Settings["Rapport:DataFolder"] = dataFolder;
        Settings["Rapport:MigrateOnStart"] = "true";
        // Every test server (feeds, webhook receivers) listens on loopback.
        Settings["Rapport:Network:AllowPrivateAddresses"] = "true";
        // Each test gets its own database, already migrated (a copy of a template): the app's start then has nothing to apply.
        if (provider == Databases.Postgres)
        {
            Settings["Rapport:Postgres"] = ownDatabase = Databases.NewMigratedPostgresDatabase();
        }
        else
        {
            Databases.CopyMigratedSqliteDatabase(dataFolder);
        }
        settings?.Invoke(Settings);
    }

    public string Provider { get; }

    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>The app's clock when set (a FakeTimeProvider a test moves on); else the system clock.</summary>
    public TimeProvider? Clock { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseEnvironment("Testing");
        if (Clock is { } clock)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }

    public RapportDbContext OpenDb() => Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();

    /// <summary>A user with a workspace of their own (as owner), made through the same service as setup.</summary>
    public async Task<(User User, Workspace Workspace)> CreateOwnerAsync(string? email = null, string workspaceName = "Acme")
    {
        await using var scope = Services.CreateAsyncScope();
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var (user, errors) = await workspaces.CreateUserAsync(email ?? $"{Guid.NewGuid():N}@example.test", "Owner", Password);
        Assert.True(user is not null, string.Join(" ", errors));
        var workspace = await workspaces.CreateWorkspaceAsync(workspaceName, user.Id);
        return (user, workspace);
    }

    public async Task<User> AddMemberAsync(Guid workspaceId, Role role, string? email = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var (user, errors) = await workspaces.CreateUserAsync(email ?? $"{Guid.NewGuid():N}@example.test", role.ToString(), Password);
        Assert.True(user is not null, string.Join(" ", errors));
        await workspaces.AddMemberAsync(workspaceId, user.Id, role, null);
        return user;
    }

    /// <summary>A client signed in with the session cookie, as the web app is.</summary>
    public async Task<HttpClient> SignedInClientAsync(string email, string password = Password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        // A browser names the page's origin on every write; cookie-authenticated API writes need it.
        client.DefaultRequestHeaders.Add("Origin", client.BaseAddress!.GetLeftPart(UriPartial.Authority));
        var response = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email, password });
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        return client;
    }

    /// <summary>A client that authenticates with a fresh API token of the given role.</summary>
    public async Task<HttpClient> TokenClientAsync(Guid workspaceId, Role role, Guid? createdBy = null)
    {
        // A token acts for the member who made it: make one with the token's role unless told whose it is.
        var creator = createdBy ?? (await AddMemberAsync(workspaceId, role)).Id;
        string secret;
        await using (var db = OpenDb())
        {
            secret = TokenHasher.NewToken(ApiTokenAuthenticationHandler.TokenPrefix);
            db.ApiTokens.Add(new ApiToken
            {
                WorkspaceId = workspaceId,
                Name = $"test-{role}",
                Prefix = secret[..10],
                TokenHash = TokenHasher.Hash(secret),
                Role = role,
                CreatedByUserId = creator,
                CreatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    public async Task<Channel> CreateChannelAsync(Guid workspaceId, ChannelKind kind = ChannelKind.Api, string name = "API")
    {
        await using var db = OpenDb();
        var channel = new Channel { WorkspaceId = workspaceId, Name = name, Kind = kind, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // Only the factory's own database: one a test shares between two nodes may still be in use by the other, and
        // dropping it under a running scheduler leaves that node retrying forever as it stops. The test drops it.
        if (Provider == Databases.Postgres && Settings["Rapport:Postgres"] is { } connection && connection == ownDatabase)
        {
            await Databases.DropPostgresDatabaseAsync(connection);
        }
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
