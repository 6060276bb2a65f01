"""The `taskforce-api` command: `run` (gunicorn), Flask's commands (routes, shell, dev-server) plus ours."""
import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, run_command, with_appcontext

OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def spec_document(app):
    """Return the OpenAPI document as committed: sorted keys, 2-space indent, trailing newline."""
    with app.app_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def progress(iterable, label, total=None, file=None):
    """Yield the items of `iterable` while showing how far along a long job is, on stderr (or `file`).

    On a terminal, click's progress bar; otherwise (a log file, a pipe, CI) a plain line at every tenth of
    `total` and one at the end, so that a log records progress without a bar's control characters.
    """
    stream = file or click.get_text_stream("stderr")
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if stream.isatty():
        with click.progressbar(iterable, length=total, label=label, file=stream) as bar:
            yield from bar
        return
    every = max(1, total // 10) if total else 100
    done = 0
    for item in iterable:
        yield item
        done += 1
        if done % every == 0 and done != total:
            click.echo(f"{label}: {_done_of(done, total)}", file=stream)
    click.echo(f"{label}: {_done_of(done, total)}, done", file=stream)


def _done_of(done, total):
    return f"{done}/{total}" if total else str(done)


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo data (the XXI session and the directory) into the configured database."""
    from api.demo import load_demo
    counts = load_demo(progress=progress)
    if not any(counts.values()):
        click.echo("The demo data is already there; nothing loaded.")
    else:
        click.echo("Loaded " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@click.command("create-admin")
@click.option("--email", required=True)
@click.password_option(help="At least 12 characters.")
@with_appcontext
def create_admin_command(email, password):
    """Create an admin account."""
    from api.auth.bootstrap import create_admin
    from api.errors import ApiError
    try:
        stored = create_admin(email, password)
    except ApiError as error:
        raise click.ClickException(f"{error.detail} {error.errors or ''}".strip()) from None
    click.echo(f"Created admin {stored['email']} (id {stored['_id']}).")


@click.command("create-client")
@click.option("--organisation-id", required=True, help="Id of the partner organisation.")
@click.option("--name", required=True, help="A name for the credential, e.g. the partner system.")
@click.option("--read-only", is_flag=True, help="Grant only the read scope.")
@with_appcontext
def create_client_command(organisation_id, name, read_only):
    """Create a partner machine credential and print its client_id and secret (shown once)."""
    from api.auth.bootstrap import create_partner_client
    from api.errors import ApiError
    try:
        client_id, secret = create_partner_client(organisation_id, name, ("read",) if read_only else ("read", "write"))
    except ApiError as error:
        raise click.ClickException(f"{error.detail} {error.errors or ''}".strip()) from None
    click.echo(f"client_id={client_id}\nclient_secret={secret}")


@click.command("write-openapi")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def write_openapi_command(path):
    """Regenerate the committed OpenAPI document (openapi/openapi.json)."""
    path = path or OPENAPI_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec_document(current_app), encoding="utf-8")
    click.echo(f"Wrote {path}")


@click.command("import-organisations")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, storing nothing.")
@with_appcontext
def import_organisations_command(path, dry_run):
    """Import the directory from a CSV or XLSX file (the columns of POST /api/v1/organisations/import), as staff.

    No row limit here (the HTTP import takes 5,000). Prints each rejected row's reasons, then the counts.
    """
    import sys

    from api.core.permissions import ADMIN, Identity
    from api.core.tabular import CSV, XLSX, read_sheet
    from api.errors import ApiError
    from api.organisations.imports import import_organisations

    media_type = {".csv": CSV, ".xlsx": XLSX}.get(path.suffix.lower())
    if media_type is None:
        raise click.ClickException("Give a .csv or .xlsx file.")
    operator = Identity(sub="system:cli", roles=frozenset({ADMIN}))
    try:
        report = import_organisations(lambda: read_sheet(path.read_bytes(), media_type, max_rows=sys.maxsize),
                                      operator, dry_run=dry_run, progress=progress)
    except ApiError as error:
        raise click.ClickException(f"{error.detail} {error.errors or ''}".strip()) from None
    for entry in report["rows"]:
        if entry["status"] == "rejected":
            click.echo(f"row {entry['row']}: " + "; ".join(f"{path}: {' '.join(messages)}"
                                                          for path, messages in entry["errors"].items()))
    counts = ", ".join(f"{report[status]} {status}" for status in ("created", "updated", "unchanged", "rejected"))
    click.echo(("Dry run, nothing stored: " if dry_run else "") + counts)


@click.command("upgrade-tables")
@with_appcontext
def upgrade_tables_command():
    """Upgrade stored tables to their kind's current attribute version (idempotent); print counts."""
    from api.tables.services import upgrade_stored_tables
    counts = upgrade_stored_tables(progress=progress)
    click.echo(json.dumps(counts))


@click.command("reindex-search")
@with_appcontext
def reindex_search_command():
    """Recompute the search words of every stored resource (after an upgrade changed the folding); print counts."""
    from api.auth.resource import clients, users
    from api.core.search import reindex
    from api.organisations.resource import organisations
    from api.registrations.resource import registrations
    from api.seminars.resource import seminars
    from api.sessions.resource import sessions
    from api.sync.webhooks import webhooks
    from api.tables.resource import tables
    click.echo(json.dumps(reindex([sessions, tables, seminars, organisations, registrations, users, clients,
                                   webhooks])))


@click.command("plugins")
@with_appcontext
def plugins_command():
    """List the plugins found, whether they loaded, and why not."""
    from api.plugins import registry
    for report in registry().reports:
        line = f"{report.name:24} {report.status:9} {report.distribution or '-'}"
        if report.kinds:
            line += f" kinds: {', '.join(report.kinds)}"
        if report.error:
            line += f" error: {report.error}"
        click.echo(line)


def _store_file(given):
    """The embedded store's file, found as the app would find it, without opening it (the server may hold it)."""
    if given:
        return str(given)
    from flask import Flask

    from api.config import embedded_db_path, load_config
    config = load_config()
    if config["MONGODB_URI"]:
        raise click.ClickException("MONGODB_URI is set: the data is in MongoDB (use mongodump), not in the embedded store.")
    path = embedded_db_path(config, Flask("api").instance_path)
    if path == ":memory:" or not Path(path).exists():
        raise click.ClickException(f"No embedded store file at {path!r} (set EMBEDDED_DB or pass --db).")
    return path


@click.command("export-embedded")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, exists=True), help="The store file (default: EMBEDDED_DB).")
def export_embedded_command(directory, db):
    """Write the embedded store as one mongoimport file per collection (Extended JSON, a document a line).

    Safe while the server runs: it reads one consistent state of the file.
    """
    from api.embedded.durable import export
    counts = export(_store_file(db), directory)
    for collection, count in counts.items():
        click.echo(f"{directory / (collection + '.json')}: {count} documents")


