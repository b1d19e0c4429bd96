"""Changes counted on other machines: PostgreSQL LISTEN/NOTIFY for the per-worker caches.

The change counter of portal/usercache.py reaches the processes of one machine (a file they all map).
With PostgreSQL, every process that counts a change also sends a notification on CHANNEL after the
commit, and every worker that keeps users listens on a connection of its own (a thread, started in
the process that first needs it, so a fork does not inherit it). A notification moves the worker's
listening generation, which is part of what the user cache compares at the start of each request:
a change made on another machine is seen there as soon as the notification arrives (milliseconds on
a LAN; a request that arrives within them may still be served what was kept).

While a worker is not listening (the database restarted, the connection failed) nothing it kept is
used, as with an unusable counter: every request reads its user from the database. When it listens
again its generation moves once, for whatever it missed meanwhile.

CHANGE_NOTIFY: "auto" (default: on with PostgreSQL), "on" or "off". The listening connection needs a
session of its own on the server: a pooler in transaction mode (PgBouncer) drops LISTEN, so with one
the workers must connect to PostgreSQL directly or set USER_CACHE_SECONDS=0.
"""
from __future__ import annotations

import itertools
import logging
import os
import threading

from sqlalchemy.engine import make_url

from portal.errors import error_summary

CHANNEL = "samverkansportalen_changes"
APPLICATION_NAME = "samverkansportalen change listener"  # in pg_stat_activity (bench/faults.py counts them)
_NOTIFY = f"SELECT pg_notify('{CHANNEL}', '')"

_ON = frozenset({"on", "1", "true", "yes", "ja"})
_OFF = frozenset({"off", "0", "false", "no", "nej"})

log = logging.getLogger("portal.changenotify")


def enabled(config) -> bool:
    """Whether this app sends and listens: CHANGE_NOTIFY on, or auto with a PostgreSQL database."""
    setting = str(config.get("CHANGE_NOTIFY", "auto")).strip().lower()
    if setting in _OFF:
        return False
    if setting not in _ON and setting != "auto":
        log.warning("CHANGE_NOTIFY=%s is unknown (auto, on or off): taken as auto", setting)
    postgres = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql"
    if setting in _ON and not postgres:
        log.warning("CHANGE_NOTIFY=%s needs PostgreSQL: changes are counted on this machine only", setting)
    return postgres


def conninfo(database_uri: str) -> str:
    """The SQLAlchemy URL as one libpq understands (without the +driver)."""
    return make_url(database_uri).set(drivername="postgresql").render_as_string(hide_password=False)


def notify(engine) -> None:
    """Tell the other machines that something their workers keep has changed (after its commit)."""
    with engine.connect() as connection:
        connection.exec_driver_sql(_NOTIFY)
        connection.commit()


class ChangeListener:
    """A LISTEN connection in a thread of this process; state() is part of the user cache's key."""

    def __init__(self, dsn: str, *, retry_seconds: float = 1.0, check_seconds: float = 5.0):
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds  # how often an idle connection is checked (and stop() seen)
        self.backend_pid: int | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._listening = False
        self._not_listening = itertools.count()
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def listening(self) -> bool:
        return self._listening

    def state(self) -> tuple:
        """("listening", generation), or a new value on every call while not listening."""
        if self._pid != os.getpid():
            self._start()
        if not self._listening:
            return ("not listening", next(self._not_listening))
        return ("listening", self._generation)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._listening = False  # a forked child has no listening thread until this one runs
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg  # only installations on PostgreSQL listen

        failing = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                     application_name=APPLICATION_NAME) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = connection.info.backend_pid
                    with self._lock:
                        self._generation += 1  # whatever changed while this worker was not listening
                        self._listening = True
                    if failing:
                        log.warning("Listening for changes again (PostgreSQL %s)", self.backend_pid)
                        failing = False
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=self.check_seconds):
                            with self._lock:
                                self._generation += 1
                        connection.execute("SELECT 1")  # a connection that died quietly fails here
            except Exception as error:  # noqa: BLE001 - whatever it was, the thread must live and retry
                if not failing:
                    log.warning("Not listening for changes (%s): every request reads its user from the "
                                "database until the connection is back", error_summary(error))
                failing = True
            finally:
                self._listening = False
            self._stop.wait(self.retry_seconds)
