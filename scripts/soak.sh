#!/usr/bin/env bash
# Kill a working library at random moments, many times (1000 unless told),
# checking after each kill that every row has its files and every file its row.
# CI runs the same test with 40 kills. Replay a failure with LIKENESS_KILL_SEED.
# Usage: scripts/soak.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
# The library's key lives in the OS keyring: run with a private one.
LIKENESS_KILLS="${1:-1000}" exec bash scripts/with-keyring.sh cargo test -p likeness-core --test core -- \
  crash::a_library_killed_at_random_moments_reopens_whole_with_no_file_left_behind \
  --exact --nocapture
