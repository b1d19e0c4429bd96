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


# --- wrk ---------------------------------------------------------------------------------------------

def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, *, duration: float, connections: int, threads: int, cookie: str | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:.0f}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 60)
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def check_page(url: str, cookie: str | None, expect: str) -> None:
    """The page answers 200 with the expected text for this cookie (not a redirect to the login)."""
    import requests

    response = requests.get(url, headers={"Cookie": cookie} if cookie else {}, allow_redirects=False, timeout=30)
    if response.status_code != 200 or expect not in response.text:
        raise RuntimeError(f"{url} answered {response.status_code} without {expect!r}")


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
    client.login(email, password)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.session.cookies)
    return client, cookie


def run(args) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    data = {"machine": harness.machine_summary(), "args": vars(args), "datasets": {}}
    with tempfile.TemporaryDirectory(prefix="portal-pages-") as tmp, LoadDatabase("portal_pages") as db:
        workdir = Path(tmp)
        env = harness.portal_env(db.url, workdir, LOG_LEVEL="WARNING")
        harness.flask(env, "db", "upgrade")
        harness.flask(env, "demo", "load")
        data["content"] = harness.load_content(env)
        password = "lt-" + harness.secrets.token_hex(10)
        email = harness.create_accounts(env, readers=1, editors=0, heads=0, password=password)["reader"][0]["email"]
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
                    targets = [("hello", hello.url + "/", None, "Hello"),
                               ("document", portal.url + DOCUMENT_PATH, cookie, "Orosanmälan"),
                               ("start", portal.url + "/", cookie, "Orolig för ett barn"),
                               ("static", portal.url + STATIC_PATH, cookie, "Tillgänglighetsredogörelse")]
                    results = measure(targets, args)
                    slugs = [row[0] for row in db.query(
                        "SELECT slug FROM documents WHERE current_revision_id IS NOT NULL ORDER BY random() LIMIT 200")]
                    warm_up(client, slugs, args.warm_up)
                    data["datasets"][dataset] = {"documents": count, "results": results,
                                                 "memory": memory(portal), "memory_hello": memory(hello)}
                    data["datasets"][dataset]["start_page_kib"] = len(
                        client.get("size", "/").content) // 1024
    return data


# --- Report ------------------------------------------------------------------------------------------

def throughput_section(data: dict) -> str:
    args = data["args"]
    lines = [f"Measured by `bench/pages.py` (`.venv/bin/python bench/pages.py --write docs/benchmarks.md`, "
             f"about {_minutes(args)} minutes), {time.strftime('%Y-%m-%d')}.", "",
             f"- Machine: {data['machine']}. Shared with other work: numbers vary between runs by 10–30 %.",
             f"- Server: gunicorn, {args['workers']} sync workers (the `make serve` flags), "
             "PORTAL_CONFIG=production, PostgreSQL on the same machine; the hello app is bench/hello_app.py "
             "under the same gunicorn command.",
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
        for page, path in (("hello", "/ (bare Flask)"), ("document", DOCUMENT_PATH), ("start", "/ (start page)"),
                           ("static", f"{STATIC_PATH} (no data: the floor)")):
            rows = results[page]
            ratio = median(rows, "rps") / hello
            target = "" if page in ("hello", "static") else ("≥ 0.5 " + ("met" if ratio >= 0.5 else "**not met**"))
            bad = sum(r["non2xx"] for r in rows)
            lines.append(f"| {label} | {path} | {median(rows, 'rps'):.0f} | "
                         f"{', '.join(format(r['rps'], '.0f') for r in rows)} | {median(rows, 'p50'):.1f} | "
                         f"{median(rows, 'p99'):.1f} | {ratio:.2f} | {target}{' (non-2xx: %d)' % bad if bad else ''} |")
    return "\n".join(lines) + "\n\n" + READING


READING = """### Reading the numbers

- The target (a document page at least half as fast as a bare Flask page) is **not met**, by a wide
  margin: the document page runs at about 2 % of the hello page. Even a page without data
  (`/tillganglighet`: only the session, the user and the base template) reaches about 5 %: every
  logged-in page costs 2–4 ms of CPU before it shows anything (reading the signed session cookie,
  loading the user with three queries for roles and scopes, the navigation's permission checks, the
  security headers and the JSON request log), against about 0.2 ms for "hello". The document page adds
  8 more queries (document, revision, breadcrumbs, backlinks, links, children) and the template:
  about 6 ms in-process (Flask test client, SQLite), more with PostgreSQL round-trips.
- The number of documents barely changes the document page. It changes the **start page**: it renders
  the whole handbook tree, so with 10,000 documents it is 1.5 MB of HTML and about 1.5 s of CPU per
  view (2 requests/s for the whole server). That is fine for one municipality's handbook (tens to a
  few hundred pages) and unusable at county scale; the start page (and `/handbok`) should then show the
  top levels only and open branches on demand.
- To get near the target: cache the rendered document page per revision and permission class and
  load the user lazily (one query, scopes only when needed); or judge the target against a "hello"
  that also reads the session user, which is what every portal page has to do.
- Machine: the 2 cores are shared with the other engineers' test runs, wrk and PostgreSQL; single runs
  vary by up to 40 %, the medians less, and the ratio (portal and hello measured in alternation)
  least."""


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
                  f"need about {workers * median_pss(large):.0f} MiB. The growth most likely comes from the start "
                  "page, which loads every document to draw the tree (CPython keeps freed memory for reuse), "
                  "and from each worker's search reader; the documents themselves stay in PostgreSQL. "
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
    if not (1 <= args.duration <= 120 and 1 <= args.runs <= 10 and 0 <= args.docs <= 50_000):
        parser.error("bounds: --duration 1..120, --runs 1..10, --docs 0..50000")
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
