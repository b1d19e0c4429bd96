"""Shared pieces of the load, fault and page benchmarks: a throwaway PostgreSQL database, the portal's
setup commands, gunicorn started like `make serve`, logged-in HTTP clients and result tables.

Everything is bounded: only 127.0.0.1, every wait has a deadline, gunicorn is always stopped and the
database dropped (try/finally), whatever happens in between.

Run with the project's venv: `.venv/bin/python bench/load.py` (see docs/reliability.md).
"""
from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_BASE = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}"
DEFAULT_WORKERS = 4  # the Makefile's WORKERS default


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- PostgreSQL -----------------------------------------------------------------------------------

def pg_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname=dbname, autocommit=True,
                           connect_timeout=10)


class LoadDatabase:
    """A fresh database for one run, dropped at the end (WITH (FORCE): gunicorn may still hold one)."""

    def __init__(self, prefix: str = "portal_bench"):
        self.name = f"{prefix}_{int(time.time())}_{os.getpid()}"
        self.url = f"{PG_BASE}/{self.name}"

    def __enter__(self) -> "LoadDatabase":
        with pg_connect() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        log(f"database {self.name} created")
        return self

    def __exit__(self, *exc) -> None:
        for attempt in range(10):  # PostgreSQL may be restarting (fault test)
            try:
                with pg_connect() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                log(f"database {self.name} dropped")
                return
            except Exception as error:  # noqa: BLE001
                log(f"dropping {self.name} failed ({error}); retrying")
                time.sleep(2)

    def query(self, sql: str, params=()) -> list[tuple]:
        with pg_connect(self.name) as conn:
            return list(conn.execute(sql, params).fetchall())


def postgres_version() -> str:
    try:
        with pg_connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # noqa: BLE001
        return f"unknown ({error})"


# --- The portal's commands ------------------------------------------------------------------------

