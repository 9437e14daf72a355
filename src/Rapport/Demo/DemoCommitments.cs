using Microsoft.EntityFrameworkCore;
using Rapport.Commitments;
using Rapport.Data;
using Rapport.Listening;

namespace Rapport.Demo;

/// <summary>
/// The demo brand's public commitments: one on packaging (the built-in Environment theme), on track, and one on its own
/// Batteries theme, behind its straight line so the off-track flag shows; the public page is on so a newcomer can open it.
/// </summary>
internal static class DemoCommitments
{
    public static async Task SeedAsync(RapportDbContext db, Guid workspaceId, Guid ownerId, DateTime now, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(now);
        var batteries = await db.Set<Topic>().Where(t => t.WorkspaceId == workspaceId && t.Kind == TopicKind.Theme && t.Name == "Batteries").Select(t => t.Id).FirstOrDefaultAsync(ct);
        var packaging = new Commitment
        {
            WorkspaceId = workspaceId,
            TitleFr = "Zéro emballage plastique d’ici fin 2027",
            TitleEn = "No plastic packaging by the end of 2027",
            TextFr = "Chaque vélo et chaque pièce détachée partent dans du carton recyclé, sans film ni mousse plastique.",
            TextEn = "Every bike and every spare part ships in recycled cardboard, with no plastic film or foam.",
            Theme = nameof(Analysis.SocietalTheme.Environment),
            Words = "emballage, packaging, plastique, plastic, carton, cardboard",
            Baseline = 0,
            Target = 100,
            Unit = "%",
            StartedOn = today.AddDays(-200),
            Deadline = today.AddDays(390),
            Owner = "Direction RSE / CSR team",
            Status = CommitmentStatus.InProgress,
            IsPublished = true,
            CreatedAt = now.AddDays(-200),
            UpdatedAt = now.AddDays(-30),
            CreatedByUserId = ownerId,
        };
        db.Add(packaging);
        db.Add(new CommitmentUpdate
        {
            WorkspaceId = workspaceId,
            CommitmentId = packaging.Id,
            On = today.AddDays(-30),
            Value = 35,
            TextFr = "Les vélos cargo partent désormais dans du carton recyclé : 35 % des colis sans plastique.",
            TextEn = "Cargo bikes now ship in recycled cardboard: 35% of parcels are plastic-free.",
            EvidenceUrl = "https://velovert.example/rse/emballages-2026",
            CreatedAt = now.AddDays(-30),
            CreatedByUserId = ownerId,
        });
        if (batteries != Guid.Empty)
        {
            var recycling = new Commitment
            {
                WorkspaceId = workspaceId,
                TitleFr = "Reprendre et recycler toutes les batteries vendues",
                TitleEn = "Take back and recycle every battery we sell",
                TextFr = "Une batterie usée se rapporte dans n’importe quel atelier Vélo Vert, qui la confie à une filière agréée.",
                TextEn = "A worn battery can be brought to any Green Wheels workshop, which hands it to an approved recycler.",
                Theme = batteries.ToString("D"),
                Baseline = 20,
                Target = 100,
                Unit = "%",
                StartedOn = today.AddDays(-300),
                Deadline = today.AddDays(60),
                Owner = "Ateliers / Workshops",
                Status = CommitmentStatus.InProgress,
                IsPublished = true,
                CreatedAt = now.AddDays(-300),
                UpdatedAt = now.AddDays(-90),
                CreatedByUserId = ownerId,
            };
            db.Add(recycling);
            db.Add(new CommitmentUpdate
            {
                WorkspaceId = workspaceId,
                CommitmentId = recycling.Id,
                On = today.AddDays(-90),
                Value = 30,
                TextFr = "Reprise ouverte dans 4 ateliers sur 12.",
                TextEn = "Take-back open in 4 workshops out of 12.",
                CreatedAt = now.AddDays(-90),
                CreatedByUserId = ownerId,
            });
        }
        db.Add(new TransparencySettings { WorkspaceId = workspaceId, PublicPage = true, UpdatedAt = now });
        await db.SaveChangesAsync(ct);
    }
}
