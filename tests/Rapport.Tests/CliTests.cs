using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Cli;
using Rapport.Data;
using Rapport.Learning;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

/// <summary>The `rapport` commands, run in-process on each provider.</summary>
[Collection(nameof(ConsoleCollection))]
public class CliTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UsersCreateThenImport_IngestsGoodRowsReportsBadOnesAndIsIdempotent(string provider)
    {
        var folder = Databases.NewTempFolder();
        string[] config = provider == Databases.Postgres
            ? [$"--Rapport:DataFolder={folder}", $"--Rapport:Postgres={Databases.NewPostgresDatabase()}"]
            : [$"--Rapport:DataFolder={folder}"];
        var csv = Path.Combine(folder, "messages.csv");
        await File.WriteAllTextAsync(csv, """
            external_id,author,author_name,text,created_at,in_reply_to
            1,@marie,Marie,"Bonjour, ma box ne marche plus depuis hier, vous pouvez m'aider ?",2026-11-20T09:00:00Z,
            2,@marie,Marie,"Toujours rien, c'est urgent svp",2026-11-20T11:00:00Z,1
            3,@tom,,"When does the new plan launch?",not a date,
            ,@nobody,,"no id here",,
            4,@tom,Tom,"Line with a ""quoted"" word, and a comma",2026-11-21T08:00:00Z,
            """);

        // PostgreSQL is migrated on purpose, once per upgrade; SQLite migrates by itself.
        if (provider == Databases.Postgres)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => RapportCli.RunAsync(["import", csv, "--channel", "Old tickets", .. config]));
            Assert.Equal(0, await RapportCli.RunAsync(["migrate", .. config]));
        }
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "owner@example.test", "--name", "Owner", "--password", "a very long password", "--workspace", "acme", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "agent@example.test", "--password", "another long password", "--workspace", "acme", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["import", csv, "--channel", "Old tickets", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["import", csv, "--channel", "Old tickets", .. config]));

        var options = new RapportOptions { DataFolder = folder, Postgres = config.Length > 1 ? config[1]["--Rapport:Postgres=".Length..] : null };
        await using var db = new RapportDbContextFactory(options).CreateDbContext();
        var messages = await db.Messages.OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["1", "2", "4"], messages.Select(m => m.ExternalId));
        Assert.Equal("Line with a \"quoted\" word, and a comma", messages[2].Text);
        // Row 2 answers row 1: one conversation for Marie.
        Assert.Equal(messages[0].ConversationId, messages[1].ConversationId);
        Assert.Equal(2, await db.Conversations.CountAsync());
        Assert.Equal("Old tickets", (await db.Channels.SingleAsync()).Name);
        Assert.Equal("acme", (await db.Workspaces.SingleAsync()).Slug);
        Assert.Equal([Workspaces.Role.Agent, Workspaces.Role.Owner], await db.Memberships.OrderBy(m => m.Role).Select(m => m.Role).ToListAsync());
        // Imported twice, accepted once each, all processed.
        Assert.Equal(3, await db.ReceivedItems.CountAsync(r => r.State == Ingest.ReceivedItemState.Processed));

        // As an older model understood them: reprocessing brings today's understanding back, and only that.
        var understood = await db.MessageAnalyses.OrderBy(a => a.MessageId).Select(a => a.Intent).ToListAsync();
        await db.MessageAnalyses.ExecuteUpdateAsync(s => s.SetProperty(a => a.Intent, "Other"));
        var output = await CaptureAsync(["reprocess", "--workspace", "acme", "--since", "2026-11-20", .. config]);
        Assert.Contains("Analysed 3 of 3 message(s).", output, StringComparison.Ordinal);
        Assert.Contains("Reprocessed 3 message(s) since 2026-11-20", output, StringComparison.Ordinal);
        // The mentions are reprocessed by the same command; this workspace listens to nothing.
        Assert.Contains("Reprocessed 0 mention(s) since 2026-11-20", output, StringComparison.Ordinal);
        Assert.Equal(understood, await db.MessageAnalyses.OrderBy(a => a.MessageId).Select(a => a.Intent).ToListAsync());
        Assert.Equal(3, await db.Messages.CountAsync());
        Assert.Equal(0, await db.OutboxItems.CountAsync());
        Assert.Equal(2, await RapportCli.RunAsync(["reprocess", "--workspace", "acme", "--since", "yesterday", .. config]));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BackupWipeRestore_GivesBackEveryRow_AndChannelSecretsStillOpen(string provider)
    {
        var folder = Databases.NewTempFolder();
        var options = new RapportOptions { DataFolder = folder, Postgres = provider == Databases.Postgres ? Databases.NewPostgresDatabase() : null };
        string[] config = options.Postgres is null ? [$"--Rapport:DataFolder={folder}"] : [$"--Rapport:DataFolder={folder}", $"--Rapport:Postgres={options.Postgres}"];
        var csv = Path.Combine(folder, "messages.csv");
        await File.WriteAllTextAsync(csv, """
            external_id,author,text,created_at
            1,@marie,"Bonjour, ma box ne marche plus depuis hier, vous pouvez m'aider ?",2026-11-20T09:00:00Z
            2,@tom,"When does the new plan launch? 🚲",2026-11-20T11:00:00Z
            """);
        Assert.Equal(0, await RapportCli.RunAsync(["migrate", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "owner@example.test", "--password", "a very long password", "--workspace", "acme", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["import", csv, "--channel", "Old tickets", .. config]));
        // A secret encrypted with the data-protection keys, which live in the database too.
        using (var cli = CliServices.Create(config))
        {
            await using var db = cli.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
            var channel = await db.Channels.SingleAsync();
            channel.ProtectedSecrets = cli.Services.GetRequiredService<Rapport.Channels.ChannelSecrets>().Protect(new Dictionary<string, string> { ["password"] = "s3cret" });
            await db.SaveChangesAsync();
        }
        Dictionary<string, long> before;
        List<string> texts;
        await using (var db = new RapportDbContextFactory(options).CreateDbContext())
        {
            before = await new RowCounts(db).ReadAsync();
            texts = await db.Messages.OrderBy(m => m.ExternalId).Select(m => m.Text).ToListAsync();
        }
        Assert.True(before["Messages"] == 2 && before["DataProtectionKeys"] > 0);

        var backup = Path.Combine(folder, "backups", "rapport.backup");
        Assert.Contains("Backed up the", await CaptureAsync(["backup", backup, .. config]), StringComparison.Ordinal);
        // Never over an existing backup; never a backup of the other kind, and never without --replace.
        Assert.Equal(2, await RapportCli.RunAsync(["backup", backup, .. config]));
        var wrongKind = Path.Combine(folder, "not-a-backup");
        await File.WriteAllTextAsync(wrongKind, "a text file, not a backup");
        Assert.Equal(2, await RapportCli.RunAsync(["restore", wrongKind, "--replace", .. config]));
        Assert.Equal(2, await RapportCli.RunAsync(["restore", backup, .. config]));

        // Wipe: everything goes.
        if (options.Postgres is null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(Path.Combine(folder, "rapport.db"));
        }
        else
        {
            await using var db = new RapportDbContextFactory(options).CreateDbContext();
            await db.Database.ExecuteSqlRawAsync("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        }

        Assert.Contains("Restored the", await CaptureAsync(["restore", backup, "--replace", .. config]), StringComparison.Ordinal);
        using (var cli = CliServices.Create(config))
        {
            await using var db = cli.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
            Assert.Equal(before, await new RowCounts(db).ReadAsync());
            Assert.Equal(texts, await db.Messages.OrderBy(m => m.ExternalId).Select(m => m.Text).ToListAsync());
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            var secrets = cli.Services.GetRequiredService<Rapport.Channels.ChannelSecrets>().Unprotect((await db.Channels.SingleAsync()).ProtectedSecrets);
            Assert.Equal("s3cret", secrets["password"]);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Migrate_CreatesTheSchemaAndIsSafeToRepeat(string provider)
    {
        var folder = Databases.NewTempFolder();
        var options = new RapportOptions { DataFolder = folder, Postgres = provider == Databases.Postgres ? Databases.NewPostgresDatabase() : null };
        string[] config = options.Postgres is null ? [$"--Rapport:DataFolder={folder}"] : [$"--Rapport:DataFolder={folder}", $"--Rapport:Postgres={options.Postgres}"];

        Assert.Equal(0, await RapportCli.RunAsync(["migrate", .. config]));
        Assert.Equal(0, await RapportCli.RunAsync(["migrate", .. config]));

        await using var db = new RapportDbContextFactory(options).CreateDbContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.Workspaces.CountAsync());
    }

    [Fact]
    public async Task Import_JsonFileAndMissingFile()
    {
        var folder = Databases.NewTempFolder();
        var config = $"--Rapport:DataFolder={folder}";
        var json = Path.Combine(folder, "messages.json");
        await File.WriteAllTextAsync(json, """
            [
              {"externalId": "a", "authorHandle": "lea@example.fr", "text": "Je n'ai pas reçu mon remboursement 😡"},
              {"externalId": "b", "authorHandle": "", "text": "no author"},
              "not an object",
              {"externalId": "c", "authorHandle": "sam@example.com", "text": "Thanks, all good now!", "isPublic": true}
            ]
            """);
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "o@example.test", "--password", "a very long password", "--workspace", "w", config]));

        Assert.Equal(2, await RapportCli.RunAsync(["import", Path.Combine(folder, "missing.csv"), "--channel", "x", config]));
        Assert.Equal(0, await RapportCli.RunAsync(["import", json, "--channel", "Legacy", config]));

        await using var db = new RapportDbContextFactory(new RapportOptions { DataFolder = folder }).CreateDbContext();
        Assert.Equal(["a", "c"], await db.Messages.OrderBy(m => m.ExternalId).Select(m => m.ExternalId!).ToListAsync());
        Assert.True((await db.Conversations.SingleAsync(c => c.IsPublic)).IsPublic);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        var help = await CaptureAsync(["--help"]);
        foreach (var command in new[] { "serve", "migrate", "users", "import", "reprocess", "train", "eval" })
        {
            Assert.Contains(command, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TrainCommand_FromCsvThenRollback()
    {
        var folder = Databases.NewTempFolder();
        var config = $"--Rapport:DataFolder={folder}";
        // The product's five folds: with two, fold noise on the seed corpus exceeds the tolerance.
        var folds = "--Rapport:TrainingFolds=5";
        var csv = Path.Combine(folder, "labels.csv");
        await File.WriteAllTextAsync(csv, """
            text,intent,needs_answer,sentiment
            "le badge d'accès au parking ne marche plus depuis lundi",complaint,1,negative
            "the parking badge stopped working again this morning",complaint,1,negative
            "merci pour le nouveau parking vélo !",praise,0,positive
            """);
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "o@example.test", "--password", "a very long password", "--workspace", "w", config]));

        Assert.Equal(0, await RapportCli.RunAsync(["train", "--from", csv, config, folds]));
        // The same examples again score the same: the new model replaces the first, which is kept for a rollback.
        Assert.Equal(0, await RapportCli.RunAsync(["train", config, folds]));
        Assert.Equal(0, await RapportCli.RunAsync(["train", "--rollback", config]));

        await using var db = new RapportDbContextFactory(new RapportOptions { DataFolder = folder }).CreateDbContext();
        Assert.Equal(3, await db.Corrections.CountAsync());
        var models = await db.TrainedModels.OrderBy(m => m.Number).ToListAsync();
        Assert.Equal(2, models.Count);
        Assert.Equal(TrainedModelStatus.Current, models[0].Status);
        Assert.Equal(TrainedModelStatus.Rejected, models[1].Status);
    }

    [Fact]
    public async Task Eval_PrintsMetricsAsTextAndJson()
    {
        var folder = Databases.NewTempFolder();
        var csv = Path.Combine(folder, "complaints.csv");
        var rows = new List<string> { "text,complaint" };
        for (var i = 0; i < 12; i++)
        {
            rows.Add($"\"my order {i} never arrived and nobody answers, third time I write\",1");
            rows.Add($"\"what a lovely sunny day for a ride number {i}\",0");
        }
        await File.WriteAllLinesAsync(csv, rows);

        var text = await CaptureAsync(["eval", "--task", "complaint", "--test", csv]);
        Assert.Contains("macro", text, StringComparison.OrdinalIgnoreCase);
        var json = await CaptureAsync(["eval", "--task", "complaint", "--test", csv, "--cv", "3", "--json"]);
        using var report = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(24, report.RootElement.GetProperty("n").GetInt32());
        foreach (var key in new[] { "accuracy", "macro_f1", "macro_recall", "per_class" })
        {
            Assert.True(report.RootElement.TryGetProperty(key, out _), key);
        }
        Assert.Equal(2, await RapportCli.RunAsync(["eval", "--task", "complaint", "--test", Path.Combine(folder, "missing.csv")]));
        Assert.Equal(2, await RapportCli.RunAsync(["eval", "--task", "horoscope", "--test", csv]));
    }

    private static async Task<string> CaptureAsync(string[] args)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await RapportCli.RunAsync(args));
        }
        finally
        {
            Console.SetOut(original);
        }
        return output.ToString();
    }
}

/// <summary>CLI tests write to the console: run them one at a time.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
