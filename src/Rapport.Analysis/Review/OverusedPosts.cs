namespace Rapport.Analysis.Review;

/// <summary>
/// A small reference corpus of brand posts everyone has read a thousand times (French and English), written for
/// Rapport: a draft close to one of them says nothing only this brand could say. Near copies are found with
/// <see cref="NearDuplicateIndex"/>, so the wording need not match exactly.
/// </summary>
public static class OverusedPosts
{
    public static readonly IReadOnlyList<string> All =
    [
        "Happy Monday! What are your goals for this week? Let us know in the comments!",
        "Monday motivation: dream big, work hard, stay humble.",
        "It's Friday! Any plans for the weekend? Tell us below!",
        "Happy Valentine's Day to all our amazing customers! We love you!",
        "Black Friday is here! Don't miss our biggest sale of the year!",
        "Merry Christmas and Happy New Year from all of us at the team!",
        "Happy New Year! New year, new you. What are your resolutions?",
        "We are thrilled to announce our brand new website! Check it out now!",
        "We are so excited to share some big news with you. Stay tuned!",
        "Big news coming soon... stay tuned!",
        "Thank you for 1000 followers! We couldn't have done it without you!",
        "Tag a friend who needs to see this!",
        "Double tap if you agree!",
        "Coffee first, then the world.",
        "Throwback Thursday! Who remembers this?",
        "Our team is growing! We're hiring, join us!",
        "Customer satisfaction is our number one priority.",
        "Happy International Women's Day to all the incredible women out there!",
        "Happy Earth Day! Let's all do our part to protect our planet.",
        "Did you know? Fun fact of the day!",
        "Bon lundi à tous ! Quels sont vos objectifs pour cette semaine ? Dites-nous tout en commentaire !",
        "C'est vendredi ! Des projets pour le week-end ? Racontez-nous !",
        "Joyeuse Saint-Valentin à tous nos clients ! On vous aime !",
        "Le Black Friday est là ! Ne manquez pas nos promotions exceptionnelles !",
        "Toute l'équipe vous souhaite de joyeuses fêtes de fin d'année !",
        "Bonne année ! Nouvelle année, nouveaux défis. Quelles sont vos bonnes résolutions ?",
        "Nous sommes ravis de vous annoncer le lancement de notre nouveau site internet !",
        "Une grande nouvelle arrive très bientôt... restez connectés !",
        "Merci pour les 1000 abonnés ! C'est grâce à vous !",
        "Identifie un ami qui a besoin de voir ça !",
        "Like si tu es d'accord !",
        "Un café et c'est parti pour une belle journée !",
        "Petit retour en arrière ! Qui se souvient de ça ?",
        "On recrute ! Rejoignez notre équipe de passionnés !",
        "La satisfaction de nos clients est notre priorité numéro un.",
        "Bonne journée internationale des droits des femmes à toutes !",
        "Joyeuse journée de la Terre ! Prenons soin de notre planète.",
        "Le saviez-vous ? L'anecdote du jour !",
        "Et vous, qu'en pensez-vous ? Dites-le nous en commentaire !",
        "Bon week-end à tous, profitez bien !",
    ];

    private static readonly Lazy<NearDuplicateIndex> Shared = new(() =>
    {
        var index = new NearDuplicateIndex();
        for (var i = 0; i < All.Count; i++)
        {
            index.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), All[i]);
        }
        return index;
    });

    /// <summary>The corpus, indexed once for the process.</summary>
    public static NearDuplicateIndex Index => Shared.Value;
}
