"""Log lines as JSON objects, one a line: the app's, the request log's and gunicorn's alike.

Standard library only, so that gunicorn's master process can load the formatter from its config without
importing the app.
"""
import datetime as dt
import json
import logging
import re
import sys


# gunicorn quotes what it could not parse ("Invalid HTTP request line: 'GET /?access_token=… HTTP/1.1'", a header
# line) and the URI of a request that failed: a client's secret may be in either. The reason stays, the text goes.
_INVALID_REQUEST = re.compile(r"^(Invalid request from ip=\S+?: [^:'\"]*)(?::.*)?$", re.S)
_QUERY = re.compile(r"\?[^\s'\"]*")


def _server_message(message):
    message = _INVALID_REQUEST.sub(r"\1 (its text withheld from the log)", message)
    return _QUERY.sub("?…", message)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, the record's `fields`, any exception."""

    def format(self, record):
        message = record.getMessage()
        if record.name.startswith("gunicorn."):
            message = _server_message(message)
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level):
    """Log JSON lines to stderr at `level`, unless a server (gunicorn's config) already set up the handlers."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # Python's warnings (deprecations in libraries) would otherwise be printed as free text among the JSON lines.
    logging.captureWarnings(True)
