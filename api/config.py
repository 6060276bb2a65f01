"""Settings: defaults, environment variables, and their validation."""
import os
from urllib.parse import urlsplit

DEFAULTS = {
    "MONGODB_URI": None,
    "MONGODB_TIMEOUT_MS": 2000,
    "EMBEDDED_DB": None,
    "EMBEDDED_SYNCHRONOUS": "NORMAL",
    "ADMIN_EMAIL": None,
    "ADMIN_PASSWORD": None,
    "JWT_KEYS_DIR": None,
    "JWT_ISSUER": "taskforce-api",
    "JWT_AUDIENCE": "taskforce-api",
    "ACCESS_TOKEN_TTL": 900,
    "REFRESH_TOKEN_TTL": 1209600,
    "CORS_ORIGINS": "",
    "MAX_CONTENT_LENGTH": 1048576,
    "TOKEN_RATE_LIMIT": "10/minute",
    "RATE_LIMIT": "600/minute",
    "TRUSTED_PROXIES": 0,
    "TOKEN_CHECK_CACHE_SECONDS": 5,
    "LOAD_DEMO_DATA": None,
    "PLUGINS": None,
    "LOG_LEVEL": "INFO",
    "PUBLIC_BASE_URL": None,
    "METRICS_TOKEN": None,
    "CHANGE_LEASE_SECONDS": 60,
    "WEBHOOK_ALLOW_PRIVATE_URLS": False,
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_RETRY_BASE_SECONDS": 30.0,
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_DISABLE_AFTER": 10,
    "WEBHOOK_MAX_PER_ORGANISATION": 20,
    "WEBHOOK_WORKER_THREAD": None,
    "WEBHOOK_POLL_SECONDS": 2.0,
}

INTEGER_SETTINGS = {"MONGODB_TIMEOUT_MS", "ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "MAX_CONTENT_LENGTH",
                    "CHANGE_LEASE_SECONDS", "WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_DISABLE_AFTER",
                    "WEBHOOK_MAX_PER_ORGANISATION"}
SECONDS_SETTINGS = {"WEBHOOK_RETRY_BASE_SECONDS", "WEBHOOK_POLL_SECONDS"}  # fractions allowed, 0 meaningful
FLAG_SETTINGS = {"WEBHOOK_ALLOW_PRIVATE_URLS", "WEBHOOK_WORKER_THREAD"}
COUNT_SETTINGS = {"TRUSTED_PROXIES", "TOKEN_CHECK_CACHE_SECONDS"}  # integers where 0 is meaningful


class ConfigError(ValueError):
    """A setting has a value the app cannot run with."""


def load_config(overrides=None):
    """Return the settings: defaults, then the environment, then explicit overrides."""
    config = dict(DEFAULTS)
    for name in DEFAULTS:
        if name in os.environ:
            config[name] = os.environ[name]
    config.update(overrides or {})
    for name in INTEGER_SETTINGS | COUNT_SETTINGS:
        try:
            config[name] = int(config[name])
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be an integer, got {config[name]!r}") from None
        if config[name] <= 0 and name in INTEGER_SETTINGS:
            raise ConfigError(f"{name} must be positive")
        if config[name] < 0:
            raise ConfigError(f"{name} must not be negative")
    for name in SECONDS_SETTINGS:
        try:
            config[name] = float(config[name])
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number of seconds, got {config[name]!r}") from None
        if config[name] < 0:
            raise ConfigError(f"{name} must not be negative")
    for name in FLAG_SETTINGS:
        if isinstance(config[name], str):
            config[name] = config[name].strip().lower() in ("1", "true", "yes")
    if config["WEBHOOK_WORKER_THREAD"] is None:
        # The embedded store lives in the server's process, so its worker does too; on MongoDB run
        # `taskforce-api webhooks-worker` beside the servers instead (one thread per server process would do too).
        config["WEBHOOK_WORKER_THREAD"] = not config["MONGODB_URI"]
    if isinstance(config["CORS_ORIGINS"], str):
        config["CORS_ORIGINS"] = [o.strip() for o in config["CORS_ORIGINS"].split(",") if o.strip()]
    config["EMBEDDED_SYNCHRONOUS"] = str(config["EMBEDDED_SYNCHRONOUS"]).upper()
    if config["EMBEDDED_SYNCHRONOUS"] not in ("NORMAL", "FULL"):
        raise ConfigError(f"EMBEDDED_SYNCHRONOUS must be NORMAL or FULL, got {config['EMBEDDED_SYNCHRONOUS']!r}")
    if config["LOAD_DEMO_DATA"] is None:
        # Into an empty embedded store only (prepare_storage checks): demo data makes a first run useful.
        config["LOAD_DEMO_DATA"] = not config["MONGODB_URI"]
    elif isinstance(config["LOAD_DEMO_DATA"], str):
        config["LOAD_DEMO_DATA"] = config["LOAD_DEMO_DATA"].lower() in ("1", "true", "yes")
    if isinstance(config["PLUGINS"], str):
        config["PLUGINS"] = [p.strip() for p in config["PLUGINS"].split(",") if p.strip()]
    config["PUBLIC_BASE_URL"] = _public_base_url(config["PUBLIC_BASE_URL"])
    return config


def _public_base_url(value):
    """Return the configured public base URL without a trailing slash (None when unset)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) URL without query or fragment, got {value!r}")
    return value.rstrip("/")


def embedded_db_path(config, instance_path):
    """The embedded store's file: EMBEDDED_DB, or taskforce.db in the app's instance folder."""
    return config["EMBEDDED_DB"] or os.path.join(instance_path, "taskforce.db")
