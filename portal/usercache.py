"""Each worker keeps the users it has loaded (with their role grants and unit) and the handbook's content
version, so a logged-in page that finds its HTML in the page cache needs no database round trip.

Correctness rests on a change counter that every process of this installation shares: an 8-byte
number in a file in the instance folder, mapped into memory. Any transaction that writes an account,
a role grant, a unit or the content version (through the web, the API or a `flask` command; a
login's timestamp alone does not count) adds one to it right after its commit. Every request reads
the counter first (one memory read and one stat) and a worker that finds it changed drops everything
it kept. So disabling an account, a new password, a
removed role or a publish is seen by every worker at its next request, exactly as without the cache.

What the counter cannot see is a change made outside the portal's ORM session (an UPDATE typed into
psql, a migration): an entry is therefore also never used for longer than USER_CACHE_SECONDS (default
60 s); `flask users …` and restore go through the session and count. The counter reaches the
processes of one machine only; with PostgreSQL the other machines hear of each change through
LISTEN/NOTIFY (portal/changenotify.py), otherwise a cluster of several machines must set
USER_CACHE_SECONDS=0, which turns the cache off (every request reads its user from the database). A
counter that cannot be opened, or a listener that is not listening, also means no caching, never a
stale user.
"""
from __future__ import annotations

import fcntl
import itertools
import mmap
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from portal import changenotify
from portal.errors import error_summary
from portal.extensions import db

# Tables whose rows the cache holds (a user with its role grants and its own unit), or which change
# what a cached user may do.
WATCHED_TABLES = frozenset({"users", "role_grants", "units", "content_versions"})
_CHANGED = "usercache.changed"  # flag in Session.info: this transaction wrote a watched table
SEEN = "usercache_seen"  # in flask.g: the counter value this request's user was loaded or kept under
_SIZE = 8


class ChangeCounter:
    """A counter in a small file, shared by every process that maps it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._map: mmap.mmap | None = None
        self._identity: tuple[int, int] | None = None
        self._unusable = itertools.count()
        self._open()

    def _fd(self) -> int:
        # The folder too: an instance folder deleted while running is made again.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def _open(self) -> None:
        fd = self._fd()
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.pwrite(fd, bytes(_SIZE), 0)
            stat = os.fstat(fd)
            self._map = mmap.mmap(fd, _SIZE)
            self._identity = (stat.st_dev, stat.st_ino)
        finally:
            os.close(fd)

    def read(self) -> tuple:
        """The current value, with the file's identity: a file deleted and created again (a new
        inode) counts as a change even if its number happens to be the same. A file that cannot be
        opened gives a new value on every read, so nothing kept is ever used."""
        try:
            stat = os.stat(self.path)
        except OSError:
            stat = None
        if stat is None or (stat.st_dev, stat.st_ino) != self._identity:
            try:
                with self._lock:
                    self._open()
            except OSError:
                return ("unusable", next(self._unusable))
        return (*self._identity, int.from_bytes(self._map[:_SIZE], "little"))

    def bump(self) -> None:
        # A new open file description per bump, so flock excludes every other process and thread,
        # also after a fork.
        fd = self._fd()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            value = int.from_bytes(os.pread(fd, _SIZE, 0).ljust(_SIZE, b"\0"), "little")
            os.pwrite(fd, ((value + 1) % 2**64).to_bytes(_SIZE, "little"), 0)
        finally:
            os.close(fd)  # releases the lock


class UserCache:
    """Users (with their role grants and unit) by session id (user id and session token), least
    recently used dropped first."""

    def __init__(self, counter: ChangeCounter, max_age: float, max_entries: int = 5000, listener=None):
        self.counter = counter
        self.listener = listener  # changes counted on other machines (portal/changenotify.py), or None
        self.max_age = max_age
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._entries: OrderedDict[str, tuple[float, object, str]] = OrderedDict()

    def begin(self) -> tuple:
        """Read the counter (before any database read of this request) and drop everything if it moved."""
        seen = self.counter.read()
        if self.listener is not None:
            seen = (*seen, *self.listener.state())
        if seen != self._seen:
            with self._lock:
                self._entries.clear()
                self._seen = seen
        return seen

    def get(self, session_id: str, seen: tuple):
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None or seen != self._seen:
                return None
            if time.monotonic() - entry[0] > self.max_age:
                del self._entries[session_id]
                return None
            self._entries.move_to_end(session_id)
            return entry[1], entry[2]

    def put(self, session_id: str, seen: tuple, user, content_version: str) -> None:
        """Keep a user read after `seen` was current; if the counter moved since, the next
        request's begin() drops it anyway."""
        with self._lock:
            if seen != self._seen:
                return
            self._entries[session_id] = (time.monotonic(), user, content_version)
            self._entries.move_to_end(session_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def restore(self, session, session_id: str, seen: tuple):
        """(this request's copy of the kept user, content version), or None."""
        hit = self.get(session_id, seen)
        return None if hit is None else (session.merge(hit[0], load=False), hit[1])

    def keep(self, session, session_id: str, seen: tuple, user, content_version: str):
        """Keep a user just loaded with its grants and unit and return this request's copy. The kept one leaves
        the session now, before anything in the request can change or expire it."""
        for grant in user.grants:
            session.expunge(grant)
        if user.unit is not None:
            session.expunge(user.unit)
        session.expunge(user)
        self.put(session_id, seen, user, content_version)
        return session.merge(user, load=False)

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app) -> None:
    # Every process counts its changes, also one that keeps no users itself (a `flask` command).
    path = app.config.get("CHANGE_COUNTER_FILE")
    try:
        counter = ChangeCounter(path) if path else None
    except OSError as error:  # e.g. a read-only instance folder: correct, only slower
        app.logger.warning("Change counter %s unusable (%s): every request reads its user from the database",
                           path, error)
        counter = None
    max_age = float(app.config.get("USER_CACHE_SECONDS", 60))
    notifying = changenotify.enabled(app.config)
    app.extensions["change_counter"] = counter
    app.extensions["change_notify"] = notifying
    keeping = counter is not None and max_age > 0
    listener = (changenotify.ChangeListener(changenotify.conninfo(app.config["SQLALCHEMY_DATABASE_URI"]))
                if keeping and notifying else None)
    app.extensions["user_cache"] = UserCache(counter, max_age, listener=listener) if keeping else None


