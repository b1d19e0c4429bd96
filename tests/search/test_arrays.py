"""Ranking over posting arrays: the same order and scores as Whoosh's own BM25F, and never stale."""
import re

import pytest
from whoosh.query import And, AndNot, Or

from portal.search import engine
from portal.search.analysis import WORD_PATTERN
from portal.search.querying import parse_query
from portal.search.snippets import TermMatcher, _spans
from portal.search.synonyms import synonym_set

from .conftest import CORPUS, doc

QUERIES = ["barn", "orosanmälan", "rektorn anmälan", "samordnad individuell plan", '"fyra månader"',
           "SIP", "hemmasittare", "våld -heder", "socialtjänsten barn vårdnadshavarna", "orosanmalan",
           "skolfrånvaro OR placering", "samordand", "förskoleklass"]


def _whoosh_and_arrays(ix, q, query_of):
    with ix.reading() as searcher:
        builder = engine._QueryBuilder(searcher, synonym_set())
        parsed = parse_query(q)
        query = query_of(builder.required(parsed))
        excluded = builder.excluded(parsed)
        if excluded:
            query = AndNot(query, excluded)
        whoosh = [(round(score, 9), docnum) for score, docnum in searcher.search(query, limit=50).top_n]
        view = ix.arrays(searcher)
        arrays = [(round(score, 9), docnum) for score, docnum in view.top(view.scored(query), 50)]
    return whoosh, arrays


@pytest.mark.parametrize("q", QUERIES)
def test_array_ranking_gives_whooshs_order_and_scores(corpus_index, q):
    whoosh, arrays = _whoosh_and_arrays(
        corpus_index, q, lambda required: And(required) if len(required) > 1 else required[0])
    assert whoosh, "every query finds something in the corpus"
    assert arrays == whoosh


@pytest.mark.parametrize("q", ["socialjouren kväll", "rektorn anmälan placering", "våld heder xyzzy",
                               "SIP socialjouren", '"samordnad individuell plan" kväll'])
def test_array_ranking_of_some_words_gives_whooshs_coordination(corpus_index, q):
    whoosh, arrays = _whoosh_and_arrays(corpus_index, q, lambda required: Or(required, scale=engine.COORDINATION))
    assert whoosh and arrays == whoosh


def test_arrays_follow_every_commit_and_keep_unchanged_segments(fresh_index):
    search = lambda q, **kw: engine.search(fresh_index, q, synonyms=None, **kw)
    engine.upsert(fresh_index, [doc("a", "Frånvaro i skolan", "routine", "bildning", ["frånvaro"], "Om frånvaro.")])
    assert [h.slug for h in search("frånvaro").hits] == ["a"]  # postings of the first segment now cached
    cached = len(fresh_index._arrays.segments)
    assert cached

    engine.upsert(fresh_index, [doc("b", "Långvarig frånvaro", "section", "social", ["frånvaro"], "Frånvaro.")])
    result = search("frånvaro")
    assert {h.slug for h in result.hits} == {"a", "b"} and result.total == 2  # found at once
    assert dict(result.facets["kind"]) == {"routine": 1, "section": 1}
    assert len(fresh_index._arrays.segments) > cached  # the old segment's arrays were kept, the new one added

    engine.delete(fresh_index, ["a"])  # archived: a deletion mark in the old segment, its arrays stay
    result = search("frånvaro")
    assert [h.slug for h in result.hits] == ["b"] and result.total == 1
    assert dict(result.facets["kind"]) == {"section": 1}
    routines = search("frånvaro", kind="routine")  # no live page is a routine any more
    assert routines.unknown_filters == (("kind", "routine"),) and [h.slug for h in routines.hits] == ["b"]
    assert engine.suggest_titles(fresh_index, "skolan") == []  # "Frånvaro i skolan" is gone
    assert [s.slug for s in engine.suggest_titles(fresh_index, "franv")] == ["b"]


def test_a_rebuild_swaps_in_new_arrays(tmp_path):
    path = tmp_path / "index"
    engine.rebuild(path, CORPUS[:3])
    ix = engine.open_index(path)
    assert engine.search(ix, "skolfrånvaro", synonyms=None).hits == ()
    engine.rebuild(path, CORPUS)
    assert engine.search(ix, "skolfrånvaro", synonyms=None).hits[0].slug == "skolfranvaro"


@pytest.mark.parametrize("item", CORPUS, ids=[item["slug"] for item in CORPUS])
def test_matched_words_are_found_as_a_word_by_word_scan_finds_them(item):
    matcher = TermMatcher({"barn", "orosanmälan", "socialtjänst", "skola"}, {"elev", "vardnadshavare"})
    text = item["body"] + " barn_x barnet2 Barn. skola-skolan"
    expected = [m.span() for m in re.finditer(WORD_PATTERN, text) if matcher(m.group())]
    assert _spans(text, matcher) == expected
    assert _spans(text, matcher, 2) == expected[:2]
