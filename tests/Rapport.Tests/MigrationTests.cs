using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class MigrationTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Model_HasNoChangesWithoutMigration(string provider)
    {
        await using var factory = new RapportFactory(provider);
        await using var db = factory.OpenDb();

        Assert.False(db.Database.HasPendingModelChanges(),
            $"The model changed without a {provider} migration: run `dotnet ef migrations add NAME --context " +
            (provider == Databases.Sqlite ? "SqliteRapportDbContext --output-dir Data/Migrations/Sqlite" : "PostgresRapportDbContext --output-dir Data/Migrations/Postgres") + "`.");
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Healthz_ReportsTheDatabase(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var response = await factory.CreateClient().GetAsync("/healthz");

        response.EnsureSuccessStatusCode();
        Assert.Contains("healthy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesTheApi()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);
        var document = await factory.CreateClient().GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/v1/workspaces/{workspaceId}/conversations", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages", document, StringComparison.Ordinal);
    }
}
