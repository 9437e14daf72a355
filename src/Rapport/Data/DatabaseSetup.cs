using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;
using Rapport.Conversations.Live;

namespace Rapport.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Makes contexts on the configured provider: PostgreSQL when a connection string is set, else the
/// embedded SQLite file in the data folder. Singleton: the options are built once.
/// </summary>
public sealed class RapportDbContextFactory : IDbContextFactory<RapportDbContext>
{
    private readonly Func<RapportDbContext> create;

    public RapportDbContextFactory(IOptions<RapportOptions> options, ConversationEvents events)
        : this(options.Value, events)
    {
    }

    /// <param name="options">Where the database is.</param>
    /// <param name="events">Where saved changes to conversations are announced to open pages; null in the CLI.</param>
    public RapportDbContextFactory(RapportOptions options, ConversationEvents? events = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Provider = ProviderFor(options);
        if (Provider == DatabaseProvider.Postgres)
        {
            var builder = new DbContextOptionsBuilder<PostgresRapportDbContext>();
            ConfigurePostgres(builder, options.Postgres!);
            AddInterceptors(builder, events);
            var built = builder.Options;
            create = () => new PostgresRapportDbContext(built);
        }
        else
        {
            var builder = new DbContextOptionsBuilder<SqliteRapportDbContext>();
            ConfigureSqlite(builder, SqliteConnectionString(options));
            AddInterceptors(builder, events);
            var built = builder.Options;
            create = () => new SqliteRapportDbContext(built);
        }
    }

    public DatabaseProvider Provider { get; }

    public RapportDbContext CreateDbContext() => create();

    private static void AddInterceptors(DbContextOptionsBuilder builder, ConversationEvents? events)
    {
        // Due times and business-hours durations are kept right on every save, the CLI's included.
        builder.AddInterceptors(new Sla.SlaInterceptor());
        builder.AddInterceptors(new Conversations.Inbox.InboxRankInterceptor());
        if (events is not null)
        {
            var changes = new ConversationChangeInterceptor(events);
            builder.AddInterceptors(changes, changes.Transactions);
        }
        // Texts are cleaned once every interceptor above has set its values, and before the bulk path writes them.
        builder.AddInterceptors(new UserTextInterceptor());
        // Last: it writes the added rows the interceptors above have completed and seen.
        builder.AddInterceptors(new BulkInsertInterceptor());
        // Events' after-commit work (waking the outbox for a queued webhook) runs once the save or its transaction is durable.
        builder.AddInterceptors(Events.AfterCommitInterceptor.Instance, Events.AfterCommitInterceptor.Transactions);
    }

    public static DatabaseProvider ProviderFor(RapportOptions options) =>
        string.IsNullOrWhiteSpace(options.Postgres) ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;

    public static string SqliteConnectionString(RapportOptions options)
    {
        var folder = Path.GetFullPath(options.DataFolder);
        Directory.CreateDirectory(folder);
        return $"Data Source={Path.Combine(folder, "rapport.db")};Pooling=True;Default Timeout=30";
    }

    public static void ConfigureSqlite(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString, o => o.UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery))
            .AddInterceptors(SqliteCacheSize.Instance);

    /// <summary>
    /// A page cache of 32 MB per connection instead of SQLite's 2 MB: the indexes a large import writes to stay in memory
    /// instead of being read back from the file for every batch. Set on every open (pooled connections keep it; it is cheap).
    /// </summary>
    private sealed class SqliteCacheSize : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
    {
        public static readonly SqliteCacheSize Instance = new();

        private const string Pragma = "PRAGMA cache_size = -32768;";

        public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData)
        {
            ArgumentNullException.ThrowIfNull(connection);
            using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(connection);
            await using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString, o => o.UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery));
}

public static class DatabaseSetup
{
    /// <summary>
    /// Registers <see cref="IDbContextFactory{RapportDbContext}"/> (for pages and workers) and a scoped
    /// <see cref="RapportDbContext"/> (for endpoints), both on the configured provider.
    /// </summary>
    public static IServiceCollection AddRapportDatabase(this IServiceCollection services)
    {
        services.AddSingleton<NodeBus>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeBus>());
        services.AddSingleton(sp => new ConversationEvents(sp.GetRequiredService<NodeBus>()));
        services.AddSingleton<RapportDbContextFactory>();
        services.AddSingleton<IDbContextFactory<RapportDbContext>>(sp => sp.GetRequiredService<RapportDbContextFactory>());
        services.AddScoped(sp => sp.GetRequiredService<RapportDbContextFactory>().CreateDbContext());
        return services;
    }

    /// <summary>Applies the pending migrations of the configured provider.</summary>
    public static async Task MigrateAsync(IDbContextFactory<RapportDbContext> factory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while a writer writes: the inbox stays live during imports.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

/// <summary>Lets `dotnet ef migrations add X --context SqliteRapportDbContext` build the model.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteRapportDbContext>
{
    public SqliteRapportDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteRapportDbContext>();
        RapportDbContextFactory.ConfigureSqlite(builder, "Data Source=design.db");
        return new SqliteRapportDbContext(builder.Options);
    }
}

/// <summary>Lets `dotnet ef migrations add X --context PostgresRapportDbContext` build the model.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresRapportDbContext>
{
    public PostgresRapportDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresRapportDbContext>();
        RapportDbContextFactory.ConfigurePostgres(builder, "Host=localhost;Database=rapport_design");
        return new PostgresRapportDbContext(builder.Options);
    }
}
