"""The app's Prometheus metrics (served at /metrics by api/observability.py)."""
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# A `_created` timestamp beside every series doubles what a scrape carries and tells an operator nothing here.
disable_created_metrics()

REQUESTS = Counter("taskforce_http_requests", "HTTP requests answered, by method, route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("taskforce_http_request_duration_seconds", "Time to answer a request, by method and route template.",
                    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
IN_PROGRESS = Gauge("taskforce_http_requests_in_progress", "Requests being answered now.", multiprocess_mode="livesum")
PLUGIN_ERRORS = Counter("taskforce_plugin_errors",
                        "Exceptions raised by plugin code: by plugin and event hook, or by table kind (`kind:<name>`) "
                        "and `upgrade`.", ["source", "hook"])
DATABASE_ERRORS = Counter("taskforce_database_errors", "Database errors that reached a request, by exception class.",
                          ["error"])


def count_plugin_error(source, hook):
    PLUGIN_ERRORS.labels(source=source, hook=hook).inc()


def count_database_error(error):
    DATABASE_ERRORS.labels(error=type(error).__name__).inc()