def user_cache() -> UserCache | None:
    return current_app.extensions.get("user_cache")


def bump() -> None:
    """Count a change now (after a write outside the ORM session, e.g. a restore)."""
    if has_app_context():
        g.pop(SEEN, None)  # what this request kept under the old value no longer describes it
    counter = current_app.extensions.get("change_counter") if has_app_context() else None
    if counter is not None:
        try:
            counter.bump()
        except OSError:
            # The change itself is committed; workers see it when their entries expire.
            current_app.logger.exception("Could not count a change in %s: kept users are dropped only "
                                         "after USER_CACHE_SECONDS", counter.path)
    if has_app_context() and current_app.extensions.get("change_notify"):
        try:
            changenotify.notify(db.engine)
        except SQLAlchemyError as error:
            current_app.logger.error("Could not tell the other machines about a change (%s): their kept "
                                     "users are dropped only after USER_CACHE_SECONDS",
                                     error_summary(error))


# --- Which transactions count --------------------------------------------------------------------
# On the Session class: every session of every app (the web, the API, the CLI) is watched. A flush
# counts when it writes a row of a watched table; a statement run through the session (an ORM bulk
# UPDATE or DELETE, an INSERT … ON CONFLICT, raw SQL) counts unless it is a SELECT or names only
# other tables. The counter moves after the commit, so a worker that sees it move reads the new rows.

def _tables_of(statement) -> set[str] | None:
    if isinstance(statement, TextClause):
        # Raw SQL: only a plain read (or the BEGIN a restore sends) is known to change nothing.
        verb = statement.text.lstrip()[:6].upper()
        return set() if verb in ("SELECT", "BEGIN") else None
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    return {name} if name else None  # None: cannot tell, count it


# Columns of watched tables that nothing kept shows or depends on. A login stamps users.last_login_at:
# counting it would empty every worker's caches at every login of anyone (a morning's logins would
# keep them nearly empty). Only the admin's user page shows it, read from the database.
UNWATCHED_COLUMNS = {"users": frozenset({"last_login_at"})}


def _changes_what_is_kept(obj, table: str) -> bool:
    """Whether an updated row changes anything but its unwatched columns."""
    unwatched = UNWATCHED_COLUMNS.get(table)
    if not unwatched:
        return True
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in unwatched)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    # Still the state before the flush here: new, dirty and deleted, and each attribute's history.
    if session.info.get(_CHANGED):
        return
    for obj in (*session.new, *session.deleted):
        if getattr(type(obj), "__tablename__", None) in WATCHED_TABLES:
            session.info[_CHANGED] = True
            return
    for obj in session.dirty:
        table = getattr(type(obj), "__tablename__", None)
        if table in WATCHED_TABLES and _changes_what_is_kept(obj, table):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    if state.is_select or state.session.info.get(_CHANGED):
        return
    tables = _tables_of(state.statement)
    if tables is None or tables & WATCHED_TABLES:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(_CHANGED, False):
        bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_CHANGED, None)
