"""Page throughput against a bare Flask "hello" app under the same gunicorn settings, and memory per worker.

    .venv/bin/python bench/pages.py                               # print Markdown
    .venv/bin/python bench/pages.py --write docs/benchmarks.md    # replace its two sections there

Needs `wrk` (apt-get install -y wrk) and PostgreSQL at 127.0.0.1:5432 (user postgres): a fresh
database is created and dropped. Steps:

1. The shipped handbook (`flask innehall import`, about 16 documents) and one reader account.
2. gunicorn like `make serve` (sync workers, 127.0.0.1) for the portal and, beside it, for
   bench/hello_app.py. Each page is measured with `wrk` for --duration seconds, --runs times,
   alternating between the portal and hello so drift on the shared machine hits both alike; medians.
   The portal pages are fetched as a logged-in reader (its session cookie): /handbok/orosanmalan and /.
3. 10,000 more documents are bulk-inserted (generated text from bench/search.py, rendered once like
   every revision), the index is rebuilt, gunicorn restarted, the pages measured again, and after a
   warm-up over documents, history, search and the start page the RSS and PSS of every worker are read
   from /proc.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import Client, Gunicorn, LoadDatabase, log  # noqa: E402

BENCH = Path(__file__).resolve().parent
DOCUMENT_PATH = "/handbok/orosanmalan"
STATIC_PATH = "/tillganglighet"  # a page without data: what every logged-in page costs at least
USER_AGENT = "bench/pages.py"  # the login and every measured request send the same one, as a browser does

GENERATE = r'''
import random, sys, time
sys.path.insert(0, %(bench)r)
from sqlalchemy import insert, select, update
from search import corpus
from portal.extensions import db
from portal.handbook.markdown import render
from portal.handbook.models import Document, Revision
from portal.org.models import Department
from portal.clock import utcnow

count, per_parent = int(sys.argv[1]), 100
departments = list(db.session.scalars(select(Department).order_by(Department.id)))
started, now = time.monotonic(), utcnow()
rng = random.Random(11)
parents = []
# Sections of 100 documents each, e.g. one per unit's local routines, at the top of the tree.
rows = [{"slug": f"lokala-rutiner-{n:03d}", "title": f"Lokala rutiner {n:03d}", "kind": "section",
         "parent_id": None, "position": 1000 + n, "department_id": departments[n %% len(departments)].id,
         "latest_number": 1, "created_at": now} for n in range((count + per_parent - 1) // per_parent)]
docs = [{"slug": r["slug"], "title": r["title"], "kind": "section", "body": f"Lokala rutiner för enhet {i}.",
         "tags": [], "legal_refs": []} for i, r in enumerate(rows)]
parent_ids = db.session.execute(insert(Document).returning(Document.id, sort_by_parameter_order=True), rows).scalars().all()
generated = list(corpus(count))
rows = [{"slug": d["slug"], "title": d["title"][:200], "kind": d["kind"], "parent_id": parent_ids[i // per_parent],
         "position": i %% per_parent, "department_id": departments[i %% len(departments)].id, "latest_number": 1,
         "created_at": now} for i, d in enumerate(generated)]
ids = parent_ids + db.session.execute(insert(Document).returning(Document.id, sort_by_parameter_order=True), rows).scalars().all()
revisions = []
for document_id, d in zip(ids, docs + generated):
    headings = "".join(f"\n\n## {h}\n\nSe ovan." for h in d.get("headings", [])[:3])
    body = d["body"] + headings + "\n"
    rendered = render(body)
    revisions.append({"document_id": document_id, "number": 1, "title": d["title"][:200], "body": body,
                      "meta": {"tags": d["tags"], "legal_refs": d["legal_refs"]}, "html": rendered.html,
                      "toc": rendered.toc, "author_label": "bench", "created_at": now, "save_note": "",
                      "published_at": now, "change_note": "Genererad för benchmark", "substantial": False})
revision_ids = db.session.execute(insert(Revision).returning(Revision.id, sort_by_parameter_order=True), revisions).scalars().all()
db.session.execute(update(Document), [{"id": d, "current_revision_id": r} for d, r in zip(ids, revision_ids)])
db.session.commit()
print(f"{len(ids)} documents in {time.monotonic() - started:.1f} s")
'''


# Where a request's time goes, without gunicorn, wrk or the network: the same app and database, the
# Flask test client, CPU time of this process per request and the SQL statements one request sends.
BREAKDOWN = r'''
import json, re, time
from sqlalchemy import event
from hello_app import app as hello
from portal.extensions import db
email, password, document, static, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx.pop()
def client_for(application, login):
    client = application.test_client()
    if login:
        page = client.get("/logga-in")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        scheme = app.config.get("PREFERRED_URL_SCHEME", "http")
        answer = client.post("/logga-in", data={"email": email, "password": password, "csrf_token": token},
                             headers={"Referer": f"{scheme}://localhost/logga-in"})
        assert answer.status_code == 302, answer.status_code
    return client
with app.app_context():
    engine = db.engine
statements = []
event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
out = {}
for name, application, path, login in (("hello", hello, "/", False), ("static_anonymous", app, static, False),
                                       ("static", app, static, True), ("document", app, document, True)):
    client = client_for(application, login)
    for _ in range(50):
        assert client.get(path).status_code == 200
    del statements[:]
    client.get(path)
    count = len(statements)
    started = time.process_time()
    for _ in range(rounds):
        client.get(path)
    out[name] = {"cpu_ms": (time.process_time() - started) / rounds * 1000, "statements": count}
print(json.dumps(out))
'''


# --- wrk ---------------------------------------------------------------------------------------------

def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, *, duration: float, connections: int, threads: int, cookie: str | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:.0f}s", "--latency", "--timeout", "10s"]
    if cookie:
        # The browser that logged in: Flask-Login's session protection compares the User-Agent with the
        # login's, and another one makes every response rewrite the session cookie.
        command += ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    result = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 60)
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50": latency.get("50"), "p99": latency.get("99"),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def check_page(url: str, cookie: str | None, expect: str) -> None:
    """The page answers 200 with the expected text for this cookie (not a redirect to the login), and
    leaves the session as it is (a page that sets the cookie again would be measured doing so)."""
    import requests

    headers = {"Cookie": cookie, "User-Agent": USER_AGENT} if cookie else {}
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=30)
    if response.status_code != 200 or expect not in response.text:
        raise RuntimeError(f"{url} answered {response.status_code} without {expect!r}")
    if cookie and "Set-Cookie" in response.headers:
        raise RuntimeError(f"{url} sets the session cookie again on every request")


def measure(targets: list[tuple[str, str, str | None, str]], args) -> dict[str, list[dict]]:
    """targets: (name, url, cookie, expected text); runs alternate between the targets."""
    results: dict[str, list[dict]] = {name: [] for name, *_ in targets}
    for name, url, cookie, expect in targets:  # warm-up: every worker has rendered the page
        check_page(url, cookie, expect)
        wrk(url, duration=2, connections=args.connections, threads=args.threads, cookie=cookie)
    for run in range(args.runs):
        for name, url, cookie, expect in targets:
            result = wrk(url, duration=args.duration, connections=args.connections, threads=args.threads,
                         cookie=cookie)
            check_page(url, cookie, expect)  # still logged in, still the page
            results[name].append(result)
            log(f"run {run + 1}/{args.runs} {name}: {result['rps']:.0f} req/s, p50 {result['p50']} ms, "
                f"non-2xx {result['non2xx']}")
    return results


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


# --- Memory ------------------------------------------------------------------------------------------

def warm_up(client: Client, slugs: list[str], rounds: int) -> None:
    terms = ["orosanmälan", "rektorn anmälan", "samordnad individuell plan", "skolfrånvaro", "sekretess"]
    for number in range(rounds):
        slug = slugs[number % len(slugs)]
        paths = [(f"/handbok/{slug}", None), (f"/handbok/{slug}/historik", None),
                 ("/sok", {"q": terms[number % len(terms)]})]
        if number % 5 == 0:  # the start page renders the whole tree: slow with 10,000 documents
            paths.append(("/", None))
        for path, params in paths:
            response = client.get("warm-up", path, params=params)
            if response is None or response.status_code != 200:
                raise RuntimeError(f"warm-up {path} failed: {response.status_code if response else 'ERR'}")


def memory(server: Gunicorn) -> list[dict]:
    return [{"pid": pid, "rss": harness.rss_kib(pid), "pss": harness.pss_kib(pid)} for pid in server.worker_pids()]


# --- The run -----------------------------------------------------------------------------------------

def login_cookie(server: Gunicorn, email: str, password: str) -> tuple[Client, str]:
    client = Client(server.url)
    client.session.headers["User-Agent"] = USER_AGENT
    client.login(email, password)
    client.get("after login", "/")  # shows (and so removes) the welcome message kept in the session
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.session.cookies)
    return client, cookie


def prepare(env: dict) -> tuple[str, str, str]:
    """A migrated database with the demo organisation, the handbook and one reader: (content, email, password)."""
    harness.flask(env, "db", "upgrade")
    harness.flask(env, "demo", "load")
    content = harness.load_content(env)
    password = "lt-" + harness.secrets.token_hex(10)
    email = harness.create_accounts(env, readers=1, editors=0, heads=0, password=password)["reader"][0]["email"]
    return content, email, password


def run(args) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    data = {"machine": harness.machine_summary(), "args": vars(args), "datasets": {}}
    with tempfile.TemporaryDirectory(prefix="portal-pages-") as tmp, LoadDatabase("portal_pages") as db:
        workdir = Path(tmp)
        env = harness.portal_env(db.url, workdir, LOG_LEVEL="WARNING")
        data["content"], email, password = prepare(env)
        harness.flask(env, "search", "reindex")
        hello_env = {k: v for k, v in env.items()}
        with Gunicorn(hello_env, workers=args.workers, app="hello_app:app", cwd=BENCH, health_path="/",
                      log_path=workdir / "hello.log") as hello:
            for dataset in ("handbook", "10k"):
                if dataset == "10k":
                    started = time.monotonic()
                    log(harness.in_app(env, GENERATE % {"bench": str(BENCH)}, str(args.docs)).strip())
                    data["generate_s"] = time.monotonic() - started
                    started = time.monotonic()
                    harness.flask(env, "search", "reindex")
                    data["reindex_s"] = time.monotonic() - started
                    log(f"reindex of {args.docs} more documents: {data['reindex_s']:.0f} s")
                count = db.query("SELECT count(*) FROM documents WHERE current_revision_id IS NOT NULL")[0][0]
                with Gunicorn(env, workers=args.workers, log_path=workdir / f"portal-{dataset}.log") as portal:
                    client, cookie = login_cookie(portal, email, password)
                    size = len(client.get("size", DOCUMENT_PATH).content)
                    targets = [("hello", hello.url + "/", None, "Hello"),
                               ("hello_sized", f"{hello.url}/bytes/{size}", None, "Hello"),
                               ("document", portal.url + DOCUMENT_PATH, cookie, "Orosanmälan"),
                               ("start", portal.url + "/", cookie, "Orolig för ett barn"),
                               ("static", portal.url + STATIC_PATH, cookie, "Tillgänglighetsredogörelse")]
                    results = measure(targets, args)
                    slugs = [row[0] for row in db.query(
                        "SELECT slug FROM documents WHERE current_revision_id IS NOT NULL ORDER BY random() LIMIT 200")]
                    warm_up(client, slugs, args.warm_up)
                    data["datasets"][dataset] = {"documents": count, "results": results, "document_bytes": size,
                                                 "memory": memory(portal), "memory_hello": memory(hello)}
                    data["datasets"][dataset]["start_page_kib"] = len(
                        client.get("size", "/").content) // 1024
                if dataset == "handbook":
                    data["breakdown"] = json.loads(harness.in_app(
                        {**env, "PYTHONPATH": str(BENCH)}, BREAKDOWN, email, password, DOCUMENT_PATH,
                        STATIC_PATH, "2000").strip().splitlines()[-1])
    return data


# --- Report ------------------------------------------------------------------------------------------

def throughput_section(data: dict) -> str:
    args = data["args"]
    lines = [f"Measured by `bench/pages.py` (`.venv/bin/python bench/pages.py --write docs/benchmarks.md`, "
             f"about {_minutes(args)} minutes), {time.strftime('%Y-%m-%d')}.", "",
             f"- Machine: {data['machine']}. Shared with other work: numbers vary between runs by 10–30 %.",
             f"- Server: gunicorn, {args['workers']} sync workers (the `make serve` flags), "
             "PORTAL_CONFIG=production with LOG_LEVEL=WARNING, PostgreSQL on the same machine; the hello app "
             "is bench/hello_app.py under the same gunicorn command. LOG_LEVEL=WARNING means no request log "
             "line, as in the hello app; the production default (INFO) writes one JSON line per request, which "
             "cost about 0.07 ms more per document page in a direct WSGI call on 2026-12-02 (0.31–0.33 against "
             "0.38–0.40 ms), so with it the ratios below would be lower.",
             f"- Load: `wrk -t{args['threads']} -c{args['connections']} -d{args['duration']:.0f}s --latency` on "
             f"127.0.0.1 (wrk runs on the same 2 cores), {args['runs']} runs per page alternating between the "
             "portal and hello, after a 2 s warm-up; medians. Portal pages as a logged-in reader (session "
             "cookie); every run is checked to answer 200 with the page, not a login redirect.", ""]
    lines += ["| dataset | page | requests/s (median) | runs | p50 ms | p99 ms | ratio to hello | target |",
              "|---|---|---:|---|---:|---:|---:|---|"]
    for name, dataset in data["datasets"].items():
        results = dataset["results"]
        hello = median(results["hello"], "rps")
        label = f"{dataset['documents']:,} documents"
        pages = [("hello", "/ (bare Flask)"), ("document", DOCUMENT_PATH), ("start", "/ (start page)"),
                 ("static", f"{STATIC_PATH} (no data: the floor)")]
        if "hello_sized" in results:
            pages.insert(1, ("hello_sized", f"bare Flask, {dataset['document_bytes']:,} bytes (the document page's size)"))
        for page, path in pages:
            rows = results[page]
            ratio = median(rows, "rps") / hello
            target = "" if page in ("hello", "hello_sized", "static") else ("≥ 0.5 " + ("met" if ratio >= 0.5 else "**not met**"))
            bad = sum(r["non2xx"] for r in rows)
            lines.append(f"| {label} | {path} | {median(rows, 'rps'):.0f} | "
                         f"{', '.join(format(r['rps'], '.0f') for r in rows)} | {median(rows, 'p50'):.1f} | "
                         f"{median(rows, 'p99'):.1f} | {ratio:.2f} | {target}{' (non-2xx: %d)' % bad if bad else ''} |")
    return "\n".join(lines) + "\n\n" + reading(data)


def reading(data: dict) -> str:
    """What the numbers say; the figures come from this run, the explanation from profiling it."""
    sets = data["datasets"]
    ratio = {name: {page: median(d["results"][page], "rps") / median(d["results"]["hello"], "rps")
                    for page in ("document", "start", "static")} for name, d in sets.items()}
    rps = {name: {page: median(d["results"][page], "rps") for page in d["results"]} for name, d in sets.items()}
    small, large = sets.get("handbook"), sets.get("10k")
    lines = ["### Reading the numbers", ""]
    met = all(r["document"] >= 0.5 for r in ratio.values())
    doc_ratios = ", ".join(f"{r['document']:.2f}" for r in ratio.values())
    floor_ratios = ", ".join(f"{r['static']:.2f}" for r in ratio.values())
    lines.append(f"- The target (a document page at least half as fast as a bare Flask page) is "
                 f"{'met' if met else '**not met**'}: the document page runs at {doc_ratios} of the hello page's "
                 f"requests per second. A logged-in page without data (`{STATIC_PATH}`) reaches {floor_ratios}, "
                 "so nearly all of the gap is what every logged-in page costs, not the document itself: the "
                 "document page is within "
                 f"{max(abs(1 - rps[n]['document'] / rps[n]['static']) for n in rps) * 100:.0f} % of that floor.")
    b = data.get("breakdown")
    if b:
        lines.append(
            "- Where the time goes (the same app and database in one process, Flask test client, CPU per request, "
            "no gunicorn, wrk or network): hello "
            f"{b['hello']['cpu_ms']:.2f} ms; `{STATIC_PATH}` anonymous {b['static_anonymous']['cpu_ms']:.2f} ms "
            f"({b['static_anonymous']['statements']} SQL statements); the same page logged in "
            f"{b['static']['cpu_ms']:.2f} ms ({b['static']['statements']} statements); the document page logged "
            f"in {b['document']['cpu_ms']:.2f} ms ({b['document']['statements']} statements). A logged-in page "
            "whose user is kept by the worker (portal/usercache.py) and whose HTML is in the page cache sends "
            "no SQL at all; before the user cache (the run of 2026-12-02 "
            "without it) the same two pages sent one query each and cost 8.5 and 9.8 times the hello page "
            "(2.73 and 3.14 ms against 0.32 ms), most of it the transaction around that query (pool checkout "
            f"with pre-ping, BEGIN, ROLLBACK); now {b['static']['cpu_ms'] / b['hello']['cpu_ms']:.1f} and "
            f"{b['document']['cpu_ms'] / b['hello']['cpu_ms']:.1f} times (the test client adds its own work to "
            "every request, so these are larger than a direct WSGI call). What is left is Flask's own work for "
            "a logged-in page: the request context, Flask-Login, copying the kept user into the request's "
            "database session, the templates, the security headers and the request log.")
    if small and large:
        lines.append(
            f"- The number of documents {_size_effect(rps)}: the document page "
            f"{rps['handbook']['document']:.0f} → {rps['10k']['document']:.0f} requests/s and the start page "
            f"{rps['handbook']['start']:.0f} → {rps['10k']['start']:.0f} with 10,000 more documents. The "
            "rendered page is cached per worker against the content version (a publish, move or rename "
            "changes it), and the tree on the start page and `/handbok` stays within 150 entries, deeper "
            f"branches open on their own page (`/handbok?gren=…`): {small['start_page_kib']} KiB of HTML with "
            f"the shipped handbook, {large['start_page_kib']} KiB with 10,000 more documents.")
    lines.append(
        "- What changed on 2026-12-02 (the fourth round): a worker remembers the session cookies it has "
        "verified (the same cookie again skips the HMAC and JSON decoding; the age check stays), reuses a "
        "session's signed CSRF token for up to 10 minutes instead of signing it on every page, keeps the site "
        "header (navigation, name, search box, logout form) per session and page under the user cache's "
        "change counter, and renders the message box only when there are messages (portal/sessions.py, "
        "portal/templating.py). Called directly as WSGI in one process on a quiet machine (3,000 requests, "
        "best of 3) the document page went from 0.52 to 0.33 ms and the logged-in `/tillganglighet` from "
        "0.45 to 0.28 ms (hello 0.04 ms); under wrk the document page went from 0.21–0.23 of hello to the "
        "ratio in the table.")
    lines.append(
        "- What changed on 2026-12-03: the start page named the reader's own unit with a query on every "
        "request (a lazy load of `current_user.unit`); the unit is now loaded and kept with the user "
        "(portal/usercache.py), and a login no longer empties the workers' caches (its timestamp is not "
        "something they keep). Under wrk the start page went from 0.17 of hello (2026-12-02) to about the "
        "document page's ratio. The document page itself went from 0.40 (2026-12-02, AMD EPYC) to 0.32 "
        "(2026-12-03, Intel Xeon) with the same cost in one process (0.46 and 0.47 ms through the test "
        "client): on the second machine even the bare page of the document page's size fell to 0.88 of hello "
        "(0.99 on the first), so the ratio depends on the machine as well as on the portal.")
    sized = {name: median(d["results"]["hello_sized"], "rps") for name, d in sets.items()
             if "hello_sized" in d["results"]}
    if sized:
        of_hello = ", ".join(f"{sized[n] / median(sets[n]['results']['hello'], 'rps'):.2f}" for n in sized)
        doc_of_sized = ", ".join(f"{rps[n]['document'] / sized[n]:.2f}" for n in sized)
        lines.append(
            "- The bytes alone: a bare Flask page as large as the document page "
            f"({next(iter(sets.values()))['document_bytes']:,} bytes, bench/hello_app.py `/bytes/…`) reaches "
            f"{of_hello} of the 13-byte hello page: what gunicorn, the kernel and wrk (on the same cores) "
            "spend on a response of that size, before any portal code runs. Against that page of the same "
            f"size the document page runs at {doc_of_sized}; a ratio of 0.5 to hello would need it to reach "
            "about "
            f"{max(0.5 / (sized[n] / median(sets[n]['results']['hello'], 'rps')) for n in sized):.2f} of that "
            "bare page: nearly all of the gap is the portal's own work per request, not the size of its pages.")
    lines.append(
        "- Why the rest of the gap stays (bench/profile_worker.py, after the changes above, a shared machine): "
        "under wrk a portal worker spends 0.62–0.66 ms of CPU per document page against 0.21–0.22 ms for "
        "hello. In a sampled profile of one worker the Flask request is 43 % of the samples: the view and its "
        "templates 21 % (the kept site header 1.6 % of it), loading the user 8 % (copying the kept user into "
        "the request's database session 3.7 %), opening the remembered session cookie 2.8 %, the reused CSRF "
        "token 0.5 %, after_request 3.7 %, closing the request's database session 2.2 %; the rest is spread "
        "over Flask's request context, routing, Flask-Login and the response object. The samples in "
        "gunicorn (writing the page 20 %, closing the connection 23 %: gunicorn half-closes and waits for "
        "wrk to read and close) are mostly waiting for wrk, not work: the bare page of the same size above "
        "runs nearly as fast as hello, so the bytes cost little. For 0.5 a worker would have to spend about "
        "0.42 ms per page, twice hello, so the portal's own part would have to fall from about 0.4 ms to "
        "about 0.2 ms. A trial that handed out the kept user without copying it into the request's database "
        "session (not committed: the start page then failed on `current_user.unit`, a lazy load; the unit "
        "is now loaded with the user) took the "
        "direct WSGI call from 0.31 to 0.26–0.31 ms; the remaining pieces are each a few per cent of Flask's "
        "request handling. So 0.5 is out of reach by trimming this stack further; it would take a different "
        "server or answering pages without Flask's request handling. The owners should decide whether to "
        "keep the target as it is or to compare with the logged-in floor (`/tillganglighet`).")
    lines.append(
        "- The user cache in real use: the benchmark's one reader finds itself kept on every request. Staff who "
        "read for a while between clicks, on one of several workers, find themselves kept less often, and "
        "every publish or account change anywhere (not a login) empties every worker's cache (docs/security.md); "
        "a request that misses sends the one query of before.")
    lines.append(
        "- Capacity: one 2-core machine serves about "
        f"{min(rps[n]['document'] for n in rps):.0f} document pages per second to logged-in staff; for "
        "comparison, 5,000 employees who all open a routine within the same minute ask for about 83 per "
        "second.")
    lines.append(
        "- Machine: the 2 cores are shared with other work, wrk and PostgreSQL; single runs vary by up to "
        "40 %, the medians less, and the ratio (portal and hello measured in alternation) least.")
    return "\n".join(lines)


def _size_effect(rps: dict) -> str:
    change = max(abs(1 - rps["10k"][page] / rps["handbook"][page]) for page in ("document", "start"))
    if change <= 0.15:
        return "barely matters any more"
    return (f"changed a page's median by up to {change * 100:.0f} % in this run, more than the hello page "
            f"changed ({abs(1 - rps['10k']['hello'] / rps['handbook']['hello']) * 100:.0f} %); single runs "
            "vary by up to 40 % (see the runs column), so compare with another run before reading a trend "
            "into it")


def memory_section(data: dict) -> str:
    args = data["args"]
    lines = [f"Measured by the same `bench/pages.py` run: RSS and PSS (`/proc/<pid>/status`, "
             "`/proc/<pid>/smaps_rollup`) of every gunicorn worker after the wrk runs and a warm-up of "
             f"{args['warm_up']} rounds over document pages, history and search, the start page every fifth round (each worker "
             "has its own search index reader). PSS divides pages shared between processes among them, so it "
             "is the better measure of what one more worker costs (gunicorn runs without `--preload`: each "
             "worker imports the app itself, so they share little). Database: PostgreSQL (the documents live "
             "there, not in the "
             f"workers). Generating the {args['docs']:,} documents (bulk insert, each rendered once) took "
             f"{data.get('generate_s', 0):.0f} s and `flask search reindex` {data.get('reindex_s', 0):.0f} s.",
             "", "| dataset | process | workers | RSS per worker MiB (each) | PSS per worker MiB (each) |",
             "|---|---|---:|---|---|"]
    for name, dataset in data["datasets"].items():
        label = f"{dataset['documents']:,} documents"
        for process, rows in (("portal", dataset["memory"]), ("hello app", dataset["memory_hello"])):
            rss = ", ".join(f"{r['rss'] / 1024:.0f}" for r in rows)
            pss = ", ".join(f"{(r['pss'] or 0) / 1024:.0f}" for r in rows)
            lines.append(f"| {label} | {process} | {len(rows)} | {rss} | {pss} |")
    sizes = [f"{d['start_page_kib']} KiB with {d['documents']:,} documents" for d in data["datasets"].values()]
    lines += ["", f"The start page as HTML: {', '.join(sizes)}."]
    small, large = (data["datasets"].get(name) for name in ("handbook", "10k"))
    if small and large:
        median_pss = lambda d: statistics.median((r["pss"] or 0) / 1024 for r in d["memory"])
        workers = len(large["memory"])
        lines += ["", f"Reading: a portal worker holds about {median_pss(small):.0f} MiB (PSS) serving the shipped "
                  f"handbook and {median_pss(large):.0f} MiB with 10,000 more documents, so {workers} workers "
                  f"need about {workers * median_pss(large):.0f} MiB. What grows with the handbook is each "
                  "worker's search index reader and its page cache (bounded by PAGE_CACHE_MAX_CHARS); the "
                  "documents themselves stay in PostgreSQL and the start page no longer loads them all. "
                  "A bare Flask worker holds about "
                  f"{statistics.median((r['pss'] or 0) / 1024 for r in large['memory_hello']):.0f} MiB."]
    return "\n".join(lines)


def _minutes(args: dict) -> int:
    return round((2 * 4 * (args["duration"] * args["runs"] + 4) + 400) / 60)


def write_sections(path: Path, sections: dict[str, str]) -> None:
    """Replace (or append) only our own "## …" sections; the rest of the file is left as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    for heading, body in sections.items():
        section = f"## {heading}\n\n{body}\n"
        pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _: section + "\n", text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000, help="generated documents (default 10,000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=harness.DEFAULT_WORKERS)
    parser.add_argument("--warm-up", type=int, default=100, help="warm-up rounds before reading memory")
    parser.add_argument("--json", help="also write the raw numbers here")
    parser.add_argument("--from-json", help="only write the report from numbers saved with --json")
    parser.add_argument("--write", help="replace the sections 'Page throughput' and 'Memory per worker' here")
    args = parser.parse_args(argv)
    if not (1 <= args.duration <= 120 and 1 <= args.runs <= 10 and 100 <= args.docs <= 50_000):
        parser.error("bounds: --duration 1..120, --runs 1..10, --docs 100..50000 (the report compares the two datasets)")
    data = json.loads(Path(args.from_json).read_text()) if args.from_json else run(args)
    sections = {"Page throughput": throughput_section(data), "Memory per worker": memory_section(data)}
    for heading, body in sections.items():
        print(f"## {heading}\n\n{body}\n")
    if args.json and not args.from_json:
        Path(args.json).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    if args.write:
        write_sections(Path(args.write), sections)
        log(f"sections written to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
