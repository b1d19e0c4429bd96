"""Curated Swedish word families of the handbook's domain, expanded into lookup tables for analysis."""
from __future__ import annotations

from dataclasses import dataclass, field

# One word family per line:  lemma  paradigm  [extra forms ...]  [key=K]  [mod=a,b]  [atomic]  [whole]
#
# paradigm  generates                                           example
#   a       1st declension, -a/-or                              skola skolan skolor skolorna
#   ar      2nd declension, -ar                                 utredning utredningen utredningar
#   er      3rd declension, -er (definite -en and -n)           rektor rektorn rektorer
#   r       3rd declension after a vowel, -r                    händelse händelsen händelser
#   n       4th declension, -n                                  samtycke samtycket samtycken
#   0       5th declension, no plural ending                    barn barnet barnen barnens
#   are     agent nouns in -are                                 lärare läraren lärarna
#   u       uncountable, definite -n                            frånvaro frånvaron
#   v1      verbs in -ar (participles -ad/-at/-ade)             placera placerar placerade
#   v2      verbs in -er (past -de or -te)                      anmäla anmäler anmälde anmält
#   adj     adjectives (-a, -t)                                 individuell individuella
#   noun    an irregular noun: the lemma and the extra forms
#   verb    an irregular verb: the lemma and the extra forms
#
# key=K   the family's search key when it differs from the lemma: verbs and adjectives are joined
#         to the noun a reader searches for (anmäla -> anmälan, placerad -> placering).
# mod=    forms the word takes as the first part of a compound (oro -> oros-, hälsa -> hälso-).
#         Nouns get their lemma (and -s for consonant endings) as modifiers without asking.
# atomic  a compound-looking word that must not be split (förskola is not "för" + "skola").
# whole   the forms are words of their own, never the last part of a compound: the "slagen" of
#         slå must not take "sjukvårds|lagen" apart as "sjukvård|slagen".
LEXICON = """
# people and roles
rektor          er      mod=rektors
elev            er      mod=elev,elevs
barn            0       mod=barn,barna,barns
pojke           ar
flicka          a
ungdom          er      mod=ungdoms
ung             adj     ungas
förälder        noun    föräldern förälderns föräldrar föräldrarna föräldrarnas   mod=föräldra
vårdnadshavare  are
lärare          are
sekreterare     are
handläggare     are
ledare          are
hemmasittare    are
sköterska       a
kurator         er
psykolog        er
mentor          er
assistent       er
personal        er
anställd        noun    anställda anställdas anställde anställt
familj          er      mod=familje
vuxen           noun    vuxna vuxnas vuxnes
huvudman        noun    huvudmannen huvudmannens huvudmän huvudmännen huvudmännens huvudmans
polis           er      mod=polis
person          er
individ         er
# organisation
kommun          er      mod=kommun,kommuns
region          er      mod=region,regions
nämnd           er
förvaltning     ar
myndighet       er
verksamhet      er
enhet           er
skola           a       mod=skol
förskola        a       mod=förskole,förskol      atomic
gymnasium       noun    gymnasiet gymnasiets gymnasier gymnasierna   mod=gymnasie
fritid          er      mod=fritids      atomic
hem             0       hemma hemmet hemmets hemmen hemmens
gård            ar
tjänst          er      mod=tjänste
vård            0       mod=vård,vårds
hälsa           a       mod=hälso
ohälsa          a       atomic
team            0
psykiatri       noun    psykiatrin psykiatrins
medicin         er
habilitering    ar
jour            er
social          adj     mod=social
sjuk            adj     mod=sjuk
fri             adj     mod=fri
# the handbook's subjects
oro             u       mod=oros
orolig          adj     key=oro
oroa            v1      key=oro
anmälan         noun    anmälans anmälningar anmälningarna anmälningarnas anmälningen anmälningens   mod=anmälnings
anmäla          v2      key=anmälan
utredning       ar
utreda          v2      utrett utretts    key=utredning
bedömning       ar
bedöma          v2      key=bedömning
förhand         noun    mod=förhands
placering       ar
placera         v1      key=placering
frånvaro        u
närvaro         u
gång            ar
övergång        ar      atomic
överlämning     ar
sekretess       er
tystnadsplikt   er
samtycke        n       mod=samtyckes
samtycka        v2      samtyckt     key=samtycke
våld            0       mod=våld,vålds
heder           noun    hedern hederns     mod=heders
förtryck        0       mod=förtrycks
relatera        v1
misshandel      noun    misshandeln misshandelns
misshandla      v1      key=misshandel
# strong verbs of what a child tells: the forms Snowball cannot join ("slog", "slaget" and "slår")
slå             verb    slår slås slog slogs slagit slagits slagen slaget slagna slag   whole
skära           verb    skär skärs skar skurit skurits skuren skuret skurna   whole
övergrepp       0       mod=övergrepps
kränkning       ar
mobbning        ar
hot             0
brott           0       mod=brotts
misstanke       ar      mod=misstanke
misstänka       v2      key=misstanke
skydd           0       mod=skydd,skydds
risk            er
skyldighet      er
uppgift         er      mod=uppgifts
information     er
informera       v1      key=information
kontakt         er      mod=kontakt
kontakta        v1      key=kontakt
väg             ar
telefon         er
nummer          noun    numret numrets numren numrens nummers
samtal          0
möte            n       mod=mötes
träff           ar
plats           er
program         0
plan            er
insats          er
åtgärd          er      mod=åtgärds
stöd            0       mod=stöd,stöds
stödja          v2      stöder stödde stött    key=stöd
anpassning      ar
beslut          0       mod=besluts
ansvar          0       mod=ansvars
samverkan       noun    samverkans      mod=samverkans
samverka        v1      key=samverkan
samarbete       n       mod=samarbets
samarbeta       v1      key=samarbete
samordning      ar
samordna        v1      key=samordning
arbete          n       mod=arbets
arbeta          v1      key=arbete
behov           0       mod=behovs
problem         0
beteende        n
problematisk    adj
individuell     adj
särskild        adj     särskilt
psykisk         adj
fysisk          adj
sexuell         adj
allvarlig       adj
akut            adj
anonym          adj
skriftlig       adj
muntlig         adj
lokal           adj
kommunal        adj
ärende          n
dokumentation   er
dokumentera     v1      key=dokumentation
journal         er
rutin           er
handbok         noun    handboken handbokens handböcker handböckerna     mod=handboks
lista           a
överenskommelse r
händelse        r
avtal           0       mod=avtals
dokument        0
lag             ar
paragraf        er
införande       n
uppföljning     ar
återkoppling    ar
utbildning      ar
bildning        ar
kultur          er
struktur        er
styrning        ar
samsyn          er
trygghet        er
säkerhet        er
förtroende      n
ålder           noun    åldern ålderns åldrar åldrarna
mognad          er
tid             er
dag             ar
vecka           a       mod=vecko
månad           er
byta            v2      bytte bytt byte bytet byten     key=byta
flytta          v1      flytt flytten       key=flytta
hända           v2      hänt
göra            verb    gör gjorde gjort görs gjordes gjorts
ringa           v2
"""

