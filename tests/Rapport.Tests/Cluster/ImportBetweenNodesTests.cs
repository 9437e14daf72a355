using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Cluster;

/// <summary>
/// An import on two real nodes sharing one PostgreSQL: the upload is kept in the database, one node claims the run, and
/// when that node is killed outright in the middle, the other takes the run over and finishes it, nothing lost or doubled.
/// </summary>
public sealed class ImportBetweenNodesTests
{
    [Fact]
    public async Task ANodeKilledInTheMiddleOfAnImport_TheOtherFinishesIt_NothingLostOrDoubled_OnPostgres()
    {
        var postgres = Databases.NewMigratedPostgresDatabase();
        void Shared(IDictionary<string, string?> s)
        {
            s["Rapport:Postgres"] = postgres;
            // The in-process node that sets the workspace up never looks for imports: only the two real processes run them.
            s["Rapport:Import:PollInterval"] = "00:10:00";
        }
        try
        {
            await using var setup = new RapportFactory(Databases.Postgres, Shared);
            var (_, workspace) = await setup.CreateOwnerAsync();
            var channel = await setup.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
            var admin = await setup.TokenClientAsync(workspace.Id, Role.Admin);
            // Several slices of upload (1 MiB each), long enough to import that a node can be killed in the middle.
            const int rows = 40_000;
            var csv = new StringBuilder("externalId,authorHandle,authorName,text,createdAt\n");
            for (var i = 0; i < rows; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"m-{i},client{i % 500}@example.fr,Client {i % 500},\"Bonjour, ma commande {i} n'est pas arrivée, pouvez-vous vérifier ? Merci d'avance.\",2026-11-0{1 + (i % 9)}T09:00:00Z\n");
            }
            Assert.True(Encoding.UTF8.GetByteCount(csv.ToString()) > 3 * ImportChunk.Size);

            string[] settings = ["Rapport:Import:Lease=00:00:03", "Rapport:Import:PollInterval=00:00:00.250"];
            using var nodeA = RapportProcess.Start(setup, [.. settings, "Rapport:Scheduling:NodeName=node-a"]);
            using var nodeB = RapportProcess.Start(setup, [.. settings, "Rapport:Scheduling:NodeName=node-b"]);
            await Task.WhenAll(nodeA.WaitUntilReadyAsync(), nodeB.WaitUntilReadyAsync());
            using var onA = new HttpClient { BaseAddress = nodeA.Url };
            onA.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
            using var onB = new HttpClient { BaseAddress = nodeB.Url };
            onB.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;

            using var content = new StringContent(csv.ToString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var started = await onA.PostAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/imports?fileName=archive.csv", content);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var runId = (await started.Content.ReadFromJsonAsync<ImportRunDto>(Json.Options))!.Id;

            // Whichever node claimed it is killed once it has stored part of the file (its progress is saved with its lease).
            ImportRun running;
            for (var wait = 0; ; wait++)
            {
                await using var db = setup.OpenDb();
                running = await db.ImportRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
                if (running.Status == ImportStatus.Running && running.Rows > 0)
                {
                    break;
                }
                Assert.NotEqual(ImportStatus.Completed, running.Status);
                Assert.True(wait < 1200, "The import did not start within 4 minutes.");
                await Task.Delay(200);
            }
            var (killed, survivor) = running.LeaseOwner == "node-a" ? (nodeA, onB) : (nodeB, onA);
            Assert.Contains(running.LeaseOwner, new[] { "node-a", "node-b" });
            killed.Kill();
            await killed.WaitForExitAsync();
            long storedWhenKilled;
            await using (var db = setup.OpenDb())
            {
                storedWhenKilled = await db.Messages.LongCountAsync(m => m.ChannelId == channel.Id);
            }
            Assert.InRange(storedWhenKilled, 1, rows - 1);

            // The survivor takes the run over once the lease has run out, and any node's API shows its report.
            ImportRunDto report;
            for (var wait = 0; ; wait++)
            {
                report = (await survivor.GetFromJsonAsync<ImportRunDto>($"/api/v1/workspaces/{workspace.Id}/imports/{runId}", Json.Options))!;
                if (report.Status is ImportStatus.Completed or ImportStatus.Failed)
                {
                    break;
                }
                Assert.True(wait < 1200, "The surviving node did not finish the import within 4 minutes.");
                await Task.Delay(200);
            }
            Assert.Equal(ImportStatus.Completed, report.Status);
            Assert.Equal(2, report.Attempts);
            Assert.Equal(rows, report.Imported + report.AlreadyThere);
            Assert.Equal(0, report.ErrorCount);
            await using (var db = setup.OpenDb())
            {
                var ids = await db.Messages.Where(m => m.ChannelId == channel.Id).Select(m => m.ExternalId).ToListAsync();
                Assert.Equal(rows, ids.Count);
                Assert.Equal(rows, ids.Distinct().Count());
                Assert.Empty(await db.ImportChunks.ToListAsync());
                var finished = await db.ImportRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
                Assert.Null(finished.LeaseOwner);
            }
        }
        finally
        {
            await Databases.DropPostgresDatabaseAsync(postgres);
        }
    }
}
