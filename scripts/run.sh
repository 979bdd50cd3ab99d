#!/usr/bin/env bash
# Set up this machine, build Likeness with its UI embedded, and launch it.
#   --cloud   also start the local reference Likeness Cloud (scripts/cloud.sh:
#             its own PostgreSQL, local payments, one worker) at the address
#             the app's Settings -> Likeness Cloud offers, and stop it after.
set -euo pipefail
cd "$(dirname "$0")/.."
with_cloud=0
case "${1:-}" in
  --cloud) with_cloud=1 ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--cloud]" >&2; exit 2 ;;
esac
bash scripts/setup.sh
(cd ui && npm run build)
cargo build -p likeness --features custom-protocol
app="${CARGO_TARGET_DIR:-target}/debug/likeness"
if [ "$with_cloud" -eq 0 ]; then
  exec "$app"
fi
bash scripts/cloud.sh &
cloud_pid=$!
trap 'kill -TERM "$cloud_pid" 2>/dev/null || true; wait "$cloud_pid" 2>/dev/null || true' EXIT
url="http://127.0.0.1:${LIKENESS_CLOUD_PORT:-8787}"
for _ in $(seq 1 240); do
  curl -fsS "$url/v1/packs" >/dev/null 2>&1 && break
  kill -0 "$cloud_pid" 2>/dev/null || { echo "run: Likeness Cloud did not start" >&2; exit 1; }
  sleep 0.5
done
echo "run: Likeness Cloud is at $url; turn it on in Settings -> Likeness Cloud"
"$app"
