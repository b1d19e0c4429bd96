"""Structured logging: one JSON object per line (LOG_FORMAT=json, default in production) and a
log line per request with its id, status, duration and user."""
import json
import logging
import os
import sys
import time

from flask import g, request
from sqlalchemy import inspect


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app) -> None:
    if app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_FORMAT", "text") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or os.urandom(8).hex()

    request_log_enabled = app.logger.isEnabledFor(logging.INFO)

    @app.after_request
    def log_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if not request_log_enabled or request.endpoint == "static":
            return response  # LOG_LEVEL above INFO: build nothing
        duration = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        # The id of a user the request has loaded, read without touching the database: loading or
        # refreshing one here would fail the response when the database is what just failed.
        state = inspect(g.get("_login_user"), raiseerr=False)
        user_id = str(state.identity[0]) if state is not None and state.identity else None
        app.logger.info("%s %s %s", request.method, request.path, response.status_code, extra={"fields": {
            "request_id": g.get("request_id"), "method": request.method, "path": request.path,
            "status": response.status_code, "duration_ms": round(duration, 1), "user_id": user_id}})
        return response
