#!/usr/bin/env bash
# Run Likeness Cloud on this machine: a private PostgreSQL cluster in a
# temporary folder (loopback only), `likeness-cloud migrate`, then
# `likeness-cloud serve` with local payments and one `likeness-cloud work`
# (the on-device engines and moderation), sharing an object-store folder, and
# print the URL. Ctrl-C or SIGTERM stops everything this script started and
# deletes the cluster and the stored images.
#
#   LIKENESS_CLOUD_PORT       the server's port (default 8787)
#   LIKENESS_CLOUD_PG_PORT    PostgreSQL's port (default: a free one)
#   LIKENESS_CLOUD_PAYMENTS   local (default) or stripe (see README)
#   LIKENESS_CLOUD_BIN        a built likeness-cloud binary (default: cargo build)
#   LIKENESS_CLOUD_WORKERS    jobs the worker runs at once (default 1; 0 starts
#                             no worker, so jobs wait on the server: for tests)
#
# initdb refuses to run as root, so as root the cluster runs as `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${LIKENESS_CLOUD_PORT:-8787}"
export LIKENESS_CLOUD_PORT="$PORT"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "cloud: PostgreSQL is not installed: run scripts/setup.sh (apt package postgresql)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The worker runs Likeness's engines and moderation: ONNX Runtime and the models.
export LIKENESS_ORT_LIB="${LIKENESS_ORT_LIB:-$PWD/src-tauri/lib/libonnxruntime.so.1}"
export LIKENESS_MODELS_DIR="${LIKENESS_MODELS_DIR:-$PWD/models}"
if [ ! -f "$LIKENESS_ORT_LIB" ]; then
  echo "cloud: ONNX Runtime is missing at $LIKENESS_ORT_LIB: run scripts/setup.sh" >&2
  exit 1
fi

work="$(mktemp -d /tmp/likeness-cloud.XXXXXX)"
serve_pid=""
work_pid=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $serve_pid $work_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ -f "$work/data/postmaster.pid" ]; then
    kill -INT "$(head -n1 "$work/data/postmaster.pid")" 2>/dev/null || true
    for _ in $(seq 100); do [ -f "$work/data/postmaster.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$work"
  echo "cloud: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] && chown postgres: "$work"
as_pg "$pg_bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-sync >"$work/initdb.log"
pg_port="${LIKENESS_CLOUD_PG_PORT:-$(free_port)}"
as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work -c fsync=off" start >/dev/null
echo "cloud: PostgreSQL on 127.0.0.1:$pg_port (data in $work, deleted on exit)"
export LIKENESS_CLOUD_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export LIKENESS_CLOUD_STORAGE="$work/storage"

bin="${LIKENESS_CLOUD_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet -p likeness-cloud
  bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/likeness-cloud"
fi

"$bin" migrate
"$bin" serve --payments "${LIKENESS_CLOUD_PAYMENTS:-local}" &
serve_pid=$!
if [ "${LIKENESS_CLOUD_WORKERS:-1}" != 0 ]; then
  "$bin" work --concurrency "${LIKENESS_CLOUD_WORKERS:-1}" &
  work_pid=$!
fi
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$serve_pid" 2>/dev/null || { echo "cloud: serve exited" >&2; exit 1; }
  if [ -n "$work_pid" ]; then
    kill -0 "$work_pid" 2>/dev/null || { echo "cloud: work exited" >&2; exit 1; }
  fi
  sleep 0.1
done
echo "cloud: Likeness Cloud is at http://127.0.0.1:$PORT (Ctrl-C stops it)"
wait -n $serve_pid $work_pid
