using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Reports;
using Rapport.Satisfaction;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

public class SurveyTests
{
    private const string Hostile = "<img src=x onerror=alert(1)> \"quoted\" & 'single' =SUM(A1)";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Survey_AnsweredOnce_WithTheCommentStoredAsText_ThenASecondAnswerIsRefused(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var id = await setup.ReceiveAsync("My parcel is late.");
        var link = await setup.Client.GetFromJsonAsync<SurveyLinkDto>($"{setup.Url}/conversations/{id}/survey-link", Json.Options);
        Assert.EndsWith("/survey/" + link!.Token, link.Url.ToString(), StringComparison.Ordinal);
        var anonymous = setup.Factory.CreateClient();

        var page = await anonymous.GetStringAsync($"/survey/{link.Token}");
        Assert.Contains("Acme", page, StringComparison.Ordinal);

        var first = await anonymous.PostAsJsonAsync($"/api/v1/surveys/{link.Token}", new { csat = 4, effort = 2, comment = Hostile });
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        var second = await anonymous.PostAsJsonAsync($"/api/v1/surveys/{link.Token}", new { csat = 1, effort = 5 });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already answered", await second.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        await using var db = setup.Factory.OpenDb();
        var answer = await db.SurveyResponses.SingleAsync();
        Assert.Equal((id, 4, 2, Hostile), (answer.ConversationId, answer.Csat, answer.Effort, answer.Comment));
        var scores = await db.ReportingEvents.Where(e => e.ConversationId == id && e.Name.StartsWith("survey.")).ToDictionaryAsync(e => e.Name, e => e.Value);
        Assert.Equal(4, scores[ReportingEventNames.SurveyCsat]);
        Assert.Equal(2, scores[ReportingEventNames.SurveyEffort]);
        // The page now says thanks instead of offering the form again.
        Assert.DoesNotContain("<form", await anonymous.GetStringAsync($"/survey/{link.Token}"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ForgedOrTamperedLinks_AndBadScores_AreRefused(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var id = await setup.ReceiveAsync("Hello");
        var link = await setup.Client.GetFromJsonAsync<SurveyLinkDto>($"{setup.Url}/conversations/{id}/survey-link", Json.Options);
        var anonymous = setup.Factory.CreateClient();
        var tampered = link!.Token[..^3] + (link.Token[^3] == 'A' ? 'B' : 'A') + link.Token[^2..];
        foreach (var token in new[] { tampered, Convert.ToBase64String(id.ToByteArray()).TrimEnd('='), "x", new string('a', 5000) })
        {
            var response = await anonymous.PostAsJsonAsync($"/api/v1/surveys/{Uri.EscapeDataString(token)}", new { csat = 5, effort = 1 });
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.RequestUriTooLong or HttpStatusCode.BadRequest, $"{token[..Math.Min(10, token.Length)]}: {response.StatusCode}");
        }
        Assert.Contains("not valid", await anonymous.GetStringAsync($"/survey/{tampered}"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync($"/api/v1/surveys/{link.Token}", new { csat = 7, effort = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync($"/api/v1/surveys/{link.Token}",
            new { csat = 3, effort = 3, comment = new string('x', SurveyResponse.MaxCommentLength + 1) })).StatusCode);
        await using var db = setup.Factory.OpenDb();
        Assert.Empty(await db.SurveyResponses.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheRecommendationQuestion_IsAskedOnlyWhenTheWorkspaceTurnsItOn_AndItsAnswerCountsForTheNps(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var asked = await setup.ReceiveAsync("My parcel is late.");
        var skipped = await setup.ReceiveAsync("Where is my invoice?", "other@example.test");
        var anonymous = setup.Factory.CreateClient();
        async Task<string> TokenAsync(Guid id) => (await setup.Client.GetFromJsonAsync<SurveyLinkDto>($"{setup.Url}/conversations/{id}/survey-link", Json.Options))!.Token;
        var askedToken = await TokenAsync(asked);
        Assert.DoesNotContain("likely are you to recommend", await anonymous.GetStringAsync($"/survey/{askedToken}"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/survey-settings",
            new SurveySettingsDto(false, SurveySettings.DefaultInvitation, AskRecommendation: true))).StatusCode);
        var settings = await setup.Client.GetFromJsonAsync<SurveySettingsDto>($"{setup.Url}/survey-settings", Json.Options);
        Assert.True(settings!.AskRecommendation);
        Assert.Contains("How likely are you to recommend Acme to a friend or colleague?", await anonymous.GetStringAsync($"/survey/{askedToken}"), StringComparison.Ordinal);

        // Out of 0–10 is a forged form: refused, nothing stored.
        foreach (var bad in new[] { -1, 11 })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync($"/api/v1/surveys/{askedToken}", new { csat = 5, effort = 1, recommend = bad })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync($"/api/v1/surveys/{askedToken}", new { csat = 5, effort = 1, recommend = 9 })).StatusCode);
        // The question stays optional for the customer.
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync($"/api/v1/surveys/{await TokenAsync(skipped)}", new { csat = 3, effort = 3 })).StatusCode);

        await using var db = setup.Factory.OpenDb();
        var answers = await db.SurveyResponses.ToDictionaryAsync(r => r.ConversationId, r => r.Recommend);
        Assert.Equal(9, answers[asked]);
        Assert.Null(answers[skipped]);
        var recommend = await db.ReportingEvents.Where(e => e.Name == ReportingEventNames.SurveyRecommend).ToListAsync();
        Assert.Equal((asked, 9d), (Assert.Single(recommend).ConversationId!.Value, recommend[0].Value!.Value));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Resolving_SendsTheSurveyThroughTheOutbox_WhenTheWorkspaceAsks(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var id = await setup.ReceiveAsync("Where is my refund?");
        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/survey-settings",
            new SurveySettingsDto(true, "Merci ! Votre avis : {link}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { status = "Resolved" })).StatusCode);

        await using var db = setup.Factory.OpenDb();
        var item = await db.OutboxItems.SingleAsync();
        var message = await db.Messages.SingleAsync(m => m.Id == item.MessageId);
        Assert.StartsWith("Merci ! Votre avis : http://localhost:5080/survey/", message.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SurveyLink_OfAnotherWorkspacesConversation_IsNotFound(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var id = await setup.ReceiveAsync("Hello");
        var (stranger, other) = await setup.Factory.CreateOwnerAsync(workspaceName: "Other");
        var client = await setup.Factory.TokenClientAsync(other.Id, Role.Owner, stranger.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/workspaces/{other.Id}/conversations/{id}/survey-link")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{setup.Url}/conversations/{id}/survey-link")).StatusCode);
    }
}
