"""Fault tests against gunicorn + PostgreSQL, each bounded and self-stopping.

    .venv/bin/python bench/faults.py postgres     # (a) PostgreSQL restarted during a load run
    .venv/bin/python bench/faults.py index        # (b) index deleted, then corrupted, while serving
    .venv/bin/python bench/faults.py conflict     # (c) two publishes of the same document at once
    .venv/bin/python bench/faults.py cluster      # (d) a change on one machine ends a session kept on another
    .venv/bin/python bench/faults.py all --markdown bench/out/faults.md

(a) runs bench/load.py with --restart-postgres-at (45 s, restart after 15 s; note that the restart also
cuts every other client of the local PostgreSQL server for a few seconds).
(b) runs twice: with the default SEARCH_SYNC_REBUILD_LIMIT (a small handbook is rebuilt inside the
request) and with SEARCH_SYNC_REBUILD_LIMIT=0 (rebuilt in the background while search says so).
(c) two editors open the same document, then post "Publicera" at the same moment, 12 times.
(d) two "machines" (gunicorn each, own instance folder and change counter) on one database: a reader
whose session every worker of machine B keeps gets a new password through `flask users set-password`
with machine A's settings; every request on B must then go to the login page. Then PostgreSQL is
restarted (B's workers stop listening and keep nothing meanwhile), and once they listen again the same
is repeated with a second reader.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import load  # noqa: E402
from harness import Client, Gunicorn, LoadDatabase, Recorder, log  # noqa: E402

RESULT_LIST = re.compile(r'<ol id="sokresultat".*?</ol>', re.S)
REBUILDING_TEXT = "byggs om"


def _accounts(readers: int, editors: int) -> SimpleNamespace:
    return SimpleNamespace(readers=readers, editors=editors, heads=0)


# --- (a) PostgreSQL restart -------------------------------------------------------------------------

def fault_postgres(args) -> tuple[str, bool]:
    out = Path(tempfile.mkstemp(prefix="fault-postgres-", suffix=".md")[1])
    argv = ["--duration", str(args.pg_duration), "--restart-postgres-at", str(args.pg_restart_at),
            "--markdown", str(out)]
    if args.keep_logs:
        argv += ["--keep-log", str(Path(args.keep_logs) / "gunicorn-postgres.log")]
    load_args = load.parse_args(argv)
    load_args.command = "bench/faults.py postgres (bench/load.py " + " ".join(argv[:4]) + ")"
    code = load.run(load_args)
    text = out.read_text(encoding="utf-8").replace("## Load run", "## Fault (a): PostgreSQL restarted during a "
                                                                   "load run,", 1)
    out.unlink()
    return text, code == 0


# --- (b) Search index deleted and corrupted -------------------------------------------------------

def classify_search(response) -> str:
    if response is None:
        return "transport error"
    if response.status_code >= 500:
        return f"{response.status_code}"
    if response.status_code != 200:
        return f"{response.status_code}"
    listing = RESULT_LIST.search(response.text)
    if listing and 'href="/handbok/orosanmalan"' in listing.group(0):
        return "results"
    if REBUILDING_TEXT in response.text:
        return "says rebuilding"
    return "200 without the expected hit"


def _index_state(client: Client) -> str:
    response = client.get("GET /healthz", "/healthz")
    if response is None:
        return "transport error"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} not JSON"
    return f"{response.status_code} {body.get('search_index', {}).get('status')}"


def _observe(client: Client, label: str, timeout: float, needed_ok: int = 16) -> dict:
    """Poll search, a document and /healthz until search has worked `needed_ok` times in a row."""
    started = time.monotonic()
    searches, pages, health = Counter(), Counter(), Counter()
    first_ok = None
    in_a_row = 0
    while time.monotonic() - started < timeout and in_a_row < needed_ok:
        outcome = classify_search(client.get("GET /sok (probe)", "/sok", params={"q": "orosanmälan"}))
        searches[outcome] += 1
        if outcome == "results":
            in_a_row += 1
            first_ok = first_ok if first_ok is not None else time.monotonic() - started
        else:
            in_a_row = 0
        page = client.get("GET /handbok/orosanmalan (probe)", "/handbok/orosanmalan")
        pages[page.status_code if page is not None else "ERR"] += 1
        health[_index_state(client)] += 1
        time.sleep(0.1)
    return {"phase": label, "searches": dict(searches), "pages": dict(pages), "healthz": dict(health),
            "first_ok_s": first_ok, "recovered": in_a_row >= needed_ok,
            "took_s": time.monotonic() - started}


def _index_paths(index_dir: Path) -> tuple[Path, list[Path]]:
    current = Path(os.path.realpath(index_dir))
    return current, sorted(current.glob("*.seg"))


def _wait_for_rebuild_start(client: Client, seconds: float = 3.0) -> None:
    """Give the workers a moment; the probe loop measures from here."""
    time.sleep(0.2)


def fault_index_once(args, limit: int | None) -> tuple[str, bool]:
    extra = {} if limit is None else {"SEARCH_SYNC_REBUILD_LIMIT": str(limit)}
    label = "default SEARCH_SYNC_REBUILD_LIMIT (500)" if limit is None else f"SEARCH_SYNC_REBUILD_LIMIT={limit}"
    phases = []
    with tempfile.TemporaryDirectory(prefix="portal-fault-index-") as tmp, LoadDatabase("portal_fault") as db:
        workdir = Path(tmp)
        env, accounts, password, content = load.setup(db, workdir, _accounts(args.readers + 1, 0), extra)
        index_dir = Path(env["SEARCH_INDEX_DIR"])
        slugs = [row[0] for row in db.query("SELECT slug FROM documents WHERE current_revision_id IS NOT NULL")]
        with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
            recorder = Recorder()
            clients = load.login_all(server, recorder, accounts, password)
            probe_email = accounts["reader"][0]["email"]
            probe = clients.pop(probe_email)
            deadline = time.monotonic() + args.index_timeout * 3 + 30
            stop = threading.Event()

            def background(client, rng):
                while not stop.is_set() and time.monotonic() < deadline:
                    load.reader(client, slugs, min(deadline, time.monotonic() + 1), rng, 0.05)

            threads = [threading.Thread(target=background, args=(c, random.Random(i)), daemon=True)
                       for i, c in enumerate(clients.values())]
            for thread in threads:
                thread.start()
            try:
                phases.append(_observe(probe, "before the fault", args.index_timeout, needed_ok=8))
                # Deleted: the whole index (the link SEARCH_INDEX_DIR and every generation folder).
                current, _ = _index_paths(index_dir)
                marks = {"deleted_at": time.monotonic() - recorder.t0}
                harness.rmtree_quiet(current)
                index_dir.unlink(missing_ok=True)
                for folder in index_dir.parent.glob(f"{index_dir.name}.gen-*"):
                    harness.rmtree_quiet(folder)
                phases.append(_observe(probe, "index deleted (link and generation folders)", args.index_timeout))
                # Corrupted: every segment file of the current generation overwritten with random bytes.
                time.sleep(1.0)
                current, segments = _index_paths(index_dir)
                marks["corrupted_at"] = time.monotonic() - recorder.t0
                for segment in segments:
                    size = max(segment.stat().st_size, 64)
                    segment.write_bytes(os.urandom(size))
                phases.append(_observe(probe, f"{len(segments)} segment files overwritten with random bytes",
                                       args.index_timeout))
                time.sleep(1.0)
                current, segments = _index_paths(index_dir)
                tocs = sorted(current.glob("*.toc"))
                for toc in tocs:
                    toc.write_bytes(os.urandom(max(toc.stat().st_size, 64)))
                phases.append(_observe(probe, f"{len(tocs)} table-of-contents files overwritten", args.index_timeout))
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=30)
            server_log = (workdir / "gunicorn.log").read_text(errors="replace")
            _keep_log(args, f"index-{limit}", server_log)

    lines = [f"### Index fault with {label}", "",
             f"{args.readers} readers (pages and searches, 50 ms pauses) keep running; a probe reader repeats "
             "a search for `orosanmälan` (expects /handbok/orosanmalan in `#sokresultat`), "
             "GET /handbok/orosanmalan and /healthz until 16 searches in a row succeed (time limit "
             f"{args.index_timeout:.0f} s per phase). {args.workers} workers.", "",
             "| phase | searches | document page | /healthz (status, search_index.status) | "
             "first good search after s | recovered | took s |", "|---|---|---|---|---:|---|---:|"]
    ok = True
    for phase in phases:
        first = f"{phase['first_ok_s']:.2f}" if phase["first_ok_s"] is not None else "–"
        lines.append(f"| {phase['phase']} | {_fmt(phase['searches'])} | {_fmt(phase['pages'])} | "
                     f"{_fmt(phase['healthz'])} | {first} | {'yes' if phase['recovered'] else '**NO**'} | "
                     f"{phase['took_s']:.1f} |")
        ok &= phase["recovered"] and set(phase["pages"]) == {200} and not any(
            str(k).startswith("5") or k == "transport error" for k in phase["searches"])
    lines += ["", "Background readers over the whole test:", "", recorder.table(), "",
              f"Server log: {server_log.count('Traceback')} tracebacks.", ""]
    ok &= recorder.server_errors() == 0 and recorder.transport_errors() == 0
    if server_log.count("Traceback"):
        lines += ["First traceback:", "", "```", harness.first_traceback(server_log).strip(), "```", ""]
    return "\n".join(lines), ok


def _keep_log(args, name: str, text: str) -> None:
    if args.keep_logs:
        folder = Path(args.keep_logs)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"gunicorn-{name}.log").write_text(text, encoding="utf-8")


def _fmt(counter: dict) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items(), key=lambda kv: -kv[1]))


def fault_index(args) -> tuple[str, bool]:
    parts, ok = ["## Fault (b): search index deleted, then corrupted, while serving", ""], True
    for limit in (None, 0):
        text, good = fault_index_once(args, limit)
        parts.append(text)
        ok &= good
    return "\n".join(parts), ok


# --- (c) Two publishes of the same document at once -----------------------------------------------

def fault_conflict(args) -> tuple[str, bool]:
    rounds = []
    with tempfile.TemporaryDirectory(prefix="portal-fault-conflict-") as tmp, LoadDatabase("portal_fault") as db:
        workdir = Path(tmp)
        env, accounts, password, content = load.setup(db, workdir, _accounts(0, 2))
        slugs = [row[0] for row in db.query("SELECT slug FROM documents WHERE current_revision_id IS NOT NULL "
                                            "ORDER BY slug")]
        with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
            recorder = Recorder()
            clients = load.login_all(server, recorder, accounts, password)
            (email_a, a), (email_b, b) = sorted(clients.items())
            rng = random.Random(3)
            before = _published_counts(db)
            for number in range(args.conflict_rounds):
                slug = rng.choice(slugs)
                writes = load.Writes()
                page_a = a.get("GET /handbok/<slug>/redigera", f"/handbok/{slug}/redigera")
                page_b = b.get("GET /handbok/<slug>/redigera", f"/handbok/{slug}/redigera")
                barrier = threading.Barrier(2)
                outcomes = {}

                def go(client, email, page):
                    outcomes[email] = load.publish_once(client, email, slug, writes, "POST publish (race)",
                                                        barrier=barrier, form_page=page)

                threads = [threading.Thread(target=go, args=(a, email_a, page_a)),
                           threading.Thread(target=go, args=(b, email_b, page_b))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                rounds.append((slug, tuple(sorted(outcomes.values())), writes))
            after = _published_counts(db)
            server_log = (workdir / "gunicorn.log").read_text(errors="replace")
            _keep_log(args, "conflict", server_log)

    outcome_counts = Counter(r[1] for r in rounds)
    new_revisions = sum(after.values()) - sum(before.values())
    audit = sum(1 for r in rounds for _ in r[2].publishes)
    expected = ("conflict", "published")
    ok = outcome_counts.get(expected, 0) == len(rounds) and new_revisions == len(rounds)
    lines = ["## Fault (c): two publishes of the same document at once", "",
             f"Two editors (own accounts and sessions) open /handbok/<slug>/redigera of the same document "
             f"(same base_number), then both post action=publish released by a barrier; {len(rounds)} rounds, "
             f"a random document each, {args.workers} workers.", "",
             "| outcome of the two posts | rounds |", "|---|---:|"]
    lines += [f"| {' + '.join(k)} | {v} |" for k, v in outcome_counts.most_common()]
    lines += ["", f"- published revisions added in the database: {new_revisions} (expected {len(rounds)}: one "
                  "winner per round)",
              f"- successful publishes seen by the clients: {audit}",
              f"- the loser's answer: {_conflict_statuses(recorder)}",
              f"- server log: {server_log.count('Traceback')} tracebacks", ""]
    if server_log.count("Traceback"):
        lines += ["First traceback:", "", "```", harness.first_traceback(server_log).strip(), "```", ""]
    return "\n".join(lines), ok


def _published_counts(db: LoadDatabase) -> dict:
    return dict(db.query("SELECT d.slug, count(*) FROM revisions r JOIN documents d ON d.id = r.document_id "
                         "WHERE r.published_at IS NOT NULL GROUP BY d.slug"))


def _conflict_statuses(recorder: Recorder) -> str:
    counts = Counter(r[3] for r in recorder.rows if r[2] == "POST publish (race)")
    return ", ".join(f"HTTP {k}: {v}" for k, v in sorted(counts.items()))


# --- (d) Two machines: a change on one reaches the sessions kept on the other ----------------------

# The listeners' connections, by the application_name portal/changenotify.py gives them.
LISTENERS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'samverkansportalen change listener'"


def _listeners(db: LoadDatabase) -> int:
    try:
        return db.query(LISTENERS)[0][0]
    except Exception:  # noqa: BLE001 - PostgreSQL may be restarting
        return -1


def _wait_listening(db: LoadDatabase, workers: int, poke, seconds: float = 60.0) -> float:
    """Requests (poke) until every worker listens: each starts at its first request after a fork, and
    which worker accepts a connection is up to the kernel."""
    start = time.monotonic()
    while _listeners(db) < workers:
        poke()
        if time.monotonic() - start > seconds:
            raise RuntimeError(f"machine B's workers did not all listen within {seconds:.0f} s ({_listeners(db)} listening)")
        time.sleep(0.05)
    return time.monotonic() - start


def _kept_then_reset(env_a: dict, b: Gunicorn, db: LoadDatabase, workers: int, email: str, password: str,
                     requests_each: int = 40) -> dict:
    client = Client(b.url)
    client.session.headers["User-Agent"] = "fault-cluster"
    client.login(email, password)
    waited = _wait_listening(db, workers, lambda: client.get("page", "/handbok"))
    for _ in range(requests_each):  # and every worker keeps the reader
        client.get("page", "/handbok")
    before = Counter(getattr(client.get("page", "/handbok"), "status_code", "no answer")
                     for _ in range(requests_each))
    harness.flask(env_a, "users", "set-password", "--generate-password", email)
    time.sleep(0.2)  # the notification's way from machine A's commit to machine B's workers
    after = Counter(getattr(client.get("page", "/handbok"), "status_code", "no answer")
                    for _ in range(requests_each))
    return {"before": dict(before), "after": dict(after), "waited": waited}


def fault_cluster(args) -> tuple[str, bool]:
    with tempfile.TemporaryDirectory(prefix="portal-fault-cluster-") as tmp, LoadDatabase("portal_fault") as db:
        workdir = Path(tmp)
        for machine in ("a", "b"):
            (workdir / machine).mkdir()
        env_a, accounts, password, _ = load.setup(db, workdir / "a", _accounts(2, 0))
        env_b = dict(env_a, PORTAL_INSTANCE_DIR=str(workdir / "b"), SEARCH_INDEX_DIR=str(workdir / "b" / "sokindex"))
        first, second = accounts["reader"][0]["email"], accounts["reader"][1]["email"]
        with Gunicorn(env_b, workers=args.workers, log_path=workdir / "b.log") as b:
            one = _kept_then_reset(env_a, b, db, args.workers, first, password)
            marks = {}
            load.restart_postgres(SimpleNamespace(t0=time.monotonic()), 0.0, marks)
            during = Counter()
            reader = Client(b.url)
            reader.session.headers["User-Agent"] = "fault-cluster"
            again = None
            start = time.monotonic()
            while time.monotonic() - start < 60:  # answered while the workers listen again
                if _listeners(db) >= args.workers:
                    again = time.monotonic() - start
                    break
                response = reader.get("page", "/tillganglighet")
                during[getattr(response, "status_code", "no answer")] += 1
                time.sleep(0.05)
            two = _kept_then_reset(env_a, b, db, args.workers, second, password)
            log_text = (workdir / "b.log").read_text(encoding="utf-8", errors="replace")
        if args.keep_logs:
            _keep_log(args, "gunicorn-cluster-b.log", log_text)
    ok = (all(set(r["before"]) == {200} and set(r["after"]) == {302} for r in (one, two))
          and again is not None and not any(str(code).startswith("5") for code in during))
    text = "\n".join([
        f"## Fault (d): a change on one machine, sessions kept on another {time.strftime('%Y-%m-%d %H:%M')}", "",
        f"- machine B: gunicorn, {args.workers} workers, own instance folder and `CHANGE_COUNTER_FILE`; machine A: "
        "`flask users set-password` with its own settings; one PostgreSQL database",
        f"- all {args.workers} of B's workers listening {one['waited']:.1f} s after the first request (each starts at "
        "its own first request)",
        f"- reader 1 on B before the new password: {_fmt(one['before'])}; after: {_fmt(one['after'])}",
        f"- PostgreSQL restarted (`pg_ctlcluster restart`, exit {marks.get('restart_rc')}, "
        f"{marks.get('restart_end', 0) - marks.get('restart_start', 0):.1f} s); all of B's workers listening again "
        + (f"{again:.1f} s after the restart command returned" if again is not None else "**not within 60 s**"),
        f"- requests to B until then: {_fmt(dict(during)) if during else 'none'}",
        f"- reader 2 on B before the new password: {_fmt(two['before'])}; after: {_fmt(two['after'])}",
        f"- B's log: {log_text.count('Not listening for changes')} \"Not listening for changes\", "
        f"{log_text.count('Listening for changes again')} \"Listening for changes again\"",
        f"- result: {'ok' if ok else '**FAILED**'}", ""])
    return text, ok


# --- Main ---------------------------------------------------------------------------------------------

FAULTS = {"postgres": fault_postgres, "index": fault_index, "conflict": fault_conflict, "cluster": fault_cluster}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fault", choices=[*FAULTS, "all"])
    parser.add_argument("--workers", type=int, default=harness.DEFAULT_WORKERS)
    parser.add_argument("--readers", type=int, default=10, help="background readers in the index fault")
    parser.add_argument("--index-timeout", type=float, default=60.0, help="seconds per index phase")
    parser.add_argument("--conflict-rounds", type=int, default=12)
    parser.add_argument("--pg-duration", type=float, default=45.0)
    parser.add_argument("--pg-restart-at", type=float, default=15.0)
    parser.add_argument("--markdown", help="also write the report to this file")
    parser.add_argument("--keep-logs", metavar="DIR", help="keep the gunicorn logs in this folder")
    args = parser.parse_args(argv)
    if not 1 <= args.conflict_rounds <= 200 or not 1 <= args.index_timeout <= 300:
        parser.error("bounds: --conflict-rounds 1..200, --index-timeout 1..300")
    names = list(FAULTS) if args.fault == "all" else [args.fault]
    parts = [f"# Fault tests {time.strftime('%Y-%m-%d %H:%M')}", "", f"- machine: {harness.machine_summary()}",
             f"- command: `.venv/bin/python bench/faults.py {' '.join(sys.argv[1:] if argv is None else argv)}`", ""]
    ok = True
    for name in names:
        log(f"fault {name}")
        text, good = FAULTS[name](args)
        parts.append(text)
        ok &= good
        log(f"fault {name}: {'ok' if good else 'FAILED'}")
    harness.write_report(args.markdown, "\n".join(parts))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
