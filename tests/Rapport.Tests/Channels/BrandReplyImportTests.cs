using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Automation;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Conversations;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The brand's own replies in an imported history: stored as its answers, counted in response times, never sent.</summary>
public class BrandReplyImportTests
{
    /// <summary>
    /// Written for this test in the "Customer Support on Twitter" layout and, like the public export, not in time order:
    /// the brand's reply comes first, then the customer's answer to it, then the tweet that opened the thread.
    /// </summary>
    private const string Thread = """
        tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
        2,sprintcare,False,Tue Oct 31 22:05:00 +0000 2017,@115712 Sorry to hear that! Please send us a DM <script>alert(1)</script>,3,1
        3,115712,True,Tue Oct 31 22:10:47 +0000 2017,"@sprintcare done, still waiting for an answer, where is my refund?",,2
        1,115712,True,Tue Oct 31 22:00:00 +0000 2017,"@sprintcare my phone has had no signal for two days, can you help?",2,
        """;

    private static readonly DateTime Opened = new(2017, 10, 31, 22, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CustomerTweetBrandReplyAndAnswer_MakeOneConversation_WithTheBrandsFirstResponseTime(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");
        await AddAutoReplyRuleAsync(factory, workspace.Id);

        var first = await ImportAsync(factory, workspace.Id, channel.Id, Thread, "twcs.csv");

        Assert.Equal((2L, 1L, 0L, 0L), (first.Imported, first.BrandReplies, first.AlreadyThere, first.ErrorCount));
        await using (var db = factory.OpenDb())
        {
            var conversation = await db.Conversations.SingleAsync();
            // The thread as imported (the rule's acknowledgements have no network id).
            var messages = await db.Messages.Where(m => m.ExternalId != null).OrderBy(m => m.CreatedAt).ToListAsync();
            Assert.Equal(["1", "2", "3"], messages.Select(m => m.ExternalId));
            Assert.All(messages, m => Assert.Equal(conversation.Id, m.ConversationId));
            Assert.Equal([MessageDirection.Inbound, MessageDirection.Outbound, MessageDirection.Inbound], messages.Select(m => m.Direction));
            var reply = messages[1];
            // The brand's answer as written, markup kept as text (pages bind it as text), already delivered by the network.
            Assert.Equal(("sprintcare", DeliveryStatus.Sent, null), (reply.AuthorName, reply.DeliveryStatus, reply.AuthorContactId));
            Assert.EndsWith("<script>alert(1)</script>", reply.Text, StringComparison.Ordinal);
            Assert.Null(reply.Analysis);

            // Counted as the brand's response exactly as an agent's reply from Rapport is; the customer's answer makes it wait again.
            Assert.Equal((Opened.AddMinutes(5), Opened.AddMinutes(5)), (conversation.FirstResponseAt, conversation.LastResponseAt));
            Assert.Equal(messages[2].CreatedAt, conversation.LastInboundAt);
            Assert.Equal(ConversationStatus.Open, conversation.Status);
            var firstResponse = await db.ReportingEvents.SingleAsync(e => e.Name == ReportingEventNames.FirstResponse);
            Assert.Equal((Opened, Opened.AddMinutes(5), 300d), (firstResponse.StartedAt, firstResponse.EndedAt, firstResponse.DurationSeconds));
            Assert.Equal(2, await db.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.MessageReceived));

            // Never sent: the only outbox items are the rule's acknowledgements of the customer's two tweets.
            Assert.Equal(2, await db.OutboxItems.CountAsync());
            Assert.DoesNotContain(await db.OutboxItems.Select(o => o.MessageId).ToListAsync(), id => id == reply.Id);
        }

        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var report = await analyst.GetFromJsonAsync<CareReport>(
            $"/api/v1/workspaces/{workspace.Id}/reports/care?from=2017-10-30T00:00:00Z&to=2017-11-06T00:00:00Z", Json.Options);
        Assert.Equal((1, 1, 300d), (report!.Total.FirstResponses, report.Total.Answered, report.Total.FirstResponseMedian));

        var again = await ImportAsync(factory, workspace.Id, channel.Id, Thread, "twcs.csv");
        Assert.Equal((0L, 0L, 3L, 0L), (again.Imported, again.BrandReplies, again.AlreadyThere, again.ErrorCount));
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(3, await db.Messages.CountAsync(m => m.ExternalId != null));
            Assert.Equal(1, await db.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.FirstResponse));
            Assert.Equal(2, await db.OutboxItems.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ABrandReplyToAnUnknownTweet_IsReportedWithItsLine_AndNothingElseIsLost(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");
        // Tweet 7 is stored, but in another workspace: it is not this import's.
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var elsewhere = await factory.CreateChannelAsync(other.Id, ChannelKind.Import, "Their archive");
        await ImportAsync(factory, other.Id, elsewhere.Id, """
            tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
            7,555,True,Tue Oct 31 20:00:00 +0000 2017,@sprintcare hello,,
            """, "theirs.csv");

        var summary = await ImportAsync(factory, workspace.Id, channel.Id, """
            tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
            5,sprintcare,False,Tue Oct 31 21:00:00 +0000 2017,@115799 We are on it.,,999
            1,115712,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare no signal since Monday,2,
            6,sprintcare,False,Tue Oct 31 21:30:00 +0000 2017,@555 Hi again!,,7
            2,sprintcare,False,Tue Oct 31 22:05:00 +0000 2017,@115712 Sorry! Please send us a DM.,,1
            """, "twcs.csv");

        Assert.Equal((1L, 1L, 2L), (summary.Imported, summary.BrandReplies, summary.ErrorCount));
        Assert.Collection(summary.Errors,
            e => Assert.Equal((2L, "The brand reply answers message 999, which is not in the import."), (e.Line, e.Error)),
            e => Assert.Equal((4L, "The brand reply answers message 7, which is not in the import."), (e.Line, e.Error)));
        await using var db = factory.OpenDb();
        Assert.Equal(["1", "2"], await db.Messages.Where(m => m.ChannelId == channel.Id).OrderBy(m => m.ExternalId).Select(m => m.ExternalId).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheGenericFormat_CarriesBrandReplies_InAFromBrandColumn(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Helpdesk export");
        // First a customer's message, alone; then, in a later file, the brand's answer to it and the customer writing again.
        await ImportAsync(factory, workspace.Id, channel.Id, """
            external_id,author,text,created_at
            m1,julie@example.test,Ma commande 4471 n'est jamais arrivée.,2026-03-02T09:00:00Z
            """, "first.csv");

        var summary = await ImportAsync(factory, workspace.Id, channel.Id, """
            external_id,author,author_name,text,created_at,in_reply_to,from_brand
            r1,agent-7,Service client,"Bonjour Julie, nous renvoyons le colis aujourd'hui.",2026-03-02T10:30:00Z,m1,true
            r2,agent-7,Service client,Sans parent.,2026-03-02T10:31:00Z,,true
            r3,agent-7,Service client,Peut-être.,2026-03-02T10:32:00Z,m1,maybe
            m2,julie@example.test,,"Merci, mais je l'attends toujours, quand arrivera-t-il ?",2026-03-03T09:00:00Z,,false
            """, "second.csv");

        Assert.Equal((1L, 1L), (summary.Imported, summary.BrandReplies));
        Assert.Collection(summary.Errors,
            e => Assert.Equal((3L, "A brand reply (from_brand true) needs in_reply_to: the message it answers."), (e.Line, e.Error)),
            e => Assert.Equal((4L, "from_brand must be true or false."), (e.Line, e.Error)));
        await using var db = factory.OpenDb();
        var conversation = await db.Conversations.SingleAsync();
        var messages = await db.Messages.OrderBy(m => m.CreatedAt).ToListAsync();
        Assert.Equal([("m1", MessageDirection.Inbound), ("r1", MessageDirection.Outbound), ("m2", MessageDirection.Inbound)],
            messages.Select(m => (m.ExternalId!, m.Direction)));
        Assert.Equal("Service client", messages[1].AuthorName);
        // The answer from the earlier file is the first response; the customer writing again continues the conversation.
        Assert.Equal(new DateTime(2026, 3, 2, 10, 30, 0, DateTimeKind.Utc), conversation.FirstResponseAt);
        Assert.Equal(messages[2].CreatedAt, conversation.LastInboundAt);
        Assert.All(messages, m => Assert.Equal(conversation.Id, m.ConversationId));
        var firstResponse = await db.ReportingEvents.SingleAsync(e => e.Name == ReportingEventNames.FirstResponse);
        Assert.Equal(5400d, firstResponse.DurationSeconds);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BrandRepliesListedABatchBeforeTheirTweets_WaitForThem_AndAreTimedFromWhatTheyAnswered(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");
        // The brand's two replies end the first batch; the tweets they answer, and the customer's last word, fill the next one.
        var csv = new StringBuilder("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n");
        for (var i = 0; i < ImportService.RowsPerBatch - 2; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{1000 + i},{200_000 + i},True,Mon Oct 30 10:00:00 +0000 2017,@sprintcare hello from {i},,\n");
        }
        csv.Append("2,sprintcare,False,Tue Oct 31 22:05:00 +0000 2017,@115712 Sorry to hear that!,3,1\n");
        csv.Append("4,sprintcare,False,Tue Oct 31 22:15:00 +0000 2017,@115712 Could you restart your phone?,5,3\n");
        csv.Append("1,115712,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare no signal for two days,2,\n");
        csv.Append("3,115712,True,Tue Oct 31 22:10:47 +0000 2017,@sprintcare still nothing?,4,2\n");
        csv.Append("5,115712,True,Tue Oct 31 22:20:00 +0000 2017,\"@sprintcare restarted, no change. What now?\",,4\n");

        var summary = await ImportAsync(factory, workspace.Id, channel.Id, csv.ToString(), "twcs.csv");

        Assert.Equal((ImportService.RowsPerBatch + 1L, 2L, 0L), (summary.Imported, summary.BrandReplies, summary.ErrorCount));
        await using var db = factory.OpenDb();
        string[] ids = ["1", "2", "3", "4", "5"];
        var thread = await db.Messages.Where(m => ids.Contains(m.ExternalId!)).OrderBy(m => m.CreatedAt).ToListAsync();
        Assert.Equal(ids, thread.Select(m => m.ExternalId));
        var conversation = await db.Conversations.SingleAsync(c => c.Id == thread[0].ConversationId);
        Assert.All(thread, m => Assert.Equal(conversation.Id, m.ConversationId));
        // Stored after the customer's later tweets, each reply is timed from the tweet it answered: the first from the
        // opening tweet, the second from the customer's answer to the first; the customer's last tweet still waits.
        var responses = await db.ReportingEvents.Where(e => e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply)
            .OrderBy(e => e.EndedAt).Select(e => new { e.Name, e.DurationSeconds }).ToListAsync();
        Assert.Equal([(ReportingEventNames.FirstResponse, 300d), (ReportingEventNames.Reply, 253d)], responses.Select(e => (e.Name, e.DurationSeconds!.Value)));
        Assert.Equal((Opened.AddMinutes(5), Opened.AddMinutes(15)), (conversation.FirstResponseAt, conversation.LastResponseAt));
        Assert.Equal(Opened.AddMinutes(20), conversation.LastInboundAt);
    }

    /// <summary>A rule that acknowledges every customer message: it must not answer the brand's own replies.</summary>
    private static async Task AddAutoReplyRuleAsync(RapportFactory factory, Guid workspaceId)
    {
        await using var db = factory.OpenDb();
        db.AutomationRules.Add(new AutomationRule
        {
            WorkspaceId = workspaceId,
            Name = "Acknowledge",
            Trigger = RuleTrigger.MessageReceived,
            Actions = new RuleActions { ReplyText = "We got your message." },
            CreatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    private static async Task<ImportSummary> ImportAsync(RapportFactory factory, Guid workspaceId, Guid channelId, string content, string fileName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return await import.ImportAsync(workspaceId, channelId, file, fileName);
    }
}
