using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Ingest;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

/// <summary>A customer's messages are read in their thread: what the brand said last changes what a reply means.</summary>
public class ConversationContextTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Ingest_AnswerToTheAgentsQuestion_AndThanksAfterTheFix_AreReadInTheirThread(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await using (var db = factory.OpenDb())
        {
            // A sandbox channel delivers the agent's reply through the real outbox without a network.
            (await db.Channels.SingleAsync(c => c.Id == channel.Id)).Sandbox = true;
            await db.SaveChangesAsync();
        }
        var conversation = await ConversationWorkTests.InboundAsync(factory, workspace.Id, channel.Id, "m-1", "sam@example.test",
            "The app keeps logging me out since yesterday, this is really annoying");
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var replies = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/replies";

        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsJsonAsync(replies, new { text = "Sorry about that, Sam! Are you using a VPN?" })).StatusCode);
        var answer = await ConversationWorkTests.InboundAsync(factory, workspace.Id, channel.Id, "m-2", "sam@example.test", "No, I am not using a VPN.");

        Assert.Equal(conversation, answer);
        await using (var db = factory.OpenDb())
        {
            var analysis = (await db.Messages.Include(m => m.Analysis).SingleAsync(m => m.ExternalId == "m-2")).Analysis!;
            Assert.NotEqual("Complaint", analysis.Intent);
            Assert.Equal("Neutral", analysis.Sentiment);
            Assert.True(analysis.NeedsAnswer >= 0.5, $"needs answer {analysis.NeedsAnswer}");
            Assert.True((await db.Conversations.SingleAsync()).NeedsAnswer >= 0.5);
        }

        // The fix arrives from the network's history (already in the customer's hands), then the customer's thanks.
        await using (var scope = factory.Services.CreateAsyncScope())
        await using (var db = factory.OpenDb())
        {
            var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
            await ingest.IngestAsync(db, workspace.Id, new InboundItem
            {
                ChannelId = channel.Id,
                ExternalId = "b-1",
                AuthorHandle = "support",
                Text = "Thanks! We've reset your session, it should work now.",
                InReplyToExternalId = "m-2",
                FromBrand = true,
            });
        }
        await ConversationWorkTests.InboundAsync(factory, workspace.Id, channel.Id, "m-3", "sam@example.test", "Thanks, it works now!");

        await using (var db = factory.OpenDb())
        {
            var analysis = (await db.Messages.Include(m => m.Analysis).SingleAsync(m => m.ExternalId == "m-3")).Analysis!;
            Assert.Equal("Praise", analysis.Intent);
            Assert.Equal("Positive", analysis.Sentiment);
            Assert.True(analysis.NeedsAnswer < 0.5, $"needs answer {analysis.NeedsAnswer}");
            Assert.True((await db.Conversations.SingleAsync()).NeedsAnswer < 0.5);
        }

        // Analysed again (after a retraining), each message is still read in its thread.
        await using (var scope = factory.Services.CreateAsyncScope())
        await using (var db = factory.OpenDb())
        {
            var summary = await scope.ServiceProvider.GetRequiredService<Reprocessing>().ReprocessAsync(db, workspace.Id, DateTime.UtcNow.AddDays(-1));
            Assert.Equal(3, summary.Messages);
            Assert.Equal(0, summary.Changed);
        }
    }
}
