namespace Rapport.Analysis.Lexicons;

/// <summary>Kinds of English abusive language, as extra features of the toxicity classifier.</summary>
internal enum OffensiveCue
{
    Insult,
    Profanity,
    Demeaning,
    Violence,
    SecondPersonAttack,
}

/// <summary>
/// A general English profanity and insult lexicon written by the project (common words of abuse, not taken
/// from any data set), used by the evaluation toxicity classifier when
/// <see cref="Evaluation.TextClassifierOptions.OffensiveLexicon"/> is on. Folded and tokenized as the tokenizer does.
/// </summary>
internal static class OffensiveLexicon
{
    public static readonly PhraseLexicon<OffensiveCue> Cues = new(
    [
        (OffensiveCue.Insult, 1f, "idiot* | moron* | imbecile* | cretin* | stupid* | dumb* | dumbass* | dimwit* | halfwit* | nitwit* | numbskull* | dunce* | fool | fools | foolish | clown* | buffoon* | loser* | jerk* | scum* | scumbag* | lowlife* | degenerate* | pathetic | disgusting | vile | despicable | repulsive | worthless | useless | brainless | clueless | ignorant | hypocrite* | liar* | coward* | traitor* | creep* | creepy | pervert* | weirdo* | freak* | sleazy | sleazebag* | dirtbag* | douche* | douchebag* | tool | pig | pigs | swine | rat | rats | snake | snakes | vermin | parasite* | leech* | trash | garbage | rubbish | filth* | filthy | disgrace* | shameful | sick | lunatic* | maniac* | psycho* | nutjob* | nut job | crazy | deranged | delusional | brain dead | clown show"),
        (OffensiveCue.Profanity, 1f, "fuck* | fck* | fuk* | fukin* | motherfuck* | mf | mfs | shit* | bullshit | bs | crap* | damn* | dammit | goddamn* | hell | bitch* | ass | asses | asshole* | arse* | dick* | dickhead* | cock* | pussy | pussies | cunt* | twat* | wanker* | prick* | bastard* | piss* | pissed | wtf | stfu | gtfo | lmfao | af | suck | sucks | sucked | sucker* | screw you | screw them | slut* | whore* | hoe | hoes | skank*"),
        (OffensiveCue.Demeaning, 1f, "retard* | libtard* | snowflake* | sheep | sheeple | cuck* | thug* | savage* | animal | animals | subhuman | inferior | trailer trash | white trash | redneck* | hillbilly* | commie* | nazi* | fascist* | racist* | bigot* | sexist* | misogynist* | feminazi* | terrorist* | criminal* | crook* | corrupt | evil | traitors | treason* | deplorable* | clowns | lapdog* | puppet* | shill* | troll* | bot | bots | fake | phony | fraud* | con artist* | grifter*"),
        (OffensiveCue.Violence, 1f, "kill | killing | kill him | kill her | kill them | shoot | shot | hang | hanged | lynch* | beat up | punch* | slap* | choke | die | dies | should die | go die | burn in hell | rot in hell | rot | destroy | eliminate | exterminate | string him up | lock her up | lock him up | put down | bullet | gun | guns"),
        (OffensiveCue.SecondPersonAttack, 1f, "you are a | you are an | you are so | you are such | you are the | you people | your kind | shut up | shut your | go to hell | get lost | get a life | grow up | nobody cares | who cares | you suck | you idiot | you moron | you fool | you clown | you liar | go back to | piss off | fuck off | fuck you | eat shit | kiss my"),
    ]);
}
