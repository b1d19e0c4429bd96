"""Abbreviations and synonyms that editors maintain as text: parsing, validation and query-time lookup."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .analysis import normalize_word, words

# One group per line; the members of a group mean the same thing and are separated by "=".
# A member of several words is searched as a phrase. Editors change this list in the portal.
DEFAULT_SYNONYMS = """\
# Förkortningar
SIP = samordnad individuell plan
BUS = barn och unga i behov av särskilt stöd
SAMS = obruten skolgång för placerade barn och unga
LVU = lagen med särskilda bestämmelser om vård av unga = tvångsvård = tvångsomhändertagande
SoL = socialtjänstlagen
OSL = offentlighets- och sekretesslagen
SkolL = skollagen
HSL = hälso- och sjukvårdslagen
FB = föräldrabalken
LSS = lagen om stöd och service till vissa funktionshindrade
HVB = hem för vård eller boende
BBIC = barns behov i centrum
BUP = barn- och ungdomspsykiatri = barnpsykiatri
EHT = elevhälsoteam = elevhälsa
APT = arbetsplatsträff
IVO = Inspektionen för vård och omsorg
SPSM = Specialpedagogiska skolmyndigheten
DIGG = Myndigheten för digital förvaltning
SiS = Statens institutionsstyrelse
DOS-lagen = lagen om tillgänglighet till digital offentlig service
JO = Justitieombudsmannen
SOS = SOS Alarm
NPF = neuropsykiatrisk funktionsnedsättning
# Vardagsord och facktermer
socialtjänsten = socialen = soc
hemmasittare = problematisk skolfrånvaro = problematisk frånvaro
skolk = ogiltig frånvaro
orosanmälan = anmälan om oro = anmälan till socialtjänsten
anmälningsskyldighet = anmälningsplikt
socialjour = sociala jouren = jourhavande socialsekreterare = socjouren
familjehem = fosterhem
vårdnadshavare = förälder
övergång = skolbyte = byte av skola
tystnadsplikt = sekretess
samtycke = medgivande
fritidsgård = ungdomsgård
skolkurator = kurator
# Vardagsord för tecken som rutinerna beskriver
självskadebeteende = självskada = skära sig
bristande hygien = smutsig = ovårdad
tvångsäktenskap = tvångsgifte = äktenskapstvång
"""

MAX_LINES = 2000
MAX_MEMBERS = 12
MAX_MEMBER_CHARS = 80
MAX_MEMBER_WORDS = 8
# Characters that mean something to a search box and would only confuse a synonym.
_FORBIDDEN = re.compile(r'["*?()\[\]{}<>=|\\]')


class SynonymError(ValueError):
    """The synonym text has errors; `errors` holds one Swedish message per problem, with line numbers."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Member:
    """One way of saying a group's meaning: as written, and the words search looks at."""

    text: str
    words: tuple[str, ...]  # lowercase, stop words left out
    match_key: tuple[str, ...]  # folded word keys: how a query's words are recognised


@dataclass(frozen=True)
class SynonymGroup:
    members: tuple[Member, ...]
    line: int


def _member(text: str) -> Member:
    member_words = tuple(words(text))
    return Member(text, member_words, tuple(normalize_word(w, folded=True) for w in member_words))


def _check_member(text: str, number: int) -> list[str]:
    if not text:
        return [f"Rad {number}: ett led är tomt. Skriv ett ord eller en fras på varje sida om ”=”."]
    if len(text) > MAX_MEMBER_CHARS:
        return [f"Rad {number}: ”{text[:30]}…” är för långt (högst {MAX_MEMBER_CHARS} tecken)."]
    forbidden = _FORBIDDEN.search(text)
    if forbidden:
        return [f"Rad {number}: ”{text}” innehåller tecknet ”{forbidden.group()}”, som inte är tillåtet."]
    if any(not ch.isprintable() for ch in text):
        return [f"Rad {number}: ”{text}” innehåller osynliga tecken."]
    count = len(words(text))
    if count == 0:
        return [f"Rad {number}: ”{text}” innehåller inga sökbara ord (småord som ”och” och enstaka bokstäver söks inte)."]
    if count > MAX_MEMBER_WORDS:
        return [f"Rad {number}: ”{text}” har för många ord (högst {MAX_MEMBER_WORDS})."]
    return []


