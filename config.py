"""Configuration classes; every setting and secret comes from the environment."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key_from_file() -> str | None:
    # `make run` writes a random key here on first start so development sessions survive restarts
    # without a secret in the repository. Production must set SECRET_KEY.
    key_file = INSTANCE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip() or None
    return None


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _secret_key_from_file()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'samverkansportalen.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "sokindex"))
    # Each worker keeps the users it has loaded for at most this many seconds (0: never); a change to
    # an account, a role or the handbook reaches every worker at once through this shared file
    # (portal/usercache.py), so every process of one installation must use the same one.
    USER_CACHE_SECONDS = float(os.environ.get("USER_CACHE_SECONDS", 60))
    CHANGE_COUNTER_FILE = os.environ.get("CHANGE_COUNTER_FILE", str(INSTANCE_DIR / "change-counter"))
    # Other machines of a cluster learn of such a change through PostgreSQL LISTEN/NOTIFY
    # (portal/changenotify.py): "auto" (on with PostgreSQL), "on" or "off".
    CHANGE_NOTIFY = os.environ.get("CHANGE_NOTIFY", "auto")
    # Rendered document pages and start-page parts kept per worker (in characters, about 2 bytes each);
    # 0 turns the cache off.
    PAGE_CACHE_MAX_CHARS = int(os.environ.get("PAGE_CACHE_MAX_CHARS", 8_000_000))
    # Site headers (navigation, name, logout form) kept per worker for each session and page, valid
    # under the user cache's change counter (in characters; 0 turns it off).
    HEADER_CACHE_MAX_CHARS = int(os.environ.get("HEADER_CACHE_MAX_CHARS", 4_000_000))
    # A session's signed CSRF token is reused for this many seconds instead of being signed on every
    # page (0: sign on every page); it still expires WTF_CSRF_TIME_LIMIT after it was signed.
    CSRF_REUSE_SECONDS = float(os.environ.get("CSRF_REUSE_SECONDS", 600))
    # A missing or damaged index with at most this many documents is rebuilt during the request;
    # a larger one in the background while search says so.
    SEARCH_SYNC_REBUILD_LIMIT = int(os.environ.get("SEARCH_SYNC_REBUILD_LIMIT", "500"))
    SITE_NAME = os.environ.get("SITE_NAME", "Samverkansportalen")
    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Exempelkommun")
    # Times are stored in UTC and shown, exported and cut into days in this zone.
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Stockholm")
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long editing session must not lose its form
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 10 * 3600))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # Argon2id parameters (argon2-cffi defaults are the RFC 9106 low-memory profile).
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    # Login throttling: after this many failures for one e-mail address, each further attempt
    # must wait, doubling from LOGIN_DELAY_SECONDS up to LOGIN_MAX_DELAY_SECONDS.
    LOGIN_FREE_ATTEMPTS = int(os.environ.get("LOGIN_FREE_ATTEMPTS", 5))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", 30))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", 15 * 60))
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class DevelopmentConfig(Config):
    DEBUG = False


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    # No listening thread per test app; tests/auth/test_change_notify.py turns it on.
    CHANGE_NOTIFY = "off"
    LOGIN_DELAY_SECONDS = 30


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("PORTAL_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise SystemExit(f"PORTAL_CONFIG={name!r} is unknown; use one of {', '.join(CONFIGS)}")
