"""Load test: readers, editors publishing and unit heads ticking checklists against gunicorn + PostgreSQL.

    .venv/bin/python bench/load.py                        # 60 s: 50 readers, 5 editors, 10 unit heads
    .venv/bin/python bench/load.py --restart-postgres-at 20 --duration 45   # fault (a)
    .venv/bin/python bench/load.py --markdown bench/out/load.md

Creates a fresh PostgreSQL database (127.0.0.1:5432, user postgres), runs `flask db upgrade`,
`flask demo load`, `flask innehall import` (or creates routines through the services when innehall/ is
missing), one account per virtual user and `flask search reindex`; starts gunicorn like `make serve`
(PORTAL_CONFIG=production, SESSION_COOKIE_SECURE=0, sync workers on 127.0.0.1) and runs every virtual
user in its own thread with its own session until the time is up. Afterwards it checks against the
database that every publish and every tick the clients saw succeed is there and in the audit log, that
nothing the clients saw refused was written, and that no 5xx was answered. Exit status 1 when a check
fails. gunicorn is stopped and the database dropped in every case.
"""
from __future__ import annotations

import argparse
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import Client, Gunicorn, LoadDatabase, Recorder, log, parse_forms  # noqa: E402

SEARCH_TERMS = ["orosanmälan", "anmälan", "sekretess", "SIP", "rektorn", "skolfrånvaro", "BUS", "samtycke",
                "hedersrelaterat våld", "övergång", "socialtjänsten", "LVU", "vårdnadshavare", "elevhälsa"]
MARKER = re.compile(r"\A\*Lasttest [^\n]*\*\n\n")
CHECKLIST_PATH = re.compile(r"^/min-enhet/(\d+)/([a-z0-9-]+)/checklista$")
ITEM_DONE = re.compile(r"^items-(\d+)-done$")


