namespace Rapport.Analysis.Lexicons;

/// <summary>
/// Word polarities (−3 to +3) for French and English, keyed by folded form (lower case, no accents),
/// with negators, intensifiers, diminishers, abbreviations, emoticons and emoji. Written by the project.
/// </summary>
internal static class SentimentLexicon
{
    public static readonly Dictionary<string, float> Words = Build();
    public static readonly Dictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> WordsLookup = Words.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, float> Build()
    {
        var d = new Dictionary<string, float>(StringComparer.Ordinal);
        void Add(float v, string words)
        {
            foreach (var w in words.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                d[w] = v;
            }
        }

        // English, positive
        Add(3f, "excellent amazing awesome fantastic outstanding perfect wonderful brilliant superb incredible exceptional flawless love loved loving adore lifesaver");
        Add(2f, "great good nice happy glad pleased delighted thanks thank thx ty grateful appreciate appreciated helpful friendly kind impressed enjoy enjoyed enjoying recommend recommended fast quick easy smooth reliable beautiful lovely cool best better fabulous fab superb solved resolved fixed worked works sweet gorgeous stellar top");
        Add(1f, "ok okay fine decent fair satisfied satisfying like liked likes fun interesting useful efficient polite professional welcome clean comfortable affordable cheap improved improvement yay wow");
        // English, negative
        Add(-3f, "terrible horrible awful worst disgusting disgraceful appalling atrocious pathetic useless scam fraud hate hated furious outrageous unacceptable nightmare shameful ridiculous dangerous unsafe");
        Add(-2f, "bad poor disappointed disappointing disappointment angry annoyed annoying frustrated frustrating upset broken broke wrong rude slow late delayed delay delays cancelled canceled cancellation missing lost failed fails failure fail error errors bug buggy crash crashed crashes problem problems issue issues complaint worse waste refund overcharged overpriced expensive ripoff rubbish crap sucks sucked shit fuck fucking damn dirty unhappy sad sorry stuck ignored unreliable incompetent misleading lied lying liar mess messed hell disaster fed sick tired joke");
        // Words customers use about faults and service that are negative wherever they appear.
        Add(-3f, "abysmal dreadful shocking laughable shambles infuriating disgrace livid fuming");
        Add(-2f, "faulty defective damaged cracked smashed leaking leaky ruined unusable unresponsive incorrect mistake inconvenient inconvenience shoddy flimsy sloppy careless unprofessional disrespectful hassle outage outages overdue unanswered unfair cheated misled robbed stolen worthless lousy poorly clueless hopeless gutted fml");
        Add(-1f, "ugh smh impossible");
        Add(-1f, "meh unfortunately confusing confused difficult hard wait waiting weird strange cold noisy mediocre average boring concern concerned worried worry doubt doubtful");

        // French, positive
        Add(3f, "excellent excellente excellents genial geniale geniaux parfait parfaite parfaits parfaites magnifique magnifiques extraordinaire fantastique formidable incroyable merveilleux merveilleuse sublime adore adorent adorable top exceptionnel exceptionnelle");
        Add(2f, "bien bon bonne bons bonnes super merci mercii remercie remercier ravi ravie ravis heureux heureuse content contente contents satisfait satisfaite satisfaits rapide rapides efficace efficaces agreable agreables sympa sympathique gentil gentille aimable serviable pro professionnel professionnelle impeccable nickel chouette cool beau belle beaux bravo felicitations recommande conseille fiable pratique facile resolu resolue regle reglee repare reparee fonctionne marche meilleur meilleure meilleurs aime aimer aimons j'aime plait");
        Add(1f, "correct correcte ok okay acceptable interessant interessante utile clair claire propre confortable abordable ameliore amelioration");
        // French, negative
        Add(-3f, "horrible horribles nul nulle nuls nulles lamentable lamentables scandale scandaleux scandaleuse honteux honteuse honte inadmissible inacceptable catastrophe catastrophique pire arnaque arnaques arnaqueur escroc escrocs escroquerie deplorable deplorables degoutant degoutante degoute degoutee deteste inutile inutiles dangereux dangereuse minable pitoyable enfer cauchemar honteusement");
        Add(-2f, "mauvais mauvaise mauvaises decu decue decus decues decevant decevante deception mecontent mecontente enerve enervee enervant agace agacee furieux furieuse marre galere galerer galere probleme problemes souci soucis panne pannes bug bugs bogue erreur erreurs retard retards retarde annule annulee annulation perdu perdue perdus casse cassee casses abime abimee defectueux defectueuse lent lente lents lentement cher chere chers trop_cher rembourser remboursement plainte reclamation incompetent incompetents incompetence merde merdique bordel putain chiant chiante pourri pourrie pourris foutage fiasco triste desole desolee bloque bloquee attente ignore ignoree injoignable mensonge menteur menteurs vole voleurs sale");
        Add(-3f, "insupportable degueulasse immonde");
        Add(-2f, "abuse abusif abusive foireux inutilisable defaillant defaillante endommage endommagee irrespectueux irrespectueuse impoli impolie malpoli malpolie desagreable injuste incapable incapables amateurisme menti mensonger");
        Add(-1.5f, "mal");
        Add(-1f, "bof moyen moyenne dommage malheureusement complique compliquee difficile bizarre etrange froid inquiet inquiete inquietude doute attendre attends");

        // The words of everyday posts beyond customer care (excitement, wishes, news, insults), so that a tweet about a
        // match, a birthday or a war is read as people read it (docs/decisions/0062). Added only where the care lists
        // above say nothing, so their deliberate values stand.
        void More(float v, string words)
        {
            foreach (var w in words.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                d.TryAdd(w, v);
            }
        }
        // English, positive
        More(3f, "awesomeness phenomenal magnificent spectacular epic legendary thrilled ecstatic overjoyed stoked psyched perfection masterpiece hilarious greatest congratulations congrats congratz bliss joyful wonderfully heavenly triumph marvelous marvellous terrific splendid exquisite stunning breathtaking adored loves lovin luv amazingly loveliest beautifully fantastically");
        More(2f, "excited exciting excitement happier happiest happiness proud pride celebrate celebrates celebrating celebration win wins won winning winner winners victory victorious champion champions championship favorite favourite favorites favourites fave fav lucky fortunate hopeful cheers enjoyable yummy delicious tasty cute smile smiles smiling laugh laughing laughed haha hahaha hahah funny beauty charming inspiring inspired inspiration inspirational brave courage hero heroes success successful succeed succeeded genius talented talent honored honoured privilege thankful gratitude blessing blessed bless thankyou thanx impressive remarkable fascinating entertaining smart clever generous caring kindness enjoys appreciates legend ace sweetest hug hugs kiss kisses xoxo glory elegant joy wow awsome awesomee amazin goood gud nicee");
        More(1.5f, "rock rocks rocked luck party celebrated relax relaxing relaxed comfy fun supportive peace peaceful");
        More(1f, "hope hoping hopefully wish wishes wishing lol birthday bday holiday holidays vacation worth worthy valuable neat handy fresh healthy strong powerful wise respect respected trust trusted loyal warm safe agree agreed gain gains boost progress");
        // English, negative
        More(-3f, "murder murdered murders terrorist terrorists terrorism terror rape raped racist racism evil disgusted despise hateful hates hating tragic tragedy devastated devastating heartbroken heartbreaking horrific horrendous vile sickening bullshit shitty pissed outraged disgust terrified terrifying depressed depressing miserable misery cruel sexist hypocrite deadly corrupt corruption asshole bitch horrid violence violent massacre genocide");
        More(-2.5f, "idiot idiots moron morons stupid stupidity dumb retarded");
        More(-2f, "kill kills killed killer dead die died dies dying death deaths war wars attack attacks attacked bomb bombs bombing bombed explosion shooting shootings victim victims injured injury injuries hurt hurts hurting pain painful suffer suffering suffered crisis threat threats threaten threatened threatening danger fake lie lies liars cheat cheating steal stole thief thieves crime crimes criminal criminals guilty shame ashamed embarrassing embarrassed blame blamed blames loser losers lose loses losing loss losses defeat defeated failing badly lame anger mad rage hostile aggressive riot riots arrested jail accused scandal condemn condemned condemns disappoint disappoints dislike dislikes ignorant ignorance absurd trash garbage junk poison toxic filthy stink stinks stinky bitter brutal harsh injustice discrimination hypocrisy nasty gross ugly creepy scary scared afraid fear fears feared panic anxious anxiety stress stressed stressful depression lonely cry crying cried cries tears sadly sadness unfortunate regret regrets sorrow grief mourn mourning rip annoy annoys irritating irritated bored boring exhausted ill cancer disease trouble troubled argh dammit goddamn ass screwed sucky suck crappy worried scandalous damage damaged destroy destroyed destruction collapse collapsed flood floods disease epidemic poverty hungry starving homeless protest protests unemployment recession");
        More(-1.5f, "miss missed misses missing shot sick");
        More(-1f, "alone risk risks ban banned prison controversy controversial oppose opposed silly awkward jealous envy virus flu boo dull insane fault");
        // French, positive
        More(3f, "bonheur merveille merveilles superbe superbes splendide splendides genialissime magique magiques");
        More(2f, "aimee aimes aimez adorer adorons adores kiffe kiffer kiffes joie plaisir hate victoire victoires gagne gagner gagnee reussi reussie reussite succes fier fiere fiers fieres beaute drole droles mignon mignonne mignons amour amoureux amoureuse brillant brillante hourra youpi enthousiaste passionnant passionnante rejouis rejouit felicite felicitons remercions remercie remercient chapeau");
        More(1.5f, "espoir espere esperons mieux chance solidarite soutien positif positive positifs benefique favorable progres avancee rire rigole");
        More(1f, "paix bienvenue intelligent intelligente sain saine avantage avantages soutenir espoirs");
        // French, negative
        More(-3f, "attentat attentats terroriste terroristes terrorisme violence violences desastre tragique tragedie haine raciste racistes racisme corruption corrompu corrompus connard connards massacre genocide horreur");
        More(-2f, "mort morts mortel mortelle mourir meurt meurent tue tues tuee tuees guerre guerres victime victimes crise crises danger menace menaces menace menacee pollution pollue polluee polluer polluants drame dramatique malheur malheureux malheureuse peur inquietant inquietante colere mensonges stupide stupides idiot idiote idiots con cons conne debile debiles cretin cretins abruti naze ridicule ridicules absurde echec echecs echoue ratee perte perdre detruire detruit detruite destruction degats fatigue fatiguee malade malades maladie souffrance souffrir souffre douleur pleurer pleure pleurs helas regret regrette regrettable ennuyeux ennuyeuse injustice moche laid laide toxique toxiques nocif nocive scandales inquietants alarmant alarmante grave_crise chomage pauvrete misere faillite honteuse menteurs escroquerie");
        // A second pass over common words of posts (both languages), written by us.
        More(3f, "delightful tragically");
        More(2f, "woohoo yippee hooray whoop delight pleasure pleasant cheerful optimistic slay gift smiled sunshine honest freedom kiff vivement rejouissant encourageant prometteur prometteuse remarquable admirable fascinant");
        More(1.5f, "woo bestie giggle cozy cosy lit dope innovant innovante");
        More(1f, "sunny chill vibes goals treat surprise bonus heal healing recovered recovery saved rescue justice truth interested");
        More(-3f, "humiliating");
        More(-2.5f, "insulting indigne scandalise revoltant");
        More(-2f, "embarrassment insult offensive offended worrying hurtful pointless nonsense headache funeral disturbing troubling alarming worsening beurk berk relou indignation preoccupant polluant nuisance nuisances");
        More(-1.5f, "struggle struggles struggling fumble missile bloody sigh yikes ouch shocked shock fired layoffs condolences plunge slump pfff pff bruyant concerning");
        More(-1f, "freaking oops nervous weak quit cuts debt decline");
        More(-1f, "risque risques faux fausse ennui inegalites manque manquer difficultes");
        return d;
    }

