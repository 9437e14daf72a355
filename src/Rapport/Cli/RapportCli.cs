using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Data;
using Rapport.Demo;
using Rapport.Workspaces;

namespace Rapport.Cli;

/// <summary>
/// The `rapport` command line. `serve` is the default; every other command works on the same database
/// and configuration (appsettings.json, RAPPORT_ / Rapport__ environment variables, --Rapport:Key=value).
/// </summary>
public static class RapportCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Rapport: every person who writes to the brand gets a real answer, fast.")
        {
            // Unknown tokens (--urls, --Rapport:DataFolder=…, host settings from tests) go to the web host.
            TreatUnmatchedTokensAsErrors = false,
        };
        var demo = new Option<bool>("--demo") { Description = "On an empty database, create a demo workspace with a demo sign-in." };
        var serve = new Command("serve", "Run the web app, the API and the background workers (the default).") { demo };
        serve.TreatUnmatchedTokensAsErrors = false;
        root.Options.Add(demo);
        serve.SetAction((result, ct) => ServeAsync([.. result.UnmatchedTokens], result.GetValue(demo), ct));
        root.SetAction((result, ct) => ServeAsync([.. result.UnmatchedTokens], result.GetValue(demo), ct));
        root.Subcommands.Add(serve);
        root.Subcommands.Add(MigrateCommand());
        root.Subcommands.Add(UsersCommand());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ReprocessCommand.Create());
        root.Subcommands.Add(BackupCommands.Backup());
        root.Subcommands.Add(BackupCommands.Restore());
        root.Subcommands.Add(LearningCommands.Train());
        root.Subcommands.Add(LearningCommands.Eval());
        root.Subcommands.Add(ExportCommand.Create());
        // Exceptions propagate (with their stack trace) instead of being turned into a generic message, so
        // hosting tools that stop the entry point on purpose keep working.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private static async Task<int> ServeAsync(string[] hostArgs, bool demo, CancellationToken ct)
    {
        var app = RapportHost.Build(hostArgs);
        var factory = app.Services.GetRequiredService<RapportDbContextFactory>();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RapportOptions>>().Value;
        await CliServices.PrepareDatabaseAsync(factory, options, ct);
        DemoSignIn? demoSignIn = null;
        if (demo)
        {
            await using var scope = app.Services.CreateAsyncScope();
            demoSignIn = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync(ct);
        }
        await app.StartAsync(ct);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? RapportHost.DefaultUrl;
        Console.WriteLine();
        Console.WriteLine($"Rapport is running at {url}");
        if (demoSignIn is not null && demoSignIn.Exists)
        {
            Console.WriteLine($"Demo workspace \"{demoSignIn.WorkspaceName}\": sign in as {demoSignIn.Email} with password {demoSignIn.Password}");
        }
        else
        {
            await using var db = factory.CreateDbContext();
            if (!await db.Users.AnyAsync(ct))
            {
                Console.WriteLine($"First run: open {url}/setup to create the owner account.");
                Console.WriteLine($"From another computer, setup asks for this one-time code: {app.Services.GetRequiredService<SetupGate>().Code}");
            }
        }
        Console.WriteLine("Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }

    private static Command MigrateCommand()
    {
        var command = new Command("migrate", "Apply pending database migrations (SQLite or PostgreSQL, as configured).");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            var factory = cli.Services.GetRequiredService<RapportDbContextFactory>();
            await using var db = factory.CreateDbContext();
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            await DatabaseSetup.MigrateAsync(factory, ct);
            Console.WriteLine(pending.Count == 0
                ? $"The {factory.Provider} database is up to date."
                : $"Applied {pending.Count} migration(s) to the {factory.Provider} database: {string.Join(", ", pending)}");
            return 0;
        });
        return command;
    }

    private static Command UsersCommand()
    {
        var users = new Command("users", "Manage accounts.");
        var email = new Option<string>("--email") { Description = "The person's e-mail address (their sign-in).", Required = true };
        var name = new Option<string?>("--name") { Description = "The name shown to colleagues." };
        var password = new Option<string?>("--password") { Description = "At least 10 characters. Read from RAPPORT_PASSWORD when omitted." };
        var workspace = new Option<string?>("--workspace") { Description = "Add the user to this workspace (slug); created when it does not exist." };
        var role = new Option<Role?>("--role") { Description = "Role when joining an existing workspace (default Agent); a new workspace's creator is its owner." };
        var create = new Command("create", "Create a local account, for scripts and first installs.") { email, name, password, workspace, role };
        create.TreatUnmatchedTokensAsErrors = false;
        create.SetAction(async (result, ct) =>
        {
            using var cli = CliServices.Create([.. result.UnmatchedTokens]);
            await cli.PrepareDatabaseAsync(ct);
            await using var scope = cli.Services.CreateAsyncScope();
            var service = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var secret = result.GetValue(password) ?? Environment.GetEnvironmentVariable("RAPPORT_PASSWORD");
            if (string.IsNullOrEmpty(secret))
            {
                await Console.Error.WriteLineAsync("A password is required: --password or RAPPORT_PASSWORD.");
                return 2;
            }
            var (user, errors) = await service.CreateUserAsync(result.GetValue(email)!, result.GetValue(name) ?? "", secret);
            if (user is null)
            {
                await Console.Error.WriteLineAsync("Could not create the account: " + string.Join(" ", errors));
                return 1;
            }
            Console.WriteLine($"Created {user.Email}.");
            if (result.GetValue(workspace) is { } slug)
            {
                var db = scope.ServiceProvider.GetRequiredService<RapportDbContext>();
                var existing = await db.Workspaces.FirstOrDefaultAsync(w => w.Slug == slug, ct);
                if (existing is null)
                {
                    existing = await service.CreateWorkspaceAsync(slug, user.Id, slug: slug);
                    Console.WriteLine($"Created workspace {existing.Slug}; {user.Email} is its owner.");
                }
                else
                {
                    var joining = result.GetValue(role) ?? Role.Agent;
                    await service.AddMemberAsync(existing.Id, user.Id, joining, null);
                    Console.WriteLine($"Added {user.Email} to {existing.Slug} as {joining}.");
                }
            }
            return 0;
        });
        users.Subcommands.Add(create);
        return users;
    }
}

