# The API image: gunicorn on port 8000 as an unprivileged user. Build: docker build -t taskforce-api .
# Dependencies install from wheels in a build stage; the final stage gets only the virtual environment.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY plugins ./plugins
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 taskforce \
    && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin taskforce \
    && mkdir /data \
    && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
# BIND: every interface inside the container (publish the port only where clients should reach it).
# EMBEDDED_DB: used only without MONGODB_URI (a one-container trial); the volume keeps it.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BIND=0.0.0.0:8000 EMBEDDED_DB=/data/taskforce.db
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# gunicorn takes the place of `taskforce-api run` (exec): docker stop's SIGTERM reaches it, and requests in flight
# finish within GRACEFUL_TIMEOUT (30 s; give `docker stop -t` / compose's stop_grace_period more than that).
CMD ["taskforce-api", "run"]