def portal_env(database_url: str, workdir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SEARCH_", "DATABASE_"))}
    env.update({
        "PORTAL_CONFIG": "production",
        "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1, as `make serve`
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE_DIR": str(workdir),
        "SEARCH_INDEX_DIR": str(workdir / "sokindex"),
        "DEMO_PASSWORD": "bench-" + secrets.token_hex(8),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


def flask(env: dict, *args: str, timeout: float = 900) -> str:
    result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def in_app(env: dict, code: str, *args: str, timeout: float = 1800) -> str:
    """Run Python code inside an app context of the portal (same environment as gunicorn)."""
    prelude = ("import sys; sys.path.insert(0, %r)\nfrom wsgi import app\nctx = app.app_context(); ctx.push()\n"
               % str(ROOT))
    result = subprocess.run([str(VENV_BIN / "python"), "-c", prelude + code, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"in-app script failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


FALLBACK_DOCUMENTS = r'''
from portal.handbook import services as hb
from portal.org.services import find_department
from portal.policy import SystemActor
actor = SystemActor("bench")
departments = ["Bildningsförvaltningen", "Socialförvaltningen", "Kultur- och fritidsförvaltningen"]
slugs = ["orosanmalan", "efter-orosanmalan", "sekretess-och-samtycke", "sip", "bus", "sams", "skolfranvaro",
         "overgangar", "hedersrelaterat-vald", "kontaktvagar"]
for number, slug in enumerate(slugs):
    kind = "section" if slug == "kontaktvagar" else "routine"
    body = (f"Rutinen {slug} för skola, socialtjänst och fritid. Orosanmälan görs till socialtjänsten.\n\n"
            "## Gör så här\n\n1. Prata med rektor.\n2. Gör en anmälan.\n\n## Checklista för införande\n\n"
            + "".join(f"- [ ] Steg {i} för {slug} är gjort\n" for i in range(1, 6)))
    doc = hb.create_document(actor, slug=slug, title=slug.replace("-", " ").capitalize(), kind=kind,
                             department=find_department(departments[number % 2]), body=body,
                             meta={"applies_to": departments} if kind == "routine" else {})
    revision = hb.latest_revision(doc)
    hb.publish(doc, revision, actor, "Första versionen", True)
print(len(slugs))
'''


def load_content(env: dict) -> str:
    """The shipped handbook from innehall/ when it is there; otherwise a few routines via the services."""
    if (ROOT / "innehall").is_dir() and any((ROOT / "innehall").glob("*.md")):
        flask(env, "innehall", "import")
        return "innehall/ (flask innehall import)"
    count = in_app(env, FALLBACK_DOCUMENTS).strip()
    return f"{count} generated routines (innehall/ missing)"


ACCOUNTS_SCRIPT = r'''
import json, sys
from sqlalchemy import select
from portal.auth import services as accounts
from portal.org.models import Department, Unit
from portal.extensions import db
spec = json.loads(sys.argv[1])
units = list(db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))) \
    if hasattr(Unit, "active") else list(db.session.scalars(select(Unit).order_by(Unit.id)))
departments = list(db.session.scalars(select(Department).order_by(Department.id)))
made = {"reader": [], "editor": [], "unit_head": []}
for i in range(spec["readers"]):
    email = f"lt-lasare-{i:02d}@exempel.se"
    accounts.create_user("bench", email, f"Lasttest läsare {i}", spec["password"], unit=units[i % len(units)])
    made["reader"].append({"email": email})
for i in range(spec["editors"]):
    email = f"lt-redaktor-{i:02d}@exempel.se"
    user = accounts.create_user("bench", email, f"Lasttest redaktör {i}", spec["password"])
    accounts.grant_role("bench", user, "editor", departments=departments)
    made["editor"].append({"email": email})
for i in range(spec["heads"]):
    email = f"lt-rektor-{i:02d}@exempel.se"
    unit = units[i % len(units)]
    user = accounts.create_user("bench", email, f"Lasttest rektor {i}", spec["password"], unit=unit)
    accounts.grant_role("bench", user, "unit_head", units=[unit])
    made["unit_head"].append({"email": email, "unit_id": unit.id, "unit": unit.name})
print(json.dumps(made))
'''


def create_accounts(env: dict, *, readers: int, editors: int, heads: int, password: str) -> dict:
    spec = json.dumps({"readers": readers, "editors": editors, "heads": heads, "password": password})
    return json.loads(in_app(env, ACCOUNTS_SCRIPT, spec).strip().splitlines()[-1])


# --- gunicorn -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the flags of `make serve` (sync workers), in its own process group; always stopped."""

    def __init__(self, env: dict, *, workers: int = DEFAULT_WORKERS, app: str = "wsgi:app",
                 cwd: Path = ROOT, log_path: Path | None = None, health_path: str = "/healthz"):
        self.env, self.workers, self.app, self.cwd = env, workers, app, cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.health_path = health_path
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [str(VENV_BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                "--forwarded-allow-ips=127.0.0.1", "--no-control-socket", self.app]

    def __enter__(self) -> "Gunicorn":
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._log.close()
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); log {self.log_path}:\n{tail}")
            try:
                if requests.get(self.url + self.health_path, timeout=2).status_code < 500 \
                        and len(self.worker_pids()) >= self.workers:
                    log(f"gunicorn up on {self.url} ({self.workers} workers, pid {self.proc.pid})")
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()
        log(f"gunicorn stopped (log {self.log_path})")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:  # field 4 of stat: parent pid
                pids.append(int(stat.parent.name))
        return sorted(pids)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --- HTML forms -----------------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what a browser would send
    checkboxes: dict[str, dict] = field(default_factory=dict)   # id -> {name, value, checked}
    labels: dict[str, str] = field(default_factory=dict)        # for-id -> text

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((v for n, v in self.fields if n == name), default)

    def data(self, **overrides) -> list[tuple[str, str]]:
        """The fields as a browser sends them, with some replaced (None removes a field)."""
        out = [(n, v) for n, v in self.fields if n not in overrides]
        for name, value in overrides.items():
            if value is None:
                continue
            out.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, bool, list] | None = None
        self.label: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name") and not a.get("disabled"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind == "checkbox":
                self.form.checkboxes[a.get("id", a["name"])] = {"name": a["name"], "value": a.get("value", "on"),
                                                               "checked": "checked" in a}
                if "checked" in a:
                    self.form.fields.append((a["name"], a.get("value", "on")))
            elif kind == "radio":
                if "checked" in a:
                    self.form.fields.append((a["name"], a.get("value", "on")))
            else:
                self.form.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self.textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self.select = (a["name"], "multiple" in a, [])
        elif tag == "option" and self.select is not None:
            self.select[2].append((a.get("value", ""), "selected" in a))
        elif tag == "label":
            self.label = (a.get("for", ""), [])

    def handle_endtag(self, tag):
        if self.form is None:
            return
        if tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea[1])
            if text.startswith("\r\n"):  # a browser drops the newline right after <textarea>
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.form.fields.append((self.textarea[0], text))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple, options = self.select
            chosen = [v for v, sel in options if sel]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.form.fields.extend((name, v) for v in chosen)
            self.select = None
        elif tag == "label" and self.label is not None:
            self.form.labels[self.label[0]] = " ".join("".join(self.label[1]).split())
            self.label = None
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        if self.label is not None:
            self.label[1].append(data)


def parse_forms(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


# --- Clients and recording ------------------------------------------------------------------------

class Recorder:
    """Every request: (start offset s, duration s, kind, outcome) with outcome an HTTP status or 'ERR'."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.rows: list[tuple[float, float, str, str]] = []
        self.errors: Counter = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, start: float, outcome, error: str | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            self.rows.append((start - self.t0, now - start, kind, str(outcome)))
            if error:
                self.errors[f"{kind}: {error}"] += 1

    def outcomes(self) -> Counter:
        return Counter(r[3] for r in self.rows)

    def server_errors(self) -> int:
        return sum(1 for r in self.rows if r[3].startswith("5"))

    def transport_errors(self) -> int:
        return sum(1 for r in self.rows if r[3] == "ERR")

    def table(self, since: float = 0.0, until: float = 1e12) -> str:
        by_kind: dict[str, list] = defaultdict(list)
        for row in self.rows:
            if since <= row[0] < until:
                by_kind[row[2]].append(row)
        lines = ["| request | count | per s | 2xx/3xx | 409 | other 4xx | 5xx | transport errors | "
                 "p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        span = max(1e-9, min(until, max((r[0] for r in self.rows), default=0)) - since)
        for kind in sorted(by_kind):
            rows = by_kind[kind]
            lines.append(_row(kind, rows, span))
        everything = [r for rows in by_kind.values() for r in rows]
        if everything:
            lines.append(_row("**all**", everything, span))
        return "\n".join(lines)

    def timeline(self, bucket: float = 5.0, until: float | None = None) -> str:
        end = until or max((r[0] for r in self.rows), default=0)
        lines = ["| from s | requests | ok (2xx/3xx/409) | other 4xx | 5xx | transport errors |",
                 "|---:|---:|---:|---:|---:|---:|"]
        start = 0.0
        while start <= end:
            rows = [r for r in self.rows if start <= r[0] < start + bucket]
            lines.append(f"| {start:.0f} | {len(rows)} | {sum(_ok(r[3]) for r in rows)} | "
                         f"{sum(r[3].startswith('4') and r[3] != '409' for r in rows)} | "
                         f"{sum(r[3].startswith('5') for r in rows)} | {sum(r[3] == 'ERR' for r in rows)} |")
            start += bucket
        return "\n".join(lines)


def _ok(outcome: str) -> bool:
    return outcome[:1] in ("2", "3") or outcome == "409"


def _row(kind: str, rows: list, span: float) -> str:
    durations = sorted(r[1] * 1000 for r in rows)
    outcomes = [r[3] for r in rows]
    return (f"| {kind} | {len(rows)} | {len(rows) / span:.1f} | {sum(o[:1] in '23' for o in outcomes)} | "
            f"{outcomes.count('409')} | {sum(o[:1] == '4' and o != '409' for o in outcomes)} | "
            f"{sum(o[:1] == '5' for o in outcomes)} | {outcomes.count('ERR')} | "
            f"{percentile(durations, 50):.0f} | {percentile(durations, 95):.0f} | {durations[-1]:.0f} |")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


class Client:
    """One virtual user: a requests session, logged in through /logga-in with its CSRF token."""

    def __init__(self, base: str, recorder: Recorder | None = None, timeout: float = 30.0):
        self.base, self.recorder, self.timeout = base, recorder, timeout
        self.session = requests.Session()

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        start = time.monotonic()
        try:
            response = self.session.request(method, self.base + path, timeout=self.timeout,
                                            allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            if self.recorder:
                self.recorder.add(kind, start, "ERR", type(error).__name__)
            return None
        if self.recorder:
            self.recorder.add(kind, start, response.status_code,
                              f"{response.status_code} {method} {path}" if response.status_code >= 500 else None)
        return response

    def get(self, kind: str, path: str, **kwargs):
        return self.request(kind, "GET", path, **kwargs)

    def post(self, kind: str, path: str, data, **kwargs):
        return self.request(kind, "POST", path, data=data, **kwargs)

    def login(self, email: str, password: str, attempts: int = 3) -> None:
        for attempt in range(attempts):
            page = self.session.get(self.base + "/logga-in", timeout=self.timeout)
            form = next(f for f in parse_forms(page.text) if f.action.endswith("/logga-in") or "email" in
                        dict(f.fields))
            response = self.session.post(self.base + "/logga-in", timeout=self.timeout, allow_redirects=False,
                                         data=form.data(email=email, password=password))
            if response.status_code == 302:
                return
            time.sleep(1 + attempt)
        raise RuntimeError(f"login failed for {email}: {response.status_code}")


def unescape(text: str) -> str:
    return html.unescape(text)


def machine_summary() -> str:
    """nproc, memory, CPU model, OS, Python, PostgreSQL, gunicorn; for the reports."""
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:  # noqa: BLE001
            return "?"
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")), "0")
    os_name = next((l.split("=", 1)[1].strip('"') for l in Path("/etc/os-release").read_text().splitlines()
                    if l.startswith("PRETTY_NAME")), "?")
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (f"{run('nproc')} CPUs ({cpu}), {int(mem) // 1024} MiB RAM, {os_name}, kernel {run('uname', '-r')}, "
            f"Python {sys.version.split()[0]}, PostgreSQL {postgres_version()}, "
            f"{run(str(VENV_BIN / 'gunicorn'), '--version')}; load average at start {' '.join(load)}")


def write_report(path: str | None, text: str) -> None:
    print(text)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n", encoding="utf-8")
        log(f"report written to {path}")


def rmtree_quiet(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


SLUG_LINK = re.compile(r'href="/handbok/([a-z0-9-]+)"')


def first_traceback(server_log: str, limit: int = 2500) -> str:
    """The first logged exception of a gunicorn log (JSON lines from the portal, or plain text)."""
    for line in server_log.splitlines():
        if "Traceback" not in line:
            continue
        try:
            entry = json.loads(line)
            text = f"{entry.get('message', '')}\n{entry.get('exception', '')}"
        except ValueError:
            text = server_log[server_log.index(line):]
        # The end of a traceback names the error; keep the start and the end.
        return text if len(text) <= limit else text[:limit // 3] + "\n…\n" + text[-2 * limit // 3:]
    return ""