PARADIGMS = {
    "a": lambda w, s: [w, w + "n", w + "ns", w + "s", s + "or", s + "orna", s + "ornas", s + "ors"],
    "ar": lambda w, s: (
        [w, w + "n", w + "ns", w + "s", s + "ar", s + "arna", s + "arnas", s + "ars"]
        if w.endswith("e")
        else [w, w + "en", w + "ens", w + "s", w + "ar", w + "arna", w + "arnas", w + "ars"]
    ),
    "er": lambda w, s: [w, w + "en", w + "ens", w + "n", w + "ns", w + "s",
                        w + "er", w + "erna", w + "ernas", w + "ers"],
    "r": lambda w, s: [w, w + "n", w + "ns", w + "s", w + "r", w + "rna", w + "rnas"],
    "n": lambda w, s: [w, w + "t", w + "ts", w + "s", w + "n", w + "na", w + "nas"],
    "0": lambda w, s: [w, w + "et", w + "ets", w + "en", w + "ens", w + "s"],
    "are": lambda w, s: [w, w + "n", w + "ns", w + "s", s + "na", s + "nas"],
    "u": lambda w, s: [w, w + "n", w + "ns", w + "s"],
    "v1": lambda w, s: [w, w + "r", w + "s", w + "de", w + "des", w + "t", w + "ts", w + "d",
                        w + "nde"],
    # Both -de and -te endings: the one that does not exist is never met, so it costs nothing.
    "v2": lambda w, s: [w, w + "s", s + "er", s + "s", s + "de", s + "des", s + "te", s + "tes",
                        s + "d", s + "da", s + "t", s + "ta", s + "ts", s + "ande"],
    "adj": lambda w, s: [w, w + "a", w + "t"],
    "noun": lambda w, s: [w],
    "verb": lambda w, s: [w],
}

NOUN_PARADIGMS = {"a", "ar", "er", "r", "n", "0", "are", "u", "noun"}


@dataclass
class Lexicon:
    """Lookup tables derived from LEXICON: every known form, modifier and head, mapped to its key."""

    forms: dict[str, str] = field(default_factory=dict)
    modifiers: dict[str, str] = field(default_factory=dict)
    noun_forms: set[str] = field(default_factory=set)
    atomic: set[str] = field(default_factory=set)
    whole: set[str] = field(default_factory=set)  # forms that are never the head of a compound


FLAGS = frozenset(["atomic", "whole"])


def _parse_line(line: str) -> tuple[str, str, list[str], dict[str, str], set[str]]:
    lemma, paradigm, *rest = line.split()
    extras = [item for item in rest if "=" not in item and item not in FLAGS]
    options = dict(item.split("=", 1) for item in rest if "=" in item)
    return lemma, paradigm, extras, options, FLAGS.intersection(rest)


def _automatic_modifiers(lemma: str, paradigm: str) -> list[str]:
    if paradigm not in NOUN_PARADIGMS:
        return []
    if lemma.endswith(("a", "e")):
        return [lemma[:-1]] if paradigm in ("a", "ar", "are") else [lemma]
    return [lemma, lemma + "s"]


def build_lexicon(text: str = LEXICON) -> Lexicon:
    """Expand the word-family lines into tables; the first family to claim a form keeps it."""
    lexicon = Lexicon()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        lemma, paradigm, extras, options, flags = _parse_line(line)
        key = options.get("key", lemma)
        stem = lemma[:-1] if lemma.endswith(("a", "e")) else lemma
        forms = PARADIGMS[paradigm](lemma, stem) + extras
        for form in forms:
            lexicon.forms.setdefault(form, key)
            if paradigm in NOUN_PARADIGMS:
                lexicon.noun_forms.add(form)
            if "atomic" in flags:
                lexicon.atomic.add(form)
            if "whole" in flags:
                lexicon.whole.add(form)
        modifiers = options["mod"].split(",") if "mod" in options else []
        for modifier in modifiers + _automatic_modifiers(lemma, paradigm):
            lexicon.modifiers.setdefault(modifier, key)
    return lexicon
