#!/bin/sh
# The embedded store under HTTP load, as issue 13 measured it: wrk -t2 -c50 -d20s against gunicorn (1 worker,
# 8 threads, rate limits off) on a store file with the demo data plus N organisations (and their revisions):
# GET by id rotating over all ids, a sorted page of 20, PATCH with If-Match; three runs; the worker's RSS.
#
#     bench/wrk.sh [N=10000] [DURATION=20s] [RUNS=3]       (needs wrk: apt-get install wrk; gunicorn: .[bench])
set -eu
cd "$(dirname "$0")/.."
N=${1:-10000}
DURATION=${2:-20s}
RUNS=${3:-3}
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d)
PORT=${PORT:-5931}
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

"$PY" -m bench.store --populate "$N" --db "$WORK/taskforce.db"
EMBEDDED_DB="$WORK/taskforce.db" RATE_LIMIT="" TOKEN_RATE_LIMIT="1000/minute" LOG_LEVEL=WARNING \
  ADMIN_EMAIL=wrk-admin@example.org ADMIN_PASSWORD="wrk admin password" \
  "$PY" -m gunicorn -w 1 -k gthread --threads 8 --backlog 256 -b "127.0.0.1:$PORT" --log-level warning wsgi:app &
SERVER=$!
"$PY" - "$PORT" "$WORK" <<'PYTHON'
import json, sys, time, urllib.parse, urllib.request
port, work = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}/api/v1"
for _ in range(600):
    try:
        urllib.request.urlopen(f"{base}/organisations?page_size=1")
        break
    except OSError:
        time.sleep(0.1)
form = urllib.parse.urlencode({"grant_type": "password", "username": "wrk-admin@example.org",
                               "password": "wrk admin password"}).encode()
token = json.load(urllib.request.urlopen(urllib.request.Request(f"{base}/auth/token", data=form)))["access_token"]
ids, page = [], 1
while True:
    items = json.load(urllib.request.urlopen(f"{base}/organisations?page_size=100&page={page}"))
    if not items:
        break
    ids += [item["id"] for item in items]
    page += 1
open(f"{work}/ids.txt", "w").write("\n".join(ids) + "\n")
open(f"{work}/token", "w").write(token)
print(f"{len(ids)} organisations")
PYTHON
export WRK_IDS="$WORK/ids.txt" WRK_TOKEN="$(cat "$WORK/token")" WRK_THREADS=2
WORKER=$(pgrep -P "$SERVER" | head -1)
rss() { echo "$(($(ps -o rss= -p "$WORKER") / 1024)) MB"; }
echo "worker RSS after start: $(rss)"
for run in $(seq "$RUNS"); do
  for script in get page patch; do
    RATE=$(wrk -t2 -c50 -d"$DURATION" --timeout 2s -s "bench/wrk/$script.lua" "http://127.0.0.1:$PORT" 2>"$WORK/$script.status" \
      | awk '/Requests\/sec/ {rate=$2} /Non-2xx/ {bad=$NF} /Socket errors/ {err=$0} END {print rate " req/s, non-2xx " (bad ? bad : 0) " " err}')
    echo "run $run $script: $RATE $(sort "$WORK/$script.status" | tr "\n" " ")"
  done
  # Each PATCH adds a revision: the store grows by one revision per acknowledged PATCH.
  echo "worker RSS after run $run: $(rss)"
done
