"""The search pages over HTTP: results, filters, pagination, help, suggestions, the synonym list."""
import re
from html import escape

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.search.models import SynonymList
from portal.search.synonyms import DEFAULT_SYNONYMS
from tests.conftest import table_snapshot

from .test_engine import EXPLAINED, ODD


@pytest.fixture
def handbook(make_document, organisation):
    school = organisation["school_dept"]
    make_document()
    make_document("skolfranvaro", "Skolfrånvaro", department=school,
                  body="Upprepad frånvaro utreds av rektorn. Vid oro för barnet görs en orosanmälan.",
                  meta={"tags": ["frånvaro", "skola"]})
    make_document("sip", "SIP – samordnad individuell plan", kind="agreement",
                  body="En samordnad individuell plan när barnet behöver insatser från flera håll.",
                  meta={"tags": ["samverkan"]})
    for number in range(1, 13):
        make_document(f"barn-{number}", f"Barn och familj {number}", kind="section", department=school,
                      body=f"Text nummer {number} om barn i förskolan.", meta={"tags": ["förskola"]})


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/sok?q=sip")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    assert client.get("/sok/forslag?q=si").status_code == 302


def test_results_in_rank_order_with_title_kind_department_and_snippet(client, login_as, handbook, hits):
    login_as("reader")
    assert hits("orosanmälan")[:2] == ["orosanmalan", "skolfranvaro"]
    html = client.get("/sok?q=samordnad+plan").get_data(as_text=True)
    item = re.search(r'<ol id="sokresultat".*?<li>(.*?)</li>', html, re.S).group(1)
    assert "<mark>" in item and "Överenskommelse" in item and "Socialförvaltningen" in item
    assert 'role="search"' in html and 'id="header-q"' in html


def test_filters_show_counts_and_narrow(client, login_as, handbook, hits):
    login_as("reader")
    html = client.get("/sok?q=barn").get_data(as_text=True)
    assert re.search(r">Avsnitt</a> <span class=\"muted\">\(12\)</span>", html)
    assert set(hits("barn", typ="routine")) == {"orosanmalan", "skolfranvaro"}
    assert "sip" not in hits("barn", forvaltning="Bildningsförvaltningen")
    assert hits("barn", nyckelord="samverkan") == ["sip"]


def test_pagination(client, login_as, handbook, hits):
    login_as("reader")
    first, second = hits("förskolan"), hits("förskolan", sida=2)
    assert len(first) == 10 and len(second) == 2 and not set(first) & set(second)
    html = client.get("/sok?q=förskolan").get_data(as_text=True)
    assert 'rel="next"' in html and "Sida 1 av 2" in html
    beyond = client.get("/sok?q=förskolan&sida=9")
    assert beyond.status_code == 302 and "sida=2" in beyond.headers["Location"]


def test_an_empty_result_helps(client, login_as, handbook):
    login_as("reader")
    html = client.get("/sok?q=simhall").get_data(as_text=True)
    assert 'id="sokresultat"' not in html
    assert "Inga dokument matchade" in html
    assert 'href="/handbok/orosanmalan"' in html  # the urgent entry
    assert "Hela handboken" in html


def test_a_typo_offers_did_you_mean(client, login_as, handbook):
    login_as("reader")
    html = client.get("/sok?q=orosanmälen").get_data(as_text=True)
    assert "Menade du" in html and "q=orosanm%C3%A4lan" in html


@pytest.mark.parametrize("query", EXPLAINED + ODD)
def test_bad_queries_give_a_helpful_page(client, login_as, handbook, query):
    login_as("reader")
    response = client.get("/sok", query_string={"q": query})
    html = response.get_data(as_text=True)
    if "\x00" in query:  # refused at the door for every route, with a Swedish page
        assert response.status_code == 400 and "Felaktig begäran" in html
        return
    assert response.status_code == 200
    assert "<script>alert" not in html
    if query in EXPLAINED:
        assert 'class="flash flash-info"' in html


