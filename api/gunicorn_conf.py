"""gunicorn's settings for this app (`taskforce-api run` uses them; by hand: `gunicorn -c python:api.gunicorn_conf`).

Each setting comes from the environment, and a command-line option given to gunicorn wins over it.
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "8"))
# On SIGTERM a worker stops accepting and finishes the requests it has begun, for this long at most.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("TIMEOUT", "60"))
# The control socket (gunicornc) could add workers past the refusal below, and its one default path per user
# would be shared by every server the user runs.
control_socket_disable = True

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "api.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # The app logs each request itself (logger api.request) without the query string, where a client may
        # have put a secret; gunicorn's access log would print it.
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


def on_starting(server):
    """Refuse more than one worker process on the embedded store: its data lives in the one process that opened it."""
    from api.config import load_config
    if server.cfg.workers > 1 and not load_config()["MONGODB_URI"]:
        # gunicorn prints a RuntimeError raised here as "Error: …" and exits with status 1.
        raise RuntimeError(
            f"{server.cfg.workers} worker processes asked for, but without MONGODB_URI the data lives in the embedded "
            "store, inside one process: run 1 worker (use threads for concurrency), or set MONGODB_URI.")


def child_exit(server, worker):
    """Drop an ended worker's live values from the metrics every worker writes to PROMETHEUS_MULTIPROC_DIR."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
