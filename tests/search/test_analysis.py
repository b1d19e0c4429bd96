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