def parse_synonyms(text: str) -> list[SynonymGroup]:
    """Read synonym lines ("SIP = samordnad individuell plan"); raise SynonymError listing every bad line.

    Blank lines and lines starting with "#" are ignored. A word or phrase may belong to one group
    only, so that what a search expands to is never a surprise.
    """
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise SynonymError([f"Listan har {len(lines)} rader; högst {MAX_LINES} är tillåtna."])
    errors: list[str] = []
    groups: list[SynonymGroup] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            errors.append(f"Rad {number}: ”{line[:40]}” saknar ”=”. Skriv till exempel "
                          "”SIP = samordnad individuell plan”.")
            continue
        texts = [part.strip() for part in line.split("=")]
        if len(texts) > MAX_MEMBERS:
            errors.append(f"Rad {number}: för många led (högst {MAX_MEMBERS}).")
            continue
        problems = [problem for part in texts for problem in _check_member(part, number)]
        if problems:
            errors.extend(problems)
            continue
        members = tuple(_member(part) for part in texts)
        keys = [member.match_key for member in members]
        if len(set(keys)) < len(keys):
            errors.append(f"Rad {number}: två led betyder redan samma sak för sökningen "
                          "(samma ord i olika böjning eller stavning).")
            continue
        clashes = [member.text for member in members if member.match_key in seen]
        if clashes:
            first = seen[next(m.match_key for m in members if m.text == clashes[0])]
            errors.append(f"Rad {number}: ”{clashes[0]}” finns redan på rad {first}. "
                          "Samla alla synonymer för samma sak på en rad.")
            continue
        seen.update((key, number) for key in keys)
        groups.append(SynonymGroup(members, number))
    if errors:
        raise SynonymError(errors)
    return groups


@dataclass(frozen=True)
class SynonymMatch:
    """A run of query words, [start, stop), that is a member of `group`."""

    start: int
    stop: int
    group: SynonymGroup


class SynonymSet:
    """Parsed synonym groups, indexed for finding members among a query's words."""

    def __init__(self, groups: Sequence[SynonymGroup]):
        self.groups = tuple(groups)
        self._by_key = {member.match_key: group for group in self.groups for member in group.members}
        self._longest = max((len(key) for key in self._by_key), default=0)

    @classmethod
    def from_text(cls, text: str) -> SynonymSet:
        """Parse and index synonym text; raises SynonymError for bad lines."""
        return cls(parse_synonyms(text))

    def find(self, query_words: Sequence[str]) -> list[SynonymMatch]:
        """Members found in a sequence of query words, longest first, not overlapping."""
        keys = [normalize_word(word, folded=True) for word in query_words]
        matches = []
        start = 0
        while start < len(keys):
            for stop in range(min(len(keys), start + self._longest), start, -1):
                group = self._by_key.get(tuple(keys[start:stop]))
                if group is not None:
                    matches.append(SynonymMatch(start, stop, group))
                    start = stop
                    break
            else:
                start += 1
        return matches


def missing_defaults(text: str) -> list[str]:
    """The shipped groups (DEFAULT_SYNONYMS' lines) of which no word or phrase is in `text`: new in
    the portal since the list was saved, or taken out by an editor. Each can be added as it stands,
    since none of its members is in another group. Empty when `text` does not parse."""
    try:
        present = {member.match_key for group in parse_synonyms(text) for member in group.members}
    except SynonymError:
        return []
    lines = DEFAULT_SYNONYMS.splitlines()
    return [lines[group.line - 1].strip() for group in parse_synonyms(DEFAULT_SYNONYMS)
            if not any(member.match_key in present for member in group.members)]


def with_defaults_added(text: str) -> str:
    """`text` with missing_defaults appended under a comment line, for the editor to review and save."""
    missing = missing_defaults(text)
    if not missing:
        return text
    return text.rstrip("\n") + "\n\n# Tillagt från portalens standardlista\n" + "\n".join(missing) + "\n"


@lru_cache(maxsize=8)
def synonym_set(text: str = DEFAULT_SYNONYMS) -> SynonymSet:
    """The SynonymSet for a text, cached so a request does not parse the same list again."""
    return SynonymSet.from_text(text)