    /// <summary>Words that open a negation scope over the next few words.</summary>
    public static readonly HashSet<string> Negators = new(StringComparer.Ordinal)
    {
        "ne", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "guere", "nullement",
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "cannot",
        "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont", "wouldnt",
        "shouldnt", "havent", "hasnt", "hadnt", "aint", "nope", "nah",
    };

    public static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NegatorsLookup = Negators.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Words that end a negation scope (contrast, clause break).</summary>
    public static readonly HashSet<string> ScopeBreakers = new(StringComparer.Ordinal)
    {
        "mais", "but", "however", "pourtant", "cependant", "sauf", "except", "although", "though", "alors", "donc", "so_that",
    };

    public static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ScopeBreakersLookup = ScopeBreakers.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Multipliers applied to the next polar word ("très", "vraiment", "un peu").</summary>
    public static readonly Dictionary<string, float> Intensifiers = new(StringComparer.Ordinal)
    {
        ["tres"] = 1.5f,
        ["vraiment"] = 1.5f,
        ["trop"] = 1.4f,
        ["hyper"] = 1.6f,
        ["tellement"] = 1.5f,
        ["extremement"] = 1.9f,
        ["totalement"] = 1.5f,
        ["completement"] = 1.6f,
        ["absolument"] = 1.6f,
        ["carrement"] = 1.5f,
        ["franchement"] = 1.3f,
        ["particulierement"] = 1.4f,
        ["vachement"] = 1.5f,
        ["archi"] = 1.6f,
        ["ultra"] = 1.6f,
        ["grave"] = 1.3f,
        ["si"] = 1.2f,
        ["very"] = 1.5f,
        ["really"] = 1.5f,
        ["so"] = 1.4f,
        ["extremely"] = 1.9f,
        ["totally"] = 1.5f,
        ["completely"] = 1.6f,
        ["absolutely"] = 1.6f,
        ["incredibly"] = 1.8f,
        ["super"] = 1.5f,
        ["too"] = 1.3f,
        ["truly"] = 1.4f,
        ["utterly"] = 1.8f,
        ["seriously"] = 1.4f,
        ["highly"] = 1.5f,
        ["damn"] = 1.3f,
        ["peu"] = 0.5f,
        ["assez"] = 0.8f,
        ["plutot"] = 0.8f,
        ["moyennement"] = 0.5f,
        ["legerement"] = 0.5f,
        ["slightly"] = 0.5f,
        ["somewhat"] = 0.6f,
        ["bit"] = 0.6f,
        ["kinda"] = 0.6f,
        ["fairly"] = 0.8f,
        ["quite"] = 1.1f,
        ["pretty"] = 1.1f,
    };

