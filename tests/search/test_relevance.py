"""Relevance on the shipped handbook: what a worried teacher, a rektor or a socialsekreterare types.

The queries were written from the users' side before any tuning: everyday words, inflections,
abbreviations, missing å/ä/ö and typos, not the documents' titles. Each names the document that must
be among the first three results. At least 90 % must hold; the failures are printed either way.
"""
from portal.search import services

REQUIRED_SHARE = 0.9

QUERIES = [
    # A teacher, förskollärare or fritidsledare who is worried
    ("jag är orolig för en elev", "orosanmalan"),
    ("misstänker att ett barn far illa", "orosanmalan"),
    ("hur gör jag en orosanmälan", "orosanmalan"),
    ("anmäla till socialtjänsten", "orosanmalan"),
    ("måste jag ha bevis för att anmäla", "orosanmalan"),
    ("kan jag vara anonym när jag anmäler", "orosanmalan"),
    ("anmälningsplikt", "orosanmalan"),
    ("orosanmalan", "orosanmalan"),
    ("orosanmälen", "orosanmalan"),
    ("rektorn vill inte att jag anmäler", "orosanmalan"),
    ("förskolan misstänker våld i hemmet", "orosanmalan"),
    ("fritidsgården orolig för en ungdom", "orosanmalan"),
    # After a report
    ("vad händer efter anmälan", "efter-orosanmalan"),
    ("får jag veta om socialtjänsten startar en utredning", "efter-orosanmalan"),
    ("förhandsbedömning", "efter-orosanmalan"),
    ("skyddsbedömning samma dag", "efter-orosanmalan"),
    ("återkoppling till den som anmält", "efter-orosanmalan"),
    # Absence from school
    ("elev som inte kommer till skolan", "skolfranvaro"),
    ("hemmasittare", "skolfranvaro"),
    ("ogiltig frånvaro", "skolfranvaro"),
    ("problematisk frånvaro", "skolfranvaro"),
    ("skolfranvaro", "skolfranvaro"),
    ("rektorn ska utreda frånvaron", "skolfranvaro"),
    # Confidentiality and consent
    ("sekretess mellan skola och socialtjänst", "sekretess-och-samtycke"),
    ("samtycke från vårdnadshavare", "sekretess-och-samtycke"),
    ("tystnadsplikt", "sekretess-och-samtycke"),
    ("OSL", "sekretess-och-samtycke"),
    ("får vi lämna uppgifter om eleven", "sekretess-och-samtycke"),
    # SIP, BUS, SAMS
    ("SIP", "sip"),
    ("samordnad individuell plan", "sip"),
    ("samordand plan", "sip"),
    ("SIP-möte", "sip"),
    ("BUS", "bus"),
    ("barn och unga i behov av särskilt stöd", "bus"),
    ("samverkan med barn- och ungdomspsykiatrin", "bus"),
    ("SAMS", "sams"),
    ("obruten skolgång", "sams"),
    ("placerat barn byter skola", "sams"),
    ("barn placerade i familjehem", "placerade-barn"),
    ("HVB", "placerade-barn"),
    # Transitions
    ("byta skola", "overgangar"),
    ("överlämning från förskola till förskoleklass", "overgangar"),
    ("overgang mellan skolformer", "overgangar"),
    # Honour-related violence
    ("hedersvåld", "hedersrelaterat-vald"),
    ("tvångsäktenskap", "hedersrelaterat-vald"),
    ("eleven är rädd att bli bortgift", "hedersrelaterat-vald"),
    ("ska jag prata med föräldrarna vid hedersproblematik", "hedersrelaterat-vald"),
    # Contacts
    ("socialjouren", "kontaktvagar"),
    ("telefonnummer till socialtjänsten", "kontaktvagar"),
    ("vem ringer jag efter kontorstid", "kontaktvagar"),
    # Steering and the handbook itself
    ("styrning struktur samsyn", "samverkan-styrning-struktur-samsyn"),
    ("hur samverkar förvaltningarna", "samverkan-styrning-struktur-samsyn"),
    ("vem ansvarar för handboken", "om-handboken"),
    ("hur revideras rutinerna", "om-handboken"),
]


def test_at_least_forty_queries():
    assert len(QUERIES) >= 40
    assert len({q for q, _ in QUERIES}) == len(QUERIES)


def test_the_right_routine_comes_in_the_top_three(shipped_handbook):
    misses = []
    for query, slug in QUERIES:
        outcome = services.run_search(query, per_page=3)
        assert outcome.result is not None, outcome.unavailable
        top = [hit.slug for hit in outcome.result.hits]
        if slug not in top:
            misses.append(f"{query!r}: wanted {slug}, got {top}")
    held = 1 - len(misses) / len(QUERIES)
    print(f"\nrelevance: {len(QUERIES) - len(misses)}/{len(QUERIES)} queries hold ({held:.0%})")
    for miss in misses:
        print("  miss", miss)
    assert held >= REQUIRED_SHARE, "\n".join(misses)


# Everyday words of the field that found nothing in the shipped handbook before the synonym list
# had them: each finds the same pages as the formal word it stands for.
EVERYDAY = [("soc", "socialtjänsten"), ("socialen", "socialtjänsten"), ("ringa soc", "ringa socialtjänsten"),
            ("tvångsvård", "LVU"), ("tvångsomhändertagen", "LVU"), ("socjouren", "socialjouren"),
            ("barnpsykiatrin", "BUP"), ("NPF", "neuropsykiatrisk funktionsnedsättning"),
            ("skolk", "ogiltig frånvaro")]


def test_everyday_words_find_what_the_formal_words_find(shipped_handbook):
    def found(query):
        result = services.run_search(query, per_page=50).result
        return {hit.slug for hit in result.hits}, result.suggestion

    for everyday, formal in EVERYDAY:
        pages, suggestion = found(everyday)
        assert pages and pages == found(formal)[0], everyday
        assert suggestion is None, f"{everyday!r} offered {suggestion!r}"
