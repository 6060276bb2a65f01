"""WSGI entry point for other WSGI servers; gunicorn: `taskforce-api run` (api/gunicorn_conf.py)."""
from api import create_app

app = create_app()
