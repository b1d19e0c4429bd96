"""Reading the search box: what the user is told when nothing in the input can be searched."""
import pytest

from portal.search.querying import NOTHING_SEARCHABLE, STOP_WORDS_ONLY, parse_query


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
