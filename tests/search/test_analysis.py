"""Swedish analysis, word by word: inflections join, compounds split, diacritics fold."""
import pytest

from portal.search.analysis import fold, normalize_word, split_compound, words


@pytest.mark.parametrize("word, base", [
    ("rektor", "rektor"), ("rektorn", "rektor"), ("rektorer", "rektor"), ("rektorerna", "rektor"),
    ("rektorns", "rektor"),
    ("anmälan", "anmälan"), ("anmälningar", "anmälan"), ("anmälningarna", "anmälan"),
    ("anmälningen", "anmälan"), ("anmäla", "anmälan"),
    ("elev", "elev"), ("eleven", "elev"), ("elever", "elev"), ("eleverna", "elev"), ("elevens", "elev"),
    ("barn", "barn"), ("barnet", "barn"), ("barnen", "barn"), ("barnets", "barn"),
    ("skola", "skola"), ("skolan", "skola"), ("skolor", "skola"), ("skolorna", "skola"),
    ("vårdnadshavare", "vårdnadshavare"), ("vårdnadshavaren", "vårdnadshavare"),
    ("vårdnadshavarna", "vårdnadshavare"),
    ("placering", "placering"), ("placeringen", "placering"), ("placeringar", "placering"),
])
def test_inflections_share_one_key(word, base):
    assert normalize_word(word) == normalize_word(base)


@pytest.mark.parametrize("a, b", [("rektor", "elev"), ("anmälan", "ansökan"), ("barn", "bar"),
                                  ("skola", "skolk"), ("våld", "vård")])
def test_different_words_keep_different_keys(a, b):
    assert normalize_word(a) != normalize_word(b)


@pytest.mark.parametrize("compound, parts", [
    ("orosanmälan", ["oros", "anmälan"]),
    ("skolfrånvaro", ["skol", "frånvaro"]),
    ("hedersrelaterat", ["heders", "relaterat"]),
    ("socialjour", ["social", "jour"]),
])
def test_compounds_split_into_their_parts(compound, parts):
    assert split_compound(compound) == parts


@pytest.mark.parametrize("word", ["rektor", "kurator", "BBIC", "SAMS", "elev"])
def test_simple_words_are_not_split(word):
    assert len(split_compound(word)) == 1


def test_folding_removes_diacritics_and_case():
    assert fold("Orosanmälan ÅÄÖ é") == "orosanmalan aao e"
    assert normalize_word("orosanmalan", folded=True) == normalize_word("Orosanmälan", folded=True)


def test_words_drop_punctuation_and_keep_abbreviations():
    assert words("BUS-grupp, SIP:s och (LVU)!") == ["bus", "grupp", "sip", "lvu"]


# --- The one-pass analyzers the index uses yield what the readable filter chains yield ------------

from whoosh.analysis import Token  # noqa: E402

from portal.search import analysis  # noqa: E402

from .conftest import CORPUS  # noqa: E402

TEXTS = [item["body"] for item in CORPUS] + [item["title"] for item in CORPUS] + [
    "Om handboken och för den som är ny", "och att för", "", "BUS-grupp, SIP:s och (LVU)!",
    "Orosanmälningarna till Socialtjänsten 19 a § skolfrånvaro ÅÄÖ é æ ø",
    "hemlighet förmågan checklistan handlingsplanen", "x" * 50,
]
WEIGHTED = [analysis.weighted_text([(6.0, item["title"]), (2.5, "\n".join(item["headings"])),
                                    (1.0, item["body"])]) for item in CORPUS] + ["utan sektion", ""]
ANALYZERS = [
    ("weighted_exact", analysis.weighted_analyzer(), WEIGHTED),
    ("weighted_folded", analysis.weighted_analyzer(folded=True), WEIGHTED),
    ("exact", analysis.text_analyzer(), TEXTS),
    ("folded", analysis.folded_analyzer(), TEXTS),
    ("plain", analysis.spelling_analyzer(), TEXTS),
    ("surface", analysis.prefix_analyzer(), TEXTS),
    ("pairs", analysis.pair_analyzer(), TEXTS),
]


def _tokens(analyzer, text, **options):
    return [(t.text, t.pos if options.get("positions") else None, t.boost,
             (t.startchar, t.endchar) if options.get("chars") else None)
            for t in analyzer(text, **options) if not isinstance(t, Token) or not t.stopped]


@pytest.mark.parametrize("name, analyzer, texts", ANALYZERS, ids=[a[0] for a in ANALYZERS])
@pytest.mark.parametrize("options", [
    {"mode": "index", "positions": True, "chars": True}, {"mode": "index"},
    {"mode": "query", "positions": True}, {"mode": "index", "positions": True, "start_pos": 5},
])
def test_one_pass_analyzers_yield_the_tokens_of_the_filter_chains(name, analyzer, texts, options):
    reference = analysis.REFERENCE_CHAINS[name]()
    for text in texts:
        assert _tokens(analyzer, text, **options) == _tokens(reference, text, **options), text[:60]