@click.command("backup-embedded")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, exists=True), help="The store file (default: EMBEDDED_DB).")
def backup_embedded_command(target, db):
    """Copy the embedded store to TARGET with SQLite's online backup: consistent even while the server writes."""
    from api.embedded.durable import backup
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file.")
    backup(_store_file(db), str(target))
    click.echo(f"Wrote {target}")


@click.command("webhooks-worker")
@click.option("--once", is_flag=True, help="One round (dispatch, then send what is due), then exit.")
@click.option("--interval", type=float, default=None, help="Seconds between rounds (default WEBHOOK_POLL_SECONDS).")
@with_appcontext
def webhooks_worker_command(once, interval):
    """Deliver webhooks: follow the change feed, store pending deliveries, send them (for MongoDB deployments)."""
    import time

    from api.sync.delivery import run_once
    interval = current_app.config["WEBHOOK_POLL_SECONDS"] if interval is None else interval
    while True:
        stored, attempted = run_once()
        if once:
            click.echo(json.dumps({"stored": stored, "attempted": attempted}))
            return
        if not attempted:
            time.sleep(interval)


COMMANDS = [webhooks_worker_command, import_organisations_command, upgrade_tables_command, reindex_search_command, plugins_command, load_demo_command, create_admin_command, create_client_command, write_openapi_command]


def register_commands(app):
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from api import create_app
    from api.embedded.durable import StoreInUse
    try:
        return create_app()
    except StoreInUse as error:
        raise click.ClickException(str(error)) from None


@click.command("run")
@click.option("--host", help="Address to listen on.  [default: BIND's host, else 127.0.0.1]")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on.  [default: BIND's port, else 5000]")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes; more than 1 needs MONGODB_URI.  [default: WEB_CONCURRENCY, else 1]")
@click.option("--threads", type=click.IntRange(min=1), help="Threads per worker.  [default: THREADS, else 8]")
def serve_command(host, port, workers, threads):
    """Serve the API with gunicorn (settings: api/gunicorn_conf.py); SIGTERM lets requests in flight finish."""
    from api.gunicorn_conf import bind
    command = [sys.executable, "-m", "gunicorn", "--config", "python:api.gunicorn_conf"]
    if host or port:
        bind_host, _, bind_port = bind.rpartition(":")
        command += ["--bind", f"{host or bind_host}:{port or bind_port}"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    # gunicorn takes this process's place: signals from a supervisor (SIGTERM) reach its master directly.
    os.execv(sys.executable, [*command, "api:create_app()"])


main = FlaskGroup(create_app=_create_app, help="Taskforce API. `taskforce-api run` serves it with gunicorn.")
main.add_command(serve_command)
# Flask's development server, for its debugger and reloader (`taskforce-api --debug dev-server`); never in production.
main.add_command(run_command, "dev-server")
# Not app commands: they read the store's file without opening the store, so they work beside a running server.
main.add_command(export_embedded_command)
main.add_command(backup_embedded_command)
