"""axe-core (WCAG 2.1 A and AA rules) on every main page for every role: no serious or critical
violation. Also the page's structure that axe does not judge: language, landmarks, the skip link
first, one h1 and headings in order."""
import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.org.models import Unit
from tests.browser.helpers import ACCOUNTS, PHONE, axe_violations, log_in


def ids(live_server) -> dict:
    with live_server.app.app_context():
        unit = lambda name: db.session.scalar(select(Unit.id).where(Unit.name == name))  # noqa: E731
        return {"school": unit("Ekbackens skola"),
                "department": db.session.scalar(select(Unit.department_id).where(Unit.name == "Ekbackens skola")),
                "reader": db.session.scalar(select(User.id).where(User.email == ACCOUNTS["reader"]))}


def pages_for(role: str, known: dict) -> list[str]:
    reading = ["/", "/handbok", "/handbok/orosanmalan", "/handbok/kontaktvagar",
               "/handbok/efter-orosanmalan/historik", "/handbok/efter-orosanmalan/version/1",
               "/handbok/efter-orosanmalan/jamfor?fran=1&till=2", "/sok?q=orosanmälan",
               "/sok?q=orosanmälan&nyckelord=bup", "/sok?q=anmalan&typ=routine", "/sok?q=qwxzv", "/konto", "/tillganglighet",
               "/handbok/finns-inte"]
    return {
        "anonymous": ["/logga-in", "/tillganglighet"],
        "reader": reading + [f"/inforande/enhet/{known['school']}"],
        "unit_head": ["/", "/min-enhet", f"/min-enhet/{known['school']}/orosanmalan", "/inforande",
                      "/inforande/rutin/orosanmalan", "/inforande/rutin/orosanmalan/per-datum",
                      f"/inforande/enhet/{known['school']}", "/handbok/orosanmalan"],
        "editor": ["/", "/redaktor", "/handbok/ny", "/handbok/orosanmalan/redigera",
                   "/handbok/orosanmalan/installningar", "/handbok/orosanmalan/historik",
                   "/handbok/efter-orosanmalan/jamfor?fran=2&till=1",
                   "/handbok/efter-orosanmalan/jamfor?fran=1&till=2&visa=kalla",
                   "/inforande", "/inforande/rutin/orosanmalan", "/sok/synonymer"],
        "admin": ["/admin/", "/admin/anvandare", f"/admin/anvandare/{known['reader']}",
                  f"/admin/anvandare/{known['reader']}/api-nycklar", "/admin/organisation",
                  f"/admin/organisation/enhet/{known['school']}",
                  f"/admin/organisation/forvaltning/{known['department']}", "/admin/logg", "/inforande",
                  "/redaktor"],
    }[role]


STRUCTURE = """() => {
    const headings = [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]
        .filter(h => h.offsetParent !== null || h.classList.contains('visually-hidden'))
        .map(h => Number(h.tagName[1]));
    const skipped = headings.some((level, i) => i > 0 && level > headings[i - 1] + 1);
    const first = document.querySelector('a[href], button, input, select, textarea, [tabindex]');
    return {
        lang: document.documentElement.lang,
        landmarks: ['header', 'nav', 'main', 'footer'].filter(tag => !document.querySelector(tag)),
        h1: document.querySelectorAll('h1').length,
        firstLevel: headings[0], skipped,
        firstFocusable: first ? first.textContent.trim() : null,
        title: document.title,
    };
}"""


