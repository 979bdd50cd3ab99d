#!/usr/bin/env bash
# Set up this machine, build Likeness with its UI embedded, and launch it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
cargo build -p likeness --features custom-protocol
exec "${CARGO_TARGET_DIR:-target}/debug/likeness"
