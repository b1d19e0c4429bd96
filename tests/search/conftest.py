"""Search fixtures: a small municipal handbook as plain document dicts, and indexes built from it."""
from datetime import datetime
from pathlib import Path

import pytest

from portal.search import engine
from portal.search.synonyms import synonym_set


def doc(slug, title, kind, department, tags, body, headings=(), legal_refs=(), revision_id=1):
    return {
        "slug": slug, "title": title, "kind": kind, "department": department, "tags": list(tags),
        "headings": list(headings), "body": body, "legal_refs": list(legal_refs),
        "revision_id": revision_id, "published_at": datetime(2025, 9, 1, 8, 0),
    }


CORPUS = [
    doc("orosanmalan", "Orosanmälan – när och hur", "routine", "social",
        ["orosanmälan", "anmälningsskyldighet", "barn"],
        "Alla som arbetar i förskola, skola och fritidshem är skyldiga att genast göra en "
        "orosanmälan till socialtjänsten när de i sin verksamhet får kännedom om eller misstänker "
        "att ett barn eller en elev far illa. Misstanke räcker; du behöver inte ha bevis. Anmälningsskyldigheten "
        "är personlig. Rektorn kan inte hindra dig, och att en kollega redan har anmält befriar dig "
        "inte. Anmäl skriftligt och tala om vem du är – den som är skyldig att anmäla kan inte vara "
        "anonym. Om ett brott misstänks, kontakta också polisen. Utanför kontorstid når du "
        "socialjouren via 112.",
        headings=["Vem ska anmäla?", "Så gör du anmälan"],
        legal_refs=["socialtjänstlagen (2025:400)", "OSL 10 kap. 28 §"]),
    doc("efter-orosanmalan", "Vad händer efter en orosanmälan", "section", "social",
        ["orosanmälan", "utredning"],
        "Socialtjänsten gör en skyddsbedömning samma dag som anmälan kommer in. Inom 14 dagar "
        "beslutar socialtjänsten i en förhandsbedömning om en utredning ska inledas. En utredning "
        "ska vara klar inom fyra månader. Socialtjänsten bör erbjuda ett möte med barnet, "
        "vårdnadshavarna och den som anmälde, om det är lämpligt för barnet. Den som har anmält "
        "får återkoppling om utredningen inleddes eller inte.",
        headings=["Skyddsbedömning", "Förhandsbedömning", "Utredning"]),
    doc("sekretess-och-samtycke", "Sekretess och samtycke", "section", "social",
        ["sekretess", "samtycke"],
        "Sekretess gäller mellan skolan och socialtjänsten, även inom samma kommun. Det första "
        "valet är att fråga vårdnadshavarna om samtycke till att uppgifter lämnas ut. Samtycket "
        "kan vara skriftligt eller muntligt och får gälla en del av uppgifterna. Ju äldre och "
        "mognare barnet är, desto mer ska barnets egen vilja väga. Uppgiftsskyldigheten vid en "
        "orosanmälan bryter sekretessen.",
        legal_refs=["OSL 12 kap. 2 §", "OSL 23 kap.", "OSL 26 kap. 1 §"]),
    doc("sip", "SIP – samordnad individuell plan", "routine", "social", ["sip", "samverkan"],
        "En samordnad individuell plan görs när ett barn behöver insatser både från "
        "socialtjänsten och från hälso- och sjukvården. Kommunen eller regionen kallar till ett "
        "SIP-möte. Planen beskriver vilka insatser som behövs, vem som ansvarar för vad och vem "
        "som har det övergripande ansvaret. Barnet och vårdnadshavarna måste ge sitt samtycke. "
        "Skolan och elevhälsan kan föreslå en SIP och delta i mötet.",
        headings=["När görs en SIP?", "Samtycke"], legal_refs=["HSL 16 kap. 4 §"]),
    doc("bus", "BUS – barn och unga i behov av särskilt stöd", "agreement", "social",
        ["bus", "samverkan", "vård"],
        "Överenskommelsen gäller barn under 18 år som behöver stöd från skolan eller "
        "socialtjänsten och samtidigt från vården, till exempel BUP, barnmedicin eller "
        "habilitering. De lokala BUS-grupperna samlar skola, socialtjänst och vård i kommunen. "
        "Avvikelser från överenskommelsen hanteras i första hand lokalt.",
        headings=["Lokala BUS-grupper", "Avvikelser"]),
    doc("sams", "SAMS – obruten skolgång för placerade barn och unga", "agreement", "bildning",
        ["sams", "placering", "skola"],
        "När ett barn placeras i familjehem eller på HVB ska skolgången fortsätta utan avbrott. "
        "Arbetet följer fyra faser: inför placering, under placering, inför avslut och "
        "uppföljning. Socialtjänsten informerar tidigt rektorn på den skola barnet lämnar, så "
        "att överlämningen till den mottagande skolan kan planeras. Rektorerna på båda "
        "skolorna har ansvar för att eleven får sin utbildning när barnet byter skola. "
        "Hemkommunen ansvarar för barnets utbildning.",
        headings=["Inför placering", "Under placering", "Inför avslut", "Uppföljning"]),
    doc("skolfranvaro", "Skolfrånvaro", "routine", "bildning", ["frånvaro", "elevhälsa", "skola"],
        "Vid upprepad eller längre frånvaro ska rektorn se till att frånvaron utreds skyndsamt, "
        "giltig eller inte. Utredningen görs tillsammans med eleven, vårdnadshavarna och "
        "elevhälsan. Problematisk skolfrånvaro kräver tidiga insatser. Rektorn anmäler till "
        "huvudmannen. Om frånvaron väcker misstanke om att eleven far illa ska en orosanmälan "
        "göras.",
        headings=["Utred frånvaron", "Samarbete med socialtjänsten"],
        legal_refs=["Skollagen 7 kap. 19 a §"]),
    doc("overgangar", "Övergångar mellan förskola, skola och fritidshem", "routine", "bildning",
        ["övergång", "skola", "förskola"],
        "Vid övergången från förskolan till förskoleklass och mellan skolor ska det barnet "
        "behöver följa med. Mottagande skola bjuder in till ett överlämningssamtal. Uppgifter om "
        "barnet lämnas bara med vårdnadshavarnas samtycke. Förskollärare och lärare planerar "
        "överlämningen tillsammans.",
        headings=["Överlämningssamtal"]),
    doc("hedersrelaterat-vald", "Hedersrelaterat våld och förtryck", "routine", "social",
        ["våld", "heder"],
        "Hedersrelaterat våld och förtryck kan drabba både flickor och pojkar. Tecken kan vara "
        "att en elev inte får delta i vissa lektioner eller är rädd för att resa bort på "
        "sommarlovet. Kontakta alltid socialtjänsten direkt och informera inte vårdnadshavarna "
        "först, eftersom det kan öka risken för barnet. Hedersvåldet är ofta kollektivt.",
        headings=["Tecken att vara uppmärksam på", "Så agerar du"]),
    doc("kontaktvagar", "Kontaktvägar till socialtjänsten", "section", "social",
        ["kontakt", "socialjour"],
        "Mottagningsgruppen tar emot anmälningar och frågor dagtid på telefon 08-123 45 67. "
        "Du kan konsultera socialtjänsten utan att nämna barnets namn. Efter kontorstid och på "
        "helger nås socialjouren via 112. Polisen når du på 114 14 när det inte är akut.",
        headings=["Dagtid", "Kvällar och helger"]),
    doc("samverkan-styrning-struktur-samsyn", "Samverkan: styrning, struktur och samsyn",
        "section", "kultur-fritid", ["samverkan"],
        "Samverkan mellan skola, socialtjänst och fritid bygger på tydlig styrning, en struktur "
        "för möten och en gemensam samsyn kring barnen. Förvaltningscheferna träffas varje termin. "
        "Fritidsgårdarna deltar i det förebyggande arbetet."),
    doc("om-handboken", "Om handboken", "section", "kultur-fritid", ["handbok"],
        "Handboken samlar de rutiner som förskola, skola, fritid och socialtjänst följer när de "
        "samarbetar kring barn och unga. Varje rutin har en ansvarig förvaltning och revideras "
        "minst vartannat år."),
    doc("elevhalsa", "Elevhälsans arbete", "section", "bildning", ["elevhälsa", "skola"],
        "Elevhälsoteamet består av rektor, skolsköterska, skolläkare, kurator, psykolog och "
        "specialpedagog. Teamet träffas varje vecka och följer upp elever som behöver stöd. "
        "Elevhälsan arbetar främst förebyggande och hälsofrämjande.",
        headings=["Elevhälsoteamet"]),
    doc("apt-genomgang", "Genomgång av rutiner på arbetsplatsträff", "section", "bildning",
        ["införande"],
        "Varje enhet går igenom rutinerna på en arbetsplatsträff minst en gång per år. "
        "Enhetschefen bekräftar därefter att rutinen är införd.",
        headings=["Checklista för införande"]),
    doc("placering-familjehem", "Placering i familjehem", "routine", "social",
        ["placering", "familjehem"],
        "När socialnämnden beslutar om vård utanför hemmet placeras barnet i ett familjehem, ett "
        "jourhem eller på ett HVB. Socialsekreteraren följer upp placeringen och besöker barnet "
        "regelbundet.",
        legal_refs=["LVU", "socialtjänstlagen (2025:400)"]),
    doc("vald-i-nara-relationer", "Våld i nära relationer", "routine", "social", ["våld"],
        "Barn som upplever våld mellan vuxna i familjen far illa. Personal som får kännedom om "
        "våldet ska göra en orosanmälan. Socialtjänsten erbjuder stöd till barn och vuxna."),
]


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """A read-only index of CORPUS, built once; tests that write must build their own."""
    path = tmp_path_factory.mktemp("search") / "index"
    engine.rebuild(path, CORPUS)
    return engine.open_index(path)


