using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Listening;

namespace Rapport.Demo;

/// <summary>
/// The demo's listening: the brand's topics, and what people said publicly over the last two weeks on the demo's listening
/// feed, processed through the one ingest path so the Listening pages show real matches.
/// </summary>
internal static class DemoListening
{
    private static readonly (string Query, string Name, TopicKind Kind)[] Topics =
    [
        ("\"Vélo Vert\" OR \"Green Wheels\" OR @velovert OR #velovert", "Vélo Vert / Green Wheels", TopicKind.Brand),
        ("(cargo NEAR/2 vélo) OR \"cargo bike\" OR \"vélo cargo\"", "Cargo bikes", TopicKind.Product),
        ("RouleMax OR @roulemax", "RouleMax", TopicKind.Competitor),
        ("(batterie OR battery) NEAR/4 (panne OR died OR morte OR dead OR autonomie OR range)", "Batteries", TopicKind.Theme),
    ];

    private static readonly (int DaysAgo, string Author, string Text)[] Heard =
    [
        (1, "Le Blog Vélo", "Essai du vélo cargo de Vélo Vert : solide, bien pensé, mais la batterie tombe en panne au bout de 40 km en hiver."),
        (2, "Cycling Weekly", "Green Wheels cargo bike review: the best family bike we tested this year, repairs are free for two years, and we'd recommend it to any family."),
        (3, "@julie_velotaf", "Ma batterie Vélo Vert est morte après six mois, et le SAV ne répond pas. À éviter. #velovert"),
        (4, "Urban Riders", "RouleMax cuts prices again: their e-bikes are now cheaper than Green Wheels, but the battery range is shorter."),
        (5, "@sam_rides", "Lovely ride along the canal on my Green Wheels this morning, battery still at 80%."),
        (6, "Le Blog Vélo", "RouleMax ouvre un atelier à Lyon. Les conditions de travail des mécaniciens font débat."),
        (8, "Bike Radar", "Is a cargo bike worth it? We compared Vélo Vert, RouleMax and two others."),
        (9, "@paulo", "Vélo Vert a réparé mon vélo en 24 h, service impeccable, je recommande ! Merci @velovert"),
        (11, "Commuter News", "Winter tips: keep your battery indoors overnight, or the range drops by a third."),
        (13, "@nina", "Bought a RouleMax, battery dead in a week. Should have gone with Green Wheels."),
    ];

    /// <summary>The brand's topics, before the first item is heard, so processing matches every mention as it comes.</summary>
    public static async Task SeedTopicsAsync(RapportDbContext db, Guid workspaceId, Guid ownerId, DateTime now, CancellationToken ct)
    {
        foreach (var (query, name, kind) in Topics)
        {
            db.Set<Topic>().Add(new Topic
            {
                WorkspaceId = workspaceId,
                Name = name,
                Kind = kind,
                Query = query,
                CreatedAt = now.AddDays(-30),
                UpdatedAt = now.AddDays(-30),
                CreatedByUserId = ownerId,
                RematchedAt = now.AddDays(-30),
            });
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>More of what the demo's listening channel heard over the last two weeks.</summary>
    public static async Task SeedMentionsAsync(RapportDbContext db, IngestService ingest, Guid workspaceId, IEnumerable<Channel> channels, DateTime now, CancellationToken ct)
    {
        if (channels.FirstOrDefault(c => c.Direction == ChannelDirection.Listening) is not { } channel)
        {
            return;
        }
        var items = Heard.Select((h, i) => new InboundItem
        {
            ChannelId = channel.Id,
            ExternalId = $"demo-mention-{i + 1}",
            AuthorHandle = h.Author,
            AuthorName = h.Author,
            Text = h.Text,
            IsPublic = true,
            CreatedAt = now.AddDays(-h.DaysAgo).AddHours(-i),
        }).ToList();
        await ingest.IngestBatchAsync(db, workspaceId, items, ahead: null, ct);
    }
}
