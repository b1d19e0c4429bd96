"""Rendered page parts kept per process and valid for one content version (handbook.services.content_version).

Views put HTML here that depends only on the handbook's content and on permission facts named in the
key, never on who asks: the per-user parts of a page (name, CSRF token, navigation, messages) are
rendered around it on every request. Every entry belongs to one content version; a request that reads
another version from the database finds nothing, and the first one to store under the new version
drops everything older. So a publish, move, rename or archive on any worker is seen by every worker
at its next request, without messages between processes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from flask import current_app
from markupsafe import Markup


class PageCache:
    """A least-recently-used map bounded by the total size of what it holds (in characters)."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self._lock = threading.Lock()  # `flask run` serves requests in threads
        self._version: str | None = None
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._size = 0

    def get(self, version: str, key: Hashable) -> Any | None:
        with self._lock:
            if version != self._version:
                return None
            item = self._entries.get(key)
            if item is None:
                return None
            self._entries.move_to_end(key)
            return item[1]

    def put(self, version: str, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            if version != self._version:
                # Entries of any other version are stale or about to be: start over. A request that
                # read an older version just before a change may reset to it once; the requests after
                # it read the new version and reset again, so nothing stale outlives them.
                self._entries.clear()
                self._size = 0
                self._version = version
            if size > self.max_chars:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[0]
            self._entries[key] = (size, value)
            self._size += size
            while self._size > self.max_chars:
                _, (evicted, _) = self._entries.popitem(last=False)
                self._size -= evicted

    def __len__(self) -> int:
        return len(self._entries)


def cached_html(version: str, key: Hashable, build: Callable[[], Any]) -> Any:
    """The HTML (a string, or a tuple of strings) stored under `key` for this content version; built
    and stored when missing."""
    cache = page_cache()
    html = cache.get(version, key)
    if html is None:
        html = build()
        html = tuple(Markup(part) for part in html) if isinstance(html, tuple) else Markup(html)
        cache.put(version, key, html, sum(map(len, html)) if isinstance(html, tuple) else len(html))
    return html


def init_app(app) -> None:
    app.extensions["page_cache"] = PageCache(int(app.config.get("PAGE_CACHE_MAX_CHARS", 8_000_000)))


def page_cache() -> PageCache:
    return current_app.extensions["page_cache"]