@pytest.mark.parametrize("params", [
    {"sida": "-1"}, {"sida": "abc"}, {"sida": "99999999999999999999"}, {"sida": "0"},
    {"typ": "x" * 5000}, {"forvaltning": "\u202e"}, {"nyckelord": "<script>"}, {"q": ["sip", "bus"]},
])
def test_bad_parameters_are_ignored(client, login_as, handbook, params):
    login_as("reader")
    response = client.get("/sok", query_string={"q": "barn", **params}, follow_redirects=True)
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_title_suggestions_as_json(client, login_as, handbook):
    login_as("reader")
    data = client.get("/sok/forslag?q=oros").get_json()
    assert data["forslag"][0] == {"titel": "Orosanmälan – när och hur", "adress": "/handbok/orosanmalan",
                                  "typ": "Rutin"}
    assert client.get("/sok/forslag?q=").get_json() == {"forslag": []}
    assert client.get("/sok/forslag?q=" + "ö" * 5000).status_code == 200


def test_the_page_works_without_script_and_offers_the_script(client, login_as, handbook):
    login_as("reader")
    html = client.get("/").get_data(as_text=True)
    assert 'action="/sok"' in html and 'method="get"' in html
    assert 'src="/static/js/suggest.js"' in html and 'data-suggest-url="/sok/forslag"' in html


def test_the_header_search_box_takes_as_many_characters_as_a_query_uses(client, login_as, handbook):
    login_as("reader")
    header = client.get("/").get_data(as_text=True).split("</header>", 1)[0]
    box = re.search(r'<input id="header-q"[^>]*>', header).group(0)
    assert 'maxlength="200"' in box and 'autocomplete="off"' in box


# --- The synonym list -------------------------------------------------------------------------------


def test_readers_may_not_edit_synonyms(client, login_as):
    login_as("reader")
    before = table_snapshot()
    assert client.get("/sok/synonymer").status_code == 403
    assert client.post("/sok/synonymer", data={"text": "a = b", "base_id": ""}).status_code == 403
    assert table_snapshot() == before


def test_an_editor_adds_a_synonym_and_search_uses_it(client, login_as, handbook, hits):
    editor = login_as("editor")
    assert hits('"återkommande frånvaro"') == []
    page = client.get("/sok/synonymer").get_data(as_text=True)
    assert "SIP = samordnad individuell plan" in page
    response = client.post("/sok/synonymer", data={
        "text": DEFAULT_SYNONYMS + "återkommande frånvaro = upprepad frånvaro\n", "base_id": "",
        "note": "Återkommande frånvaro"})
    assert response.status_code == 302
    assert hits('"återkommande frånvaro"')[0] == "skolfranvaro"
    saved = db.session.scalar(select(SynonymList))
    assert saved.created_by_id == editor.id and saved.note == "Återkommande frånvaro"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "search.synonyms_changed"))
    assert "1 rader tillagda" in event.summary
    version = client.get(f"/sok/synonymer/version/{saved.id}").get_data(as_text=True)
    assert "återkommande frånvaro = upprepad frånvaro" in version
    assert client.get("/sok/synonymer/version/999").status_code == 404