/// <summary>The app's services without the web server, for CLI commands.</summary>
public sealed class CliServices : IDisposable
{
    private readonly WebApplication app;

    private CliServices(WebApplication app) => this.app = app;

    public IServiceProvider Services => app.Services;

    public static CliServices Create(string[] hostArgs)
    {
        var builder = WebApplication.CreateSlimBuilder(hostArgs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        RapportHost.AddServices(builder.Services, builder.Configuration);
        return new CliServices(builder.Build());
    }

    /// <summary>Migrates the configured database for a command, with the same rule as the server.</summary>
    public Task PrepareDatabaseAsync(CancellationToken ct) =>
        PrepareDatabaseAsync(Services.GetRequiredService<RapportDbContextFactory>(), Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RapportOptions>>().Value, ct);

    /// <summary>
    /// SQLite migrates by itself (one process owns the file); PostgreSQL, shared by several nodes, only with
    /// `rapport migrate` or Rapport:MigrateOnStart, and a pending migration is then a clear error.
    /// </summary>
    public static async Task PrepareDatabaseAsync(RapportDbContextFactory factory, RapportOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MigrateOnStart ?? factory.Provider == DatabaseProvider.Sqlite)
        {
            await DatabaseSetup.MigrateAsync(factory, ct);
            return;
        }
        await using var db = factory.CreateDbContext();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException($"The {factory.Provider} database needs {pending.Count} migration(s): run `rapport migrate` first.");
        }
    }

    public void Dispose() => ((IDisposable)app).Dispose();
}
