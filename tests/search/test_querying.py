"""Reading the search box: what the user is told when nothing in the input can be searched."""
import pytest

from portal.search.querying import (
    EMPTY, MAX_QUERY_WORDS, NOTHING_SEARCHABLE, ONLY_EXCLUDED, ONLY_LONG_WORDS, ONLY_UNSUPPORTED, STOP_WORDS_ONLY,
    parse_query,
)


@pytest.mark.parametrize("query", ["och", "och för", "det är", "och x"])
def test_only_stop_words_are_called_common_words(query):
    parsed = parse_query(query)
    assert not parsed.groups and STOP_WORDS_ONLY in parsed.notices
    assert NOTHING_SEARCHABLE not in parsed.notices


@pytest.mark.parametrize("query", ["a", "x%", "%", "…", "x y", "_"])
def test_single_letters_and_punctuation_are_not_called_common_words(query):
    parsed = parse_query(query)
    assert not parsed.groups and NOTHING_SEARCHABLE in parsed.notices
    assert STOP_WORDS_ONLY not in parsed.notices


@pytest.mark.parametrize("query, shown", [("title:sip", "sip"), ("  titel:  sip   bus ", "sip bus"),
                                          ("sip tags:bus", "sip bus")])
def test_a_removed_field_name_leaves_no_stray_space(query, shown):
    assert parse_query(query).text == shown


@pytest.mark.parametrize("query, message", [
    ('"', EMPTY), ('""', EMPTY), ("*", EMPTY), ("?", EMPTY), ("(", EMPTY), ("AND", EMPTY), ("title:", EMPTY),
    ("~", NOTHING_SEARCHABLE), ('" och', STOP_WORDS_ONLY), ("-sip", ONLY_EXCLUDED), ('-"sip bus"', ONLY_EXCLUDED),
    ("🙂", ONLY_UNSUPPORTED), ("\u202e", ONLY_UNSUPPORTED), ("x" * 2000, ONLY_LONG_WORDS),
    ("och " + "x" * 50, ONLY_LONG_WORDS),
])
def test_with_nothing_to_search_for_one_message_says_what_to_do(query, message):
    """Notices about how words were read (a lone quote, a wildcard) say nothing when no word is left."""
    parsed = parse_query(query)
    assert not parsed.groups and parsed.notices == [message]


def test_a_query_cut_after_twelve_words_says_so_and_names_what_was_left_out():
    parsed = parse_query("sip bus lvu sams bup skola barn elev rektor förskola fritid hem Socialtjänst lärare")
    assert sum(len(unit.words) for group in parsed.groups for unit in group) == MAX_QUERY_WORDS == 12
    assert parsed.notices == ["Sökningen använde bara de första 12 orden. ”socialtjänst lärare” söktes inte."]


@pytest.mark.parametrize("query", [
    'barn skola elev rektor förskola fritid hem socialtjänst lärare kurator "samordnad individuell plan"',
    "barn-skola-elev-rektor-förskola-fritid-hem-socialtjänst-lärare-kurator-samordnad-individuell-plan",
])
def test_a_phrase_cut_at_the_twelfth_word_says_so_too(query):
    parsed = parse_query(query)
    assert parsed.notices == ["Sökningen använde bara de första 12 orden. ”plan” söktes inte."]