@pytest.mark.parametrize("text, message", [
    ("SIP samordnad plan", "saknar ”=”"),
    ("SIP = ", "ett led är tomt"),
    ("SIP = samordnad plan\nSIP = något annat", "finns redan på rad 1"),
    ("sip = SIP", "betyder redan samma sak"),
    ("SIP = <script>", "inte är tillåtet"),
    ("a" * 100 + " = b", "för långt"),
])
def test_bad_synonym_lines_are_refused_with_the_line(client, login_as, text, message):
    login_as("editor")
    before = table_snapshot()
    response = client.post("/sok/synonymer", data={"text": text, "base_id": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'class="field-error"' in html
    assert escape(text.split("\n")[0][:20]) in html  # what they wrote is kept
    assert table_snapshot() == before


def test_two_editors_saving_at_once_get_a_conflict_not_a_loss(client, login_as):
    login_as("editor")
    client.post("/sok/synonymer", data={"text": "skolk = ogiltig frånvaro", "base_id": ""})
    response = client.post("/sok/synonymer", data={"text": "mobbning = kränkande behandling", "base_id": ""})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "skolk = ogiltig frånvaro" in html and "mobbning = kränkande behandling" in html
    assert db.session.query(SynonymList).count() == 1


def test_a_missing_csrf_token_changes_nothing(client, login_as):
    login_as("editor")
    before = table_snapshot()
    response = client.post("/sok/synonymer", data={"text": "a = b"}, csrf=False)
    assert response.status_code == 400
    assert table_snapshot() == before


@pytest.mark.parametrize("sida", ["3", "9", "1001", "99999999999999999999", "9" * 5000])
def test_a_page_past_the_end_goes_to_the_last_page_however_large(client, login_as, handbook, sida):
    login_as("reader")
    beyond = client.get("/sok", query_string={"q": "förskolan", "sida": sida})
    assert beyond.status_code == 302 and beyond.headers["Location"].endswith("sida=2")


def test_the_heading_shows_the_query_without_the_removed_field_name(client, login_as, handbook):
    login_as("reader")
    html = client.get("/sok?q=title:sip").get_data(as_text=True)
    assert re.search(r"träff(ar)? för ”sip”</h2>", html)
    assert "<title>Sök: sip" in html


def test_results_come_before_the_filters_in_the_page(client, login_as, handbook):
    """So that on a phone, with one column, the first hit is on the first screen."""
    login_as("reader")
    html = client.get("/sok?q=barn").get_data(as_text=True)
    assert 0 < html.index('id="sokresultat"') < html.index('class="search-filters"')
    assert '<a href="#filter-rubrik">Avgränsa träffarna</a>' in html


def test_a_saved_list_is_offered_the_shipped_groups_it_lacks_and_nothing_is_saved_unasked(client, login_as):
    login_as("editor")
    page = client.get("/sok/synonymer").get_data(as_text=True)
    assert "finns inte i er lista" not in page  # nothing saved yet: the shipped list itself is in use
    saved_text = "SIP = samordnad individuell plan\nsocialtjänsten = socialen\nmobbning = kränkande behandling\n"
    assert client.post("/sok/synonymer", data={"text": saved_text, "base_id": ""}).status_code == 302
    current = db.session.scalar(select(SynonymList))
    page = client.get("/sok/synonymer").get_data(as_text=True)
    block = re.search(r'<section class="notice" aria-labelledby="forslag-rubrik">(.*?)</section>', page, re.S).group(1)
    assert "<code>BUS = barn och unga i behov av särskilt stöd</code>" in block
    assert "<code>SIP = samordnad individuell plan</code>" not in block  # already in the list
    assert "socialtjänsten = socialen = soc" not in block  # one of its words is in the list: left to the editor
    before = table_snapshot()
    page = client.get("/sok/synonymer?forslag=ja").get_data(as_text=True)
    assert table_snapshot() == before
    text = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1).lstrip("\r\n")
    assert text.startswith("SIP = samordnad individuell plan\n")
    assert "mobbning = kränkande behandling\n\n# Tillagt från portalens standardlista\nBUS = " in text
    response = client.post("/sok/synonymer", data={"text": text, "base_id": str(current.id),
                                                   "note": "Förslag tillagda"})
    assert response.status_code == 302
    assert "finns inte i er lista" not in client.get("/sok/synonymer").get_data(as_text=True)
    assert db.session.query(SynonymList).count() == 2


# --- Filters in view ------------------------------------------------------------------------------


def _active_filters(html):
    """The notice about the filters in use, which must stand right under the result count."""
    found = re.search(r'<h2 id="traffar">[^<]*</h2>\s*(?:<p class="to-filters">.*?</p>\s*)?'
                      r'<div class="notice" id="aktiva-filter">(.*?)</div>', html, re.S)
    return found.group(1) if found else None


def test_active_filters_are_named_by_the_result_count_each_with_a_link_removing_it(client, login_as, handbook):
    login_as("reader")
    html = client.get("/sok?q=barn&typ=routine&forvaltning=Bildningsf%C3%B6rvaltningen").get_data(as_text=True)
    assert re.search(r'<h2 id="traffar">1 träff för ”barn” med filter</h2>', html)
    notice = _active_filters(html)
    assert "Filtrerat på typ: <strong>Rutin</strong>" in notice
    assert "Filtrerat på förvaltning: <strong>Bildningsförvaltningen</strong>" in notice
    # Each link says which filter it removes, and keeps the other one.
    assert ('<a href="/sok?q=barn&amp;forvaltning=Bildningsf%C3%B6rvaltningen">Ta bort filtret'
            '<span class="visually-hidden"> typ: Rutin</span></a>') in notice
    assert ('<a href="/sok?q=barn&amp;typ=routine">Ta bort filtret'
            '<span class="visually-hidden"> förvaltning: Bildningsförvaltningen</span></a>') in notice
    assert '<a href="/sok?q=barn">Ta bort alla filter</a>' in notice


def test_a_filtered_search_says_how_many_hits_there_are_without_the_filters(client, login_as, handbook, hits):
    login_as("reader")
    unfiltered = len(hits("orosanmälan"))
    assert unfiltered == 2 and hits("orosanmälan", nyckelord="samverkan") == []
    html = client.get("/sok?q=orosanm%C3%A4lan&nyckelord=samverkan").get_data(as_text=True)
    notice = _active_filters(html)
    assert "Filtrerat på nyckelord: <strong>samverkan</strong>" in notice
    assert '<a href="/sok?q=orosanm%C3%A4lan">2 träffar utan filter</a>' in notice
    assert "Ta bort alla filter" not in notice  # one filter: its own link removes it
    # A filter that leaves every hit says nothing about a count without it.
    html = client.get("/sok?q=orosanm%C3%A4lan&typ=routine").get_data(as_text=True)
    assert "utan filter</a>" not in _active_filters(html)


def test_an_unfiltered_search_shows_no_filter_notice(client, login_as, handbook):
    login_as("reader")
    html = client.get("/sok?q=barn").get_data(as_text=True)
    assert 'id="aktiva-filter"' not in html and "med filter</h2>" not in html
    assert 'type="checkbox"' not in html.split('role="search"', 2)[2].split("</form>", 1)[0]


def test_the_page_search_box_keeps_the_filters_as_ticked_boxes_that_can_be_unticked(client, login_as, handbook):
    """A new search from the page's own box refines within the filters, visibly; the header box
    starts afresh."""
    login_as("reader")
    html = client.get("/sok?q=barn&nyckelord=samverkan").get_data(as_text=True)
    form = re.search(r'<form class="search-form".*?</form>', html, re.S).group(0)
    assert 'type="hidden"' not in form
    box = re.search(r'<input type="checkbox" id="([^"]+)" name="nyckelord" value="samverkan" checked>', form)
    assert box and f'<label for="{box.group(1)}">Nyckelord: samverkan</label>' in form
    assert "<legend>Sökningen filtreras på</legend>" in form
    header = re.search(r'<form class="header-search".*?</form>', html, re.S).group(0)
    assert "nyckelord" not in header
    # Submitted with the box ticked, the new search keeps the filter and says so.
    html = client.get("/sok?q=plan&nyckelord=samverkan").get_data(as_text=True)
    assert "Filtrerat på nyckelord: <strong>samverkan</strong>" in _active_filters(html)


@pytest.mark.parametrize("param, value, message", [
    ("typ", "xyz", "Det finns inga dokument av typen ”xyz”, så det filtret används inte."),
    ("forvaltning", "Gatukontoret", "Det finns inga dokument från ”Gatukontoret”, så det filtret används inte."),
    ("nyckelord", "finns-inte", "Det finns inga dokument med nyckelordet ”finns-inte”, så det filtret används inte."),
])
def test_an_unknown_filter_value_is_named_and_ignored(client, login_as, handbook, hits, param, value, message):
    login_as("reader")
    response = client.get("/sok", query_string={"q": "orosanmälan", param: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<p class="flash flash-warning" role="status">{escape(message, quote=False)}</p>' in html
    assert hits("orosanmälan", **{param: value}) == hits("orosanmälan") != []
    assert 'id="aktiva-filter"' not in html and 'type="checkbox"' not in html
    assert value not in re.search(r'<aside class="search-filters".*?</aside>', html, re.S).group(0)
    # Without a query too: named, and not kept in the form.
    html = client.get("/sok", query_string={param: value}).get_data(as_text=True)
    assert escape(message, quote=False) in html and 'type="checkbox"' not in html


def test_a_filter_value_in_other_letter_case_is_the_known_value(client, login_as, handbook, hits):
    login_as("reader")
    assert hits("barn", nyckelord="SAMVERKAN") == ["sip"]
    html = client.get("/sok?q=barn&nyckelord=SAMVERKAN").get_data(as_text=True)
    assert "Filtrerat på nyckelord: <strong>samverkan</strong>" in html and "flash-warning" not in html


def test_control_characters_in_a_filter_value_are_dropped(client, login_as, handbook, hits):
    login_as("reader")
    html = client.get("/sok", query_string={"q": "barn", "forvaltning": "\u202eSocialförvaltningen"}).get_data(as_text=True)
    assert "\u202e" not in html
    assert "Filtrerat på förvaltning: <strong>Socialförvaltningen</strong>" in html


# --- What the page says about the query -----------------------------------------------------------


def test_the_search_box_takes_as_many_characters_as_search_uses(client, login_as, handbook):
    from portal.search.querying import MAX_QUERY_CHARS

    login_as("reader")
    html = client.get("/sok?q=sip").get_data(as_text=True)
    assert f'<input id="sok-q" name="q" type="search" value="sip" maxlength="{MAX_QUERY_CHARS}"' in html
    assert MAX_QUERY_CHARS == 200


def test_a_query_cut_after_twelve_words_says_so_on_the_page(client, login_as, handbook):
    login_as("reader")
    q = "barn förskolan text nummer plan samordnad individuell insatser håll rektorn orosanmälan frånvaro upprepad"
    html = client.get("/sok", query_string={"q": q}).get_data(as_text=True)
    assert ('<p class="flash flash-info" role="status">Sökningen använde bara de första 12 orden. '
            "”upprepad” söktes inte.</p>") in html


def test_a_quoted_phrase_without_hits_offers_the_words_without_quotes(client, login_as, handbook, hits):
    login_as("reader")
    assert hits('"förskolan barn"') == [] and len(hits("förskolan barn")) == 10
    html = client.get("/sok", query_string={"q": '"förskolan barn"', "typ": "section"}).get_data(as_text=True)
    assert ('Sök utan citattecken: <a href="/sok?q=f%C3%B6rskolan+barn&amp;typ=section">förskolan barn</a> '
            '(12 träffar)') in html
    # Nothing to offer when the phrase finds something, or when the words alone find nothing either.
    assert "utan citattecken" not in client.get("/sok", query_string={"q": '"barn i förskolan"'}).get_data(as_text=True)
    assert "utan citattecken" not in client.get("/sok", query_string={"q": '"qwxzv simhall"'}).get_data(as_text=True)


@pytest.mark.parametrize("query", ['"', "*", "(", "AND", "title:", "🙂"])
def test_a_lone_character_gets_one_message(client, login_as, handbook, query):
    login_as("reader")
    html = client.get("/sok", query_string={"q": query}).get_data(as_text=True)
    assert html.count('class="flash flash-info"') == 1


def test_emptying_the_synonym_list_asks_first_and_an_old_version_can_be_taken_back(client, login_as):
    login_as("editor")
    for text in ("", "   \n", "# bara en kommentar\n"):
        before = table_snapshot()
        response = client.post("/sok/synonymer", data={"text": text, "base_id": ""})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and table_snapshot() == before
        assert "Listan har inga synonymgrupper" in page and 'name="confirm_empty"' in page
    assert 'name="confirm_empty"' not in client.get("/sok/synonymer").get_data(as_text=True)
    response = client.post("/sok/synonymer", data={"text": "# tom\n", "base_id": "", "confirm_empty": "y"})
    assert response.status_code == 302
    emptied = db.session.scalar(select(SynonymList))
    assert emptied.text == "# tom\n"
    # The shipped list was in use before anything was saved: an editor takes it back with the
    # suggestions; a saved version comes back from its own page.
    assert client.post("/sok/synonymer", data={"text": "SIP = samordnad individuell plan\n",
                                               "base_id": str(emptied.id)}).status_code == 302
    version = client.get(f"/sok/synonymer/version/{emptied.id}").get_data(as_text=True)
    assert f'href="/sok/synonymer?fran_version={emptied.id}"' in version
    before = table_snapshot()
    page = client.get(f"/sok/synonymer?fran_version={emptied.id}").get_data(as_text=True)
    assert table_snapshot() == before
    assert re.search(r'<textarea[^>]*name="text"[^>]*>\s*# tom\s*</textarea>', page)
    assert f'value="Tillbaka till version {emptied.id}"' in page
    assert "Den versionen av synonymlistan finns inte." in client.get("/sok/synonymer?fran_version=999").get_data(
        as_text=True)