@pytest.mark.parametrize("role", ["anonymous", "reader", "unit_head", "editor", "admin"])
def test_every_main_page_has_no_serious_axe_violation(browser, live_server, role):
    # axe is injected as a script: this context bypasses the CSP so it may run (the pages are
    # otherwise the same; the CSP itself is checked by the other browser tests).
    context = browser.new_context(bypass_csp=True, locale="sv-SE")
    page = context.new_page()
    if role != "anonymous":
        log_in(page, live_server.url, role)
    found, structure = {}, {}
    for path in pages_for(role, ids(live_server)):
        response = page.goto(live_server(path))
        expected = 404 if path == "/handbok/finns-inte" else 200
        assert response.status == expected, f"{role} {path}: {response.status}"
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        facts = page.evaluate(STRUCTURE)
        problems = [text for bad, text in [
            (facts["lang"] != "sv", f"lang={facts['lang']!r}"),
            (facts["landmarks"] and role != "anonymous", f"missing landmarks {facts['landmarks']}"),
            (facts["h1"] != 1, f"{facts['h1']} h1 elements"),
            (facts["firstLevel"] != 1, f"first heading in main is h{facts['firstLevel']}"),
            (facts["skipped"], "a heading level is skipped"),
            (facts["firstFocusable"] != "Hoppa till innehållet", f"first focusable: {facts['firstFocusable']!r}"),
            (not facts["title"].strip(), "empty <title>"),
        ] if bad]
        if problems:
            structure[path] = problems
    context.close()
    assert found == {}, f"axe violations for {role}: {found}"
    assert structure == {}, f"structure problems for {role}: {structure}"


PHONE_PAGES = {
    "reader": ["/", "/handbok/orosanmalan", "/handbok/kontaktvagar", "/sok?q=sip",
               "/handbok/efter-orosanmalan/historik", "/handbok/efter-orosanmalan/jamfor?fran=1&till=2"],
    "unit_head": ["/min-enhet", "/inforande", "/inforande/rutin/orosanmalan"],
    "editor": ["/redaktor", "/handbok/orosanmalan/redigera", "/handbok/ny"],
    "admin": ["/admin/anvandare", "/admin/organisation", "/admin/logg"],
}


@pytest.mark.parametrize("role", list(PHONE_PAGES))
def test_phone_width_pages_fit_and_have_no_serious_axe_violation(browser, live_server, role):
    context = browser.new_context(bypass_csp=True, locale="sv-SE", viewport=PHONE)
    page = log_in(context.new_page(), live_server.url, role)
    found, wide = {}, {}
    for path in PHONE_PAGES[role]:
        page.goto(live_server(path))
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        # Wide tables may scroll inside their own box; the page itself must not scroll sideways.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide[path] = overflow
    context.close()
    assert found == {}
    assert wide == {}, f"wider than a {PHONE['width']}px phone: {wide}"


def test_open_suggestion_lists_have_no_serious_axe_violation(browser, live_server):
    """The header's and /sok's own box, each with its list open and an option chosen."""
    context = browser.new_context(bypass_csp=True, locale="sv-SE")
    page = log_in(context.new_page(), live_server.url, "reader")
    found = {}
    for path, name in [("/", "Sök i handboken"), ("/sok?q=orosanmälan&nyckelord=bup", "Vad letar du efter?")]:
        page.goto(live_server(path))
        box = page.get_by_role("combobox", name=name)
        box.fill("")
        box.press_sequentially("oros", delay=30)
        page.locator("#" + box.get_attribute("aria-controls")).get_by_role("option").first.wait_for()
        box.press("ArrowDown")
        if violations := axe_violations(page):
            found[path] = violations
    context.close()
    assert found == {}


def test_pages_with_form_errors_have_no_serious_axe_violation(browser, live_server):
    context = browser.new_context(bypass_csp=True, locale="sv-SE")
    page = context.new_page()
    page.goto(live_server("/logga-in"))
    page.get_by_role("button", name="Logga in").click()  # both fields empty
    assert page.get_by_label("E-postadress").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    log_in(page, live_server.url, "editor")
    page.goto(live_server("/handbok/ny"))
    page.get_by_role("button", name="Skapa").click()
    assert page.get_by_label("Rubrik").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    context.close()


def test_the_axe_check_catches_a_real_violation(browser, live_server):
    """Guards the guard: an unlabelled input and an image without text are reported."""
    context = browser.new_context(bypass_csp=True, locale="sv-SE")
    page = context.new_page()
    page.goto(live_server("/logga-in"))
    page.evaluate("""() => {
        document.querySelector('main').insertAdjacentHTML('beforeend',
            '<input type="text" name="x"><img src="/static/none.png">');
    }""")
    reported = {v["id"] for v in axe_violations(page, impacts=("critical", "serious"))}
    context.close()
    assert {"label", "image-alt"} <= reported
