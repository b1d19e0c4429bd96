"""Where a gunicorn worker's CPU goes while it serves one page under wrk: CPU per request of the
portal's workers against the hello app's, and a sampled profile of one portal worker.

    .venv/bin/pip install py-spy==0.4.3          # once; a measuring tool, not a dependency of the portal
    .venv/bin/python bench/profile_worker.py                       # the document page
    .venv/bin/python bench/profile_worker.py --path /tillganglighet --duration 10

Needs `wrk` and PostgreSQL at 127.0.0.1:5432 like bench/pages.py (a fresh database, dropped after),
about 2 minutes. The server is the one bench/pages.py measures (`make serve` flags, 4 sync workers,
PORTAL_CONFIG=production), the page is fetched by a logged-in reader. Output: requests per second and
worker CPU per request (utime + stime of all workers from /proc) for hello and the page, then the share
of py-spy's samples of one worker spent under the parts that decide a page's cost. Without py-spy only
the first part is printed. It prints; it writes no file (the figures quoted in docs/benchmarks.md come
from a run of it).
"""
from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import Gunicorn, LoadDatabase, log  # noqa: E402
from pages import BENCH, DOCUMENT_PATH, check_page, login_cookie, prepare, wrk  # noqa: E402

# (label, a frame name as py-spy prints it): each is counted once per sample it appears in.
PARTS = [
    ("Flask request (everything the app does)", "Flask.wsgi_app"),
    ("  the view and its template", "Flask.dispatch_request"),
    ("    templates (base.html and the page's)", "Template.render"),
    ("      the site header (kept per session and page)", "site_header"),
    ("    loading the user (Flask-Login, user cache)", "LoginManager._load_user"),
    ("      copying the kept user into the request's session", "Session.merge"),
    ("  opening the signed session cookie (remembered)", "CookieSessionInterface.open_session"),
    ("  the signed CSRF token (reused for minutes)", "init_app.<locals>.reuse_signed_csrf_token"),
    ("  after_request (headers, request log, session save)", "Flask.process_response"),
    ("  closing the request's database session", "SQLAlchemy._teardown_session"),
    ("gunicorn: parsing the request", "Request.__init__"),
    ("gunicorn: writing the response to the socket", "Response.write"),
    ("gunicorn: closing the connection", "close_graceful"),
]


def cpu_per_request(server: Gunicorn, url: str, cookie: str | None, duration: float) -> tuple[float, float]:
    """(requests/s, worker CPU ms per request) of one wrk run against the server."""
    pids = server.worker_pids()
    before = sum(harness.cpu_seconds(pid) for pid in pids)
    result = wrk(url, duration=duration, connections=16, threads=2, cookie=cookie)
    return result["rps"], (sum(harness.cpu_seconds(pid) for pid in pids) - before) / result["requests"] * 1000


def shares(raw: str) -> dict[str, float]:
    """Per cent of py-spy's samples (its raw format: `frame;frame;... count` per line) under each part;
    a part seen several times in one stack counts once."""
    total, inclusive = 0, collections.Counter()
    for line in raw.splitlines():
        stack, count = line.rsplit(" ", 1)
        total += int(count)
        for name in {frame.split(" (", 1)[0] for frame in stack.split(";")}:
            inclusive[name] += int(count)
    return {label: 100 * inclusive[name] / total for label, name in PARTS} if total else {}


def sample_worker(py_spy: str, pid: int, seconds: float, out: Path) -> dict[str, float]:
    subprocess.run([py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "500",
                    "--format", "raw", "--output", str(out), "--nonblocking"], capture_output=True, check=True,
                   timeout=seconds + 60)
    return shares(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default=DOCUMENT_PATH)
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per measurement")
    parser.add_argument("--workers", type=int, default=harness.DEFAULT_WORKERS)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    py_spy = shutil.which("py-spy", path=str(harness.VENV_BIN)) or shutil.which("py-spy")
    with tempfile.TemporaryDirectory(prefix="portal-profile-") as tmp, LoadDatabase("portal_profile") as db:
        workdir = Path(tmp)
        env = harness.portal_env(db.url, workdir, LOG_LEVEL="WARNING")
        _, email, password = prepare(env)
        with Gunicorn(env, workers=args.workers, app="hello_app:app", cwd=BENCH, health_path="/",
                      log_path=workdir / "hello.log") as hello, \
                Gunicorn(env, workers=args.workers, log_path=workdir / "portal.log") as portal:
            _, cookie = login_cookie(portal, email, password)
            url = portal.url + args.path
            check_page(url, cookie, "</html>")
            wrk(url, duration=2, connections=16, threads=2, cookie=cookie)  # every worker has the page and the user
            rows = []
            for _ in range(2):  # alternating, as bench/pages.py does
                rows.append(("hello", *cpu_per_request(hello, hello.url + "/", None, args.duration)))
                rows.append((args.path, *cpu_per_request(portal, url, cookie, args.duration)))
            print(f"{'page':24} {'requests/s':>10} {'worker CPU per request':>24}")
            for name, rps, ms in rows:
                print(f"{name:24} {rps:10.0f} {ms:21.3f} ms")
            if not py_spy:
                print("\npy-spy is missing (.venv/bin/pip install py-spy==0.4.3): no profile of a worker.")
                return 0
            load = threading.Thread(target=wrk, args=(url,), kwargs={
                "duration": args.duration + 6, "connections": 16, "threads": 2, "cookie": cookie})
            load.start()
            time.sleep(2)
            parts = sample_worker(py_spy, portal.worker_pids()[0], args.duration, workdir / "samples.txt")
            load.join()
            log(f"sampled one worker for {args.duration:.0f} s")
            print(f"\nShare of one portal worker's samples ({args.path}; a part includes what it calls):")
            for label, share in parts.items():
                print(f"{share:5.1f} %  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