@dataclass
class Writes:
    """What the clients saw: successful writes and refused (409) ones, for checking the database."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    publishes: list = field(default_factory=list)        # (email, slug, number, note)
    publish_conflicts: list = field(default_factory=list)  # (email, slug, note)
    publish_failures: list = field(default_factory=list)   # (email, slug, status)
    ticks: list = field(default_factory=list)            # (email, unit_id, slug, index, text, done, comment, t)
    tick_conflicts: list = field(default_factory=list)   # (email, comment)
    tick_failures: list = field(default_factory=list)    # (email, path, status)

    def add(self, name: str, item) -> None:
        with self.lock:
            getattr(self, name).append(item)


def reader(client: Client, slugs: list[str], deadline: float, rng: random.Random, think: float) -> None:
    while time.monotonic() < deadline:
        roll = rng.random()
        slug = rng.choice(slugs)
        if roll < 0.25:
            client.get("GET /", "/")
        elif roll < 0.65:
            client.get("GET /handbok/<slug>", f"/handbok/{slug}")
        elif roll < 0.85:
            client.get("GET /sok?q=", "/sok", params={"q": rng.choice(SEARCH_TERMS)})
        else:
            client.get("GET /handbok/<slug>/historik", f"/handbok/{slug}/historik")
        if think:
            time.sleep(rng.uniform(0, 2 * think))


def publish_once(client: Client, email: str, slug: str, writes: Writes, kind: str = "POST publish",
                 *, barrier: threading.Barrier | None = None, form_page=None) -> str:
    """GET the edit form, change the text, POST it with action=publish; returns the outcome."""
    page = form_page or client.get("GET /handbok/<slug>/redigera", f"/handbok/{slug}/redigera")
    if page is None or page.status_code != 200:
        return "edit-form-failed"
    form = next(f for f in parse_forms(page.text) if f.get("base_number") is not None)
    base = int(form.get("base_number"))
    token = secrets.token_hex(4)
    body = MARKER.sub("", form.get("body") or "")
    note = f"Lasttest {email} {token}"
    data = form.data(body=f"*Lasttest {token}*\n\n{body}", change_note=note, change_kind="minor",
                     action="publish")
    if barrier is not None:
        barrier.wait(timeout=30)
    response = client.post(kind, f"/handbok/{slug}/redigera", data)
    if response is not None and response.status_code == 302 and \
            response.headers.get("Location", "").endswith(f"/handbok/{slug}"):
        writes.add("publishes", (email, slug, base + 1, note))
        return "published"
    if response is not None and response.status_code == 409:
        writes.add("publish_conflicts", (email, slug, note))
        return "conflict"
    writes.add("publish_failures", (email, slug, response.status_code if response is not None else "ERR"))
    return "failed"


def editor(client: Client, email: str, slugs: list[str], deadline: float, rng: random.Random, think: float,
           writes: Writes) -> None:
    while time.monotonic() < deadline:
        publish_once(client, email, rng.choice(slugs), writes)
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def unit_head(client: Client, email: str, unit_id: int, deadline: float, rng: random.Random, think: float,
              writes: Writes) -> None:
    number = 0
    while time.monotonic() < deadline:
        page = client.get("GET /min-enhet", "/min-enhet", params={"enhet": unit_id})
        if page is None or page.status_code != 200:
            time.sleep(think)
            continue
        # One routine's checklist form (every item of it, one "Spara checklistan"); one item changed:
        # its box toggled and a unique comment, the other items sent back as the page showed them.
        forms = [f for f in parse_forms(page.text) if CHECKLIST_PATH.match(f.action) and f.checkboxes]
        if not forms:
            log(f"{email}: no checklist items on /min-enhet")
            return
        form = rng.choice(forms)
        box_id, box = rng.choice(list(form.checkboxes.items()))
        field_index = ITEM_DONE.match(box["name"]).group(1)
        position = form.get(f"items-{field_index}-position")
        done = not box["checked"]
        number += 1
        comment = f"lt {email.split('@')[0]} #{number} {secrets.token_hex(3)}"
        unit, slug = CHECKLIST_PATH.match(form.action).groups()
        data = [(n, v) for n, v in form.data() if n not in (box["name"], f"items-{field_index}-comment")]
        data += [(f"items-{field_index}-comment", comment)] + ([(box["name"], box["value"])] if done else [])
        response = client.post("POST tick", form.action, data)
        if response is not None and response.status_code == 302:
            writes.add("ticks", (email, int(unit), slug, int(position), form.labels.get(box_id, ""), done, comment,
                                 time.monotonic()))
        elif response is not None and response.status_code == 409:
            writes.add("tick_conflicts", (email, comment))
        else:
            writes.add("tick_failures", (email, form.action, response.status_code if response is not None else "ERR"))
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))


# --- Checking the database afterwards -------------------------------------------------------------

def verify(db: LoadDatabase, writes: Writes) -> list[tuple[str, str, str, bool]]:
    """Rows (check, expected, found, ok)."""
    checks = []

    def check(name, expected, found, ok=None):
        checks.append((name, str(expected), str(found), expected == found if ok is None else ok))

    # Publishes: each one the client saw succeed is a published revision with its note, and in the log.
    missing = 0
    for email, slug, number, note in writes.publishes:
        rows = db.query("SELECT r.published_at IS NOT NULL, r.change_note FROM revisions r JOIN documents d "
                        "ON d.id = r.document_id WHERE d.slug = %s AND r.number = %s", (slug, number))
        if not rows or not rows[0][0] or rows[0][1] != note:
            missing += 1
    check("publishes seen by clients, found as published revisions with their note", 0, missing)
    changed_meta = db.query(
        "SELECT count(*) FROM revisions r JOIN revisions p ON p.document_id = r.document_id AND p.number = r.number - 1 "
        "JOIN users u ON u.id = r.published_by_id WHERE u.email LIKE 'lt-redaktor-%%' "
        "AND (r.meta::text <> p.meta::text OR r.title <> p.title)")[0][0]
    check("load publishes that changed title or metadata (the form must round-trip them)", 0, changed_meta)
    published_by_load = db.query("SELECT count(*) FROM revisions r JOIN users u ON u.id = r.published_by_id "
                                 "WHERE u.email LIKE 'lt-redaktor-%%'")[0][0]
    check("revisions published by the load editors in the database", len(writes.publishes), published_by_load)
    summaries = [row[0] for row in db.query("SELECT summary FROM audit_events WHERE action = 'document.published'"
                                            " AND actor_label LIKE 'lt-redaktor-%%'")]
    check("document.published audit events of the load editors", len(writes.publishes), len(summaries))
    in_log = sum(1 for *_, note in writes.publishes if any(s.endswith(": " + note) for s in summaries))
    check("publishes whose change note is in the audit log", len(writes.publishes), in_log)
    refused_written = sum(1 for _, _, note in writes.publish_conflicts if any(note in s for s in summaries))
    check("refused (409) publishes that were written anyway", 0, refused_written)

    # Ticks: each one in the log (done/undone + comment), the last state of each item in the database.
    toggles = db.query("SELECT count(*) FROM audit_events WHERE action IN ('adoption.item_done', "
                       "'adoption.item_undone') AND actor_label LIKE 'lt-rektor-%%'")[0][0]
    check("item_done/item_undone audit events of the load unit heads", len(writes.ticks), toggles)
    comments = [row[0] for row in db.query("SELECT summary FROM audit_events WHERE action = "
                                           "'adoption.item_comment' AND actor_label LIKE 'lt-rektor-%%'")]
    logged = sum(1 for t in writes.ticks if any(s.endswith(f"→ ”{t[6]}”") for s in comments))
    check("ticks whose comment is in the audit log", len(writes.ticks), logged)
    refused = sum(1 for _, comment in writes.tick_conflicts if any(comment in s for s in comments))
    check("refused (409) ticks that were written anyway", 0, refused)
    last = {}
    for tick in sorted(writes.ticks, key=lambda t: t[7]):
        last[(tick[1], tick[2], " ".join(tick[4].split()))] = (tick[5], tick[6])
    wrong = 0
    for (unit_id, slug, text), (done, comment) in last.items():
        rows = db.query("SELECT ai.done, ai.comment, ai.item_text FROM adoption_items ai JOIN adoptions a ON "
                        "a.id = ai.adoption_id JOIN documents d ON d.id = a.document_id WHERE a.unit_id = %s "
                        "AND d.slug = %s", (unit_id, slug))
        row = next((r for r in rows if " ".join(r[2].split()) == text), None)
        if row is None or (row[0], row[1]) != (done, comment):
            wrong += 1
    check(f"checklist items whose final state in the database is the last tick ({len(last)} items)", 0, wrong)
    return checks


def checks_table(checks) -> str:
    lines = ["| check | expected | found | ok |", "|---|---:|---:|---|"]
    lines += [f"| {name} | {expected} | {found} | {'yes' if ok else '**NO**'} |"
              for name, expected, found, ok in checks]
    return "\n".join(lines)


# --- The run ----------------------------------------------------------------------------------------

def setup(db: LoadDatabase, workdir: Path, args, extra_env: dict | None = None) -> tuple[dict, dict, str, str]:
    env = harness.portal_env(db.url, workdir, **(extra_env or {}))
    started = time.monotonic()
    harness.flask(env, "db", "upgrade")
    harness.flask(env, "demo", "load")
    content = harness.load_content(env)
    password = "lt-" + secrets.token_hex(10)
    accounts = harness.create_accounts(env, readers=args.readers, editors=args.editors, heads=args.heads,
                                       password=password)
    harness.flask(env, "search", "reindex")
    log(f"setup done in {time.monotonic() - started:.0f} s: {content}")
    return env, accounts, password, content


def login_all(server: Gunicorn, recorder: Recorder, accounts: dict, password: str) -> dict[str, Client]:
    clients: dict[str, Client] = {}
    emails = [a["email"] for role in ("reader", "editor", "unit_head") for a in accounts[role]]
    lock = threading.Lock()
    queue = list(emails)

    def work():
        while True:
            with lock:
                if not queue:
                    return
                email = queue.pop()
            client = Client(server.url, recorder)
            client.login(email, password)
            with lock:
                clients[email] = client

    threads = [threading.Thread(target=work, daemon=True) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if len(clients) != len(emails):
        raise RuntimeError(f"only {len(clients)} of {len(emails)} logins succeeded")
    return clients


def restart_postgres(recorder: Recorder, at: float, marks: dict) -> None:
    time.sleep(max(0.0, at - (time.monotonic() - recorder.t0)))
    cluster = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    marks["restart_start"] = time.monotonic() - recorder.t0
    log(f"restarting PostgreSQL {cluster}/main")
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                            capture_output=True, text=True, timeout=120)
    marks["restart_end"] = time.monotonic() - recorder.t0
    marks["restart_rc"] = result.returncode
    log(f"PostgreSQL restart returned {result.returncode} after "
        f"{marks['restart_end'] - marks['restart_start']:.1f} s {result.stderr.strip()}")


def run(args) -> int:
    machine = harness.machine_summary()
    report = [f"## Load run {time.strftime('%Y-%m-%d %H:%M')}", "",
              f"- machine: {machine}",
              f"- command: `.venv/bin/python {args.command}`"]
    with tempfile.TemporaryDirectory(prefix="portal-load-") as tmp, LoadDatabase("portal_load") as db:
        workdir = Path(tmp)
        env, accounts, password, content = setup(db, workdir, args)
        slugs = [row[0] for row in db.query("SELECT slug FROM documents WHERE current_revision_id IS NOT NULL "
                                            "AND archived_at IS NULL ORDER BY slug")]
        editable = slugs if not args.publish_slugs else args.publish_slugs.split(",")
        writes = Writes()
        marks: dict = {}
        with Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log") as server:
            login_recorder = Recorder()
            clients = login_all(server, login_recorder, accounts, password)
            recorder = Recorder()
            for client in clients.values():
                client.recorder = recorder
            deadline = time.monotonic() + args.duration
            threads = []
            rng = random.Random(args.seed)
            for spec in accounts["reader"]:
                threads.append(threading.Thread(target=reader, args=(
                    clients[spec["email"]], slugs, deadline, random.Random(rng.random()), args.reader_think)))
            for spec in accounts["editor"]:
                threads.append(threading.Thread(target=editor, args=(
                    clients[spec["email"]], spec["email"], editable, deadline, random.Random(rng.random()),
                    args.editor_think, writes)))
            for spec in accounts["unit_head"]:
                threads.append(threading.Thread(target=unit_head, args=(
                    clients[spec["email"]], spec["email"], spec["unit_id"], deadline, random.Random(rng.random()),
                    args.head_think, writes)))
            if args.restart_postgres_at is not None:
                threads.append(threading.Thread(target=restart_postgres,
                                                args=(recorder, args.restart_postgres_at, marks)))
            log(f"running {len(threads)} threads for {args.duration} s")
            for thread in threads:
                thread.daemon = True
                thread.start()
            for thread in threads:
                thread.join(timeout=max(1.0, deadline - time.monotonic()) + 90)
            alive = sum(t.is_alive() for t in threads)
            elapsed = time.monotonic() - recorder.t0
            after = {}
            if args.restart_postgres_at is not None:
                # After the run: every worker answers again without a restart of gunicorn.
                probe = clients[accounts["reader"][0]["email"]]
                probe_recorder = Recorder()
                probe.recorder = probe_recorder
                for _ in range(40):
                    probe.get("GET /handbok/orosanmalan (after)", "/handbok/orosanmalan")
                    probe.get("GET /healthz (after)", "/healthz")
                after = probe_recorder.outcomes()
            server_log = (workdir / "gunicorn.log").read_text(errors="replace")
            if args.keep_log:
                Path(args.keep_log).parent.mkdir(parents=True, exist_ok=True)
                Path(args.keep_log).write_text(server_log, encoding="utf-8")
        checks = verify(db, writes)
        workers_restarted = server_log.count("Booting worker") - args.workers

    tracebacks = server_log.count("Traceback")
    report += [
        f"- content: {content}; {len(slugs)} published documents; gunicorn {args.workers} sync workers",
        f"- virtual users: {args.readers} readers (think {args.reader_think} s), {args.editors} editors "
        f"(think {args.editor_think} s), {args.heads} unit heads (think {args.head_think} s), each with its "
        f"own account and session, logged in through /logga-in before the clock starts; {args.duration:.0f} s",
        "", "### Requests", "", recorder.table(0, elapsed), "",
        "### Writes", "",
        f"- publishes: {len(writes.publishes)} succeeded, {len(writes.publish_conflicts)} conflicts (409, the "
        f"conflict page: someone published the same document in between), {len(writes.publish_failures)} failed",
        f"- ticks: {len(writes.ticks)} succeeded, {len(writes.tick_conflicts)} conflicts (409: the routine got "
        f"a new version since the page was loaded), {len(writes.tick_failures)} failed",
        "", checks_table(checks), ""]
    if marks:
        start, end = marks.get("restart_start", 0), marks.get("restart_end", 0)
        window = (start, end + 5)
        during = [r for r in recorder.rows if window[0] <= r[0] + r[1] and r[0] < window[1]]
        later = [r for r in recorder.rows if r[0] >= window[1]]
        report += ["### PostgreSQL restart", "",
                   f"- `pg_ctlcluster restart` from {start:.1f} s to {end:.1f} s (exit {marks.get('restart_rc')})",
                   f"- requests overlapping the restart (+5 s): {len(during)}, of which "
                   f"{sum(r[3].startswith('5') for r in during)} 5xx ({sum(r[3] == '503' for r in during)} of them "
                   f"503 with Retry-After) and {sum(r[3] == 'ERR' for r in during)} transport errors",
                   f"- requests started later than 5 s after the restart: {len(later)}, of which "
                   f"{sum(r[3].startswith('5') for r in later)} 5xx and {sum(r[3] == 'ERR' for r in later)} "
                   "transport errors",
                   f"- after the run, without restarting gunicorn: {dict(after)}",
                   "", recorder.timeline(5, elapsed), ""]
    report += [f"- server log: {tracebacks} tracebacks; {max(0, workers_restarted)} workers restarted; "
               f"{alive} client threads still running at the end"]
    if recorder.errors:
        report += ["", "Errors seen by the clients:", ""]
        report += [f"- {count} × {what}" for what, count in recorder.errors.most_common(15)]
    if writes.publish_failures or writes.tick_failures:
        report += ["", f"Failed writes: {writes.publish_failures[:10]} {writes.tick_failures[:10]}"]
    if tracebacks:
        report += ["", "First traceback in the server log:", "", "```", harness.first_traceback(server_log).strip(), "```"]
    harness.write_report(args.markdown, "\n".join(report))

    failed = [c for c in checks if not c[3]]
    if args.restart_postgres_at is None and (recorder.server_errors() or recorder.transport_errors()):
        failed.append(("no 5xx and no transport errors",))
    if failed:
        log(f"FAILED: {len(failed)} checks")
        return 1
    log("all checks passed")
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--heads", type=int, default=10)
    parser.add_argument("--workers", type=int, default=harness.DEFAULT_WORKERS)
    parser.add_argument("--reader-think", type=float, default=0.0, help="mean pause between reads (default 0)")
    parser.add_argument("--editor-think", type=float, default=2.0)
    parser.add_argument("--head-think", type=float, default=1.0)
    parser.add_argument("--publish-slugs", default="", help="comma-separated slugs the editors publish")
    parser.add_argument("--restart-postgres-at", type=float, default=None,
                        help="fault (a): restart PostgreSQL this many seconds into the run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", help="also write the report to this file")
    parser.add_argument("--keep-log", metavar="FILE", help="keep gunicorn's log here")
    args = parser.parse_args(argv)
    args.command = "bench/load.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be between 1 and 600 s")
    return args


if __name__ == "__main__":
    sys.exit(run(parse_args()))