@pytest.fixture
def fresh_index(tmp_path):
    """An empty index of the test's own."""
    return engine.open_index(tmp_path / "index")


@pytest.fixture(scope="session")
def find(corpus_index):
    """find("query") -> slugs in rank order, searched with the default synonyms."""
    def find(query, **filters):
        return [hit.slug for hit in engine.search(corpus_index, query, synonyms=synonym_set(), **filters).hits]
    return find


# --- Portal fixtures: documents through the handbook services, searched through the app -----------

from tests.handbook.conftest import ROUTINE_BODY, make_document, system  # noqa: E402,F401

INNEHALL = Path(__file__).resolve().parents[2] / "innehall"


@pytest.fixture
def shipped_handbook(app):
    """The handbook the product ships (innehall/), imported and indexed."""
    from portal.content import services as content
    from portal.policy import SystemActor
    from portal.search import services

    if not INNEHALL.is_dir():
        pytest.fail(f"{INNEHALL} is missing: the shipped handbook is part of the product")
    report = content.import_directory(SystemActor("test"), INNEHALL)
    assert not report.refused, report.refused
    services.rebuild_index()


@pytest.fixture
def hits(client):
    """hits("query", **params) -> slugs of /sok's ordered result list, in rank order: the first link
    of each item, which leads to the document (a second one may lead to a section of it)."""
    import re

    def hits(q, **params):
        response = client.get("/sok", query_string={"q": q, **params})
        assert response.status_code == 200, response.status_code
        html = response.get_data(as_text=True)
        listing = re.search(r'<ol id="sokresultat"[^>]*>(.*?)</ol>', html, re.S)
        items = re.findall(r"<li>(.*?)</li>", listing.group(1), re.S) if listing else []
        return [re.search(r'<a href="/handbok/([^"]+)"', item).group(1) for item in items]
    return hits