    public static readonly Dictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> IntensifiersLookup = Intensifiers.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Social-media abbreviations and their expansion (folded words).</summary>
    public static readonly Dictionary<string, string[]> Abbreviations = BuildAbbreviations();

    public static readonly Dictionary<string, string[]>.AlternateLookup<ReadOnlySpan<char>> AbbreviationsLookup = Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, string[]> BuildAbbreviations()
    {
        var d = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string abbr, string expansion) => d[abbr] = expansion.Split(' ');
        Add("svp", "s'il_vous_plait");
        Add("stp", "s'il_te_plait");
        Add("slvp", "s'il_vous_plait");
        Add("pls", "please");
        Add("plz", "please");
        Add("plse", "please");
        Add("pleeease", "please");
        Add("asap", "as_soon_as_possible");
        Add("dm", "direct_message");
        Add("dms", "direct_message");
        Add("mp", "direct_message");
        Add("inbox", "direct_message");
        Add("thx", "thanks");
        Add("thks", "thanks");
        Add("tks", "thanks");
        Add("ty", "thank you");
        Add("tysm", "thank you so much");
        Add("mrc", "merci");
        Add("mci", "merci");
        Add("pb", "probleme");
        Add("pbs", "problemes");
        Add("pbm", "probleme");
        Add("pblm", "probleme");
        Add("bcp", "beaucoup");
        Add("tjrs", "toujours");
        Add("tjs", "toujours");
        Add("tt", "tout");
        Add("ds", "dans");
        Add("pk", "pourquoi");
        Add("pq", "pourquoi");
        Add("pkoi", "pourquoi");
        Add("pourquoii", "pourquoi");
        Add("qd", "quand");
        Add("qq", "quelque");
        Add("qqn", "quelqu'un");
        Add("qqch", "quelque chose");
        Add("jsp", "je sais pas");
        Add("chui", "je suis");
        Add("jpp", "j'en peux plus");
        Add("dsl", "desole");
        Add("rdv", "rendez-vous");
        Add("rdc", "rez-de-chaussee");
        Add("cc", "coucou");
        Add("slt", "salut");
        Add("bjr", "bonjour");
        Add("bsr", "bonsoir");
        Add("mdr", "lol");
        Add("ptdr", "lol");
        Add("lmao", "lol");
        Add("rofl", "lol");
        Add("lol", "lol");
        Add("idk", "i do not know");
        Add("imo", "in my opinion");
        Add("imho", "in my opinion");
        Add("btw", "by the way");
        Add("omg", "oh my god");
        Add("wtf", "what the fuck");
        Add("u", "you");
        Add("ur", "your");
        Add("r", "are");
        Add("cuz", "because");
        Add("bc", "because");
        Add("pcq", "parce que");
        Add("psk", "parce que");
        Add("ajd", "aujourd'hui");
        Add("auj", "aujourd'hui");
        Add("mtn", "maintenant");
        Add("nn", "non");
        Add("ms", "mais");
        Add("ns", "nous");
        Add("tkt", "t'inquiete");
        Add("wknd", "weekend");
        Add("tmrw", "tomorrow");
        Add("tmr", "tomorrow");
        Add("acct", "account");
        Add("pwd", "password");
        Add("mdp", "mot de passe");
        Add("rib", "releve d'identite bancaire");
        Add("sav", "service apres vente");
        Add("cs", "customer service");
        Add("gonna", "going to");
        Add("wanna", "want to");
        Add("gotta", "got to");
        Add("cant", "can not");
        Add("doesnt", "does not");
        Add("didnt", "did not");
        Add("isnt", "is not");
        Add("wont", "will not");
        Add("im", "i am");
        return d;
    }

    /// <summary>ASCII emoticons and their polarity.</summary>
    public static readonly (string Text, float Polarity)[] Emoticons =
    [
        (":-)", 2f), (":)", 2f), ("=)", 2f), (":]", 2f), (":-D", 2.5f), (":D", 2.5f), ("=D", 2.5f), (";-)", 1.5f), (";)", 1.5f),
        (":P", 1f), (":p", 1f), (":-P", 1f), ("xD", 2f), ("XD", 2f), ("^^", 1.5f), ("^_^", 1.5f), ("<3", 2.5f),
        (":-(", -2f), (":(", -2f), ("=(", -2f), (":'(", -2.5f), (":/", -1f), (":-/", -1f), (":|", -0.5f), (">:(", -3f),
        ("-_-", -1.5f), ("</3", -2.5f), (":@", -2.5f), (":s", -1f), (":S", -1f),
    ];

    /// <summary>Emoji polarity by code point.</summary>
    public static readonly Dictionary<int, float> Emoji = BuildEmoji();

    private static Dictionary<int, float> BuildEmoji()
    {
        var d = new Dictionary<int, float>();
        void Add(float v, params int[] cps)
        {
            foreach (var cp in cps)
            {
                d[cp] = v;
            }
        }
        // Positive faces, hearts, thumbs up, party.
        Add(2.5f, 0x1F60D, 0x1F970, 0x1F929, 0x2764, 0x1F496, 0x1F495, 0x1F497, 0x1F499, 0x1F49A, 0x1F49B, 0x1F49C, 0x1F5A4, 0x1F9E1, 0x1F493, 0x1F60A, 0x1F618);
        Add(2f, 0x1F600, 0x1F603, 0x1F604, 0x1F601, 0x1F606, 0x1F642, 0x1F917, 0x1F44D, 0x1F44F, 0x1F64C, 0x1F389, 0x1F38A, 0x2728, 0x1F31F, 0x2B50, 0x1F4AF, 0x1F525, 0x1F64F, 0x1F60E, 0x1F973, 0x1F44C, 0x2705, 0x1F680, 0x1F60B, 0x263A, 0x1F339, 0x1F490, 0x1F3C6);
        Add(1f, 0x1F609, 0x1F602, 0x1F923, 0x1F605, 0x1F61C, 0x1F61D, 0x1F61B, 0x1F91E, 0x1F4AA, 0x270C, 0x1F607);
        // Negative faces.
        Add(-3f, 0x1F621, 0x1F620, 0x1F92C, 0x1F4A9, 0x1F44E, 0x1F92E, 0x1F922, 0x1F62D, 0x1F631, 0x1F480, 0x1F595);
        Add(-2f, 0x1F61E, 0x1F61F, 0x1F622, 0x1F623, 0x1F624, 0x1F625, 0x1F628, 0x1F629, 0x1F62B, 0x1F62C, 0x1F630, 0x1F641, 0x2639, 0x1F494, 0x1F612, 0x1F644, 0x1F624, 0x1F92F, 0x1F926, 0x1F937, 0x274C, 0x26A0, 0x1F6A8, 0x1F635, 0x1F974, 0x1F97A);
        Add(-1f, 0x1F610, 0x1F611, 0x1F615, 0x1F636, 0x1F914, 0x1F613, 0x1F62A, 0x1F634, 0x23F3, 0x231B);
        return d;
    }
}
