using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Conversations;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class ImportTests
{
    /// <summary>Written for this test in the column layout of the public "Customer Support on Twitter" export.</summary>
    private const string CustomerSupportOnTwitter = """
        tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
        10,115712,True,Tue Oct 31 22:00:00 +0000 2017,"@sprintcare my phone has had no signal for two days, can you help?",11,
        11,sprintcare,False,Tue Oct 31 22:05:00 +0000 2017,@115712 Sorry to hear that! Please send us a DM.,12,10
        12,115712,True,Tue Oct 31 22:10:47 +0000 2017,"@sprintcare done, still waiting, this is ridiculous",,11
        20,115713,True,Wed Nov 01 08:00:00 +0000 2017,"@AppleSupport my iPhone battery drains in an hour, is that normal?",21,
        21,AppleSupport,False,Wed Nov 01 08:03:00 +0000 2017,@115713 Let's look into it together. Which iOS version?,,20
        30,115714,True,yesterday,@sprintcare hello?,,
        31,115712,True
        40,115715,True,Thu Nov 02 09:30:00 +0000 2017,@AmazonHelp where is my parcel? order 112-555,,
        """;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CustomerSupportOnTwitterLayout_RebuildsThreadsReportsBadRowsAndIsIdempotent(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");

        var first = await ImportAsync(factory, workspace.Id, channel.Id);
        var second = await ImportAsync(factory, workspace.Id, channel.Id);

        Assert.Equal(4, first.Imported);
        Assert.Equal(2, first.BrandReplies);
        Assert.Equal(2, first.ErrorCount);
        Assert.Collection(first.Errors,
            e => Assert.Equal((7L, "created_at \"yesterday\" is not a date."), (e.Line, e.Error)),
            e => Assert.Equal((8L, "Expected 7 fields, found 3."), (e.Line, e.Error)));
        Assert.Equal((0L, 0L, 6L), (second.Imported, second.BrandReplies, second.AlreadyThere));

        await using var db = factory.OpenDb();
        var messages = await db.Messages.OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["10", "11", "12", "20", "21", "40"], messages.Select(m => m.ExternalId));
        // The brand's reply and the customer's answer to it join the conversation the brand was answering.
        Assert.Equal([messages[0].ConversationId], messages.Take(3).Select(m => m.ConversationId).Distinct());
        Assert.Equal(("sprintcare", MessageDirection.Outbound), (messages[1].AuthorName, messages[1].Direction));
        Assert.Equal("11", messages[2].InReplyToExternalId);
        Assert.Equal(new DateTime(2017, 10, 31, 22, 10, 47, DateTimeKind.Utc), messages[2].CreatedAt);
        Assert.Equal(3, await db.Conversations.CountAsync());
        Assert.True(await db.Conversations.AllAsync(c => c.IsPublic));
        Assert.Equal(["115712", "115713", "115715"], await db.ContactIdentities.OrderBy(i => i.Handle).Select(i => i.Handle).ToListAsync());
    }

    /// <summary>The same tweets as JSON objects with the same fields: ids as numbers, inbound as booleans, null for no parent.</summary>
    private const string CustomerSupportOnTwitterJson = """
        [
          {"tweet_id": 10, "author_id": "115712", "inbound": true, "created_at": "Tue Oct 31 22:00:00 +0000 2017", "text": "@sprintcare my phone has had no signal for two days, can you help?", "response_tweet_id": "11", "in_response_to_tweet_id": null},
          {"tweet_id": 11, "author_id": "sprintcare", "inbound": false, "created_at": "Tue Oct 31 22:05:00 +0000 2017", "text": "@115712 Sorry to hear that! Please send us a DM.", "response_tweet_id": "12", "in_response_to_tweet_id": 10.0},
          {"tweet_id": 12, "author_id": "115712", "inbound": true, "created_at": "Tue Oct 31 22:10:47 +0000 2017", "text": "@sprintcare done, still waiting, this is ridiculous <b>now</b>", "response_tweet_id": null, "in_response_to_tweet_id": 11},
          {"tweet_id": 30, "author_id": "115714", "inbound": true, "created_at": "yesterday", "text": "@sprintcare hello?"},
          {"tweet_id": 40, "author_id": "115715", "inbound": "True", "created_at": "Thu Nov 02 09:30:00 +0000 2017", "text": "@AmazonHelp where is my parcel? order 112-555"}
        ]
        """;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CustomerSupportOnTwitterLayout_InJson_RebuildsTheSameThreads(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");

        var first = await ImportAsync(factory, workspace.Id, channel.Id, CustomerSupportOnTwitterJson, "twcs.json");
        var second = await ImportAsync(factory, workspace.Id, channel.Id, CustomerSupportOnTwitterJson, "twcs.json");

        Assert.Equal((3L, 1L, 1L), (first.Imported, first.BrandReplies, first.ErrorCount));
        Assert.Equal((4L, "created_at \"yesterday\" is not a date."), (first.Errors[0].Line, first.Errors[0].Error));
        Assert.Equal((0L, 4L), (second.Imported, second.AlreadyThere));
        await using var db = factory.OpenDb();
        var messages = await db.Messages.OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["10", "11", "12", "40"], messages.Select(m => m.ExternalId));
        // The brand's reply (its parent id written 10.0) and the customer's answer join the conversation; the markup stays text.
        Assert.Equal([messages[0].ConversationId], messages.Take(3).Select(m => m.ConversationId).Distinct());
        Assert.Equal(("10", MessageDirection.Outbound), (messages[1].InReplyToExternalId, messages[1].Direction));
        Assert.EndsWith("<b>now</b>", messages[2].Text, StringComparison.Ordinal);
        Assert.True(await db.Conversations.AllAsync(c => c.IsPublic));
        Assert.Equal(["115712", "115715"], await db.ContactIdentities.OrderBy(i => i.Handle).Select(i => i.Handle).ToListAsync());
    }

    private static async Task<ImportSummary> ImportAsync(RapportFactory factory, Guid workspaceId, Guid channelId,
        string content = CustomerSupportOnTwitter, string fileName = "twcs.csv")
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return await import.ImportAsync(workspaceId, channelId, file, fileName);
    }
}
