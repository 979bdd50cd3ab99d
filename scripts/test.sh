#!/usr/bin/env bash
# Set up this machine and run every check and test Likeness has, in order:
# format, lint, Rust tests, binding freshness, UI tests, app build, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "UI type check and build (the app embeds it)"
(cd ui && npm run build)

step "clippy"
cargo clippy --workspace --all-targets --features likeness/custom-protocol -- -D warnings

# The library's key lives in the OS keyring: tests get a private, unlocked one.
step "Rust tests (core, CLI, app commands), with a private OS keyring"
bash scripts/with-keyring.sh cargo test --workspace --exclude likeness-e2e --features likeness/custom-protocol

step "TypeScript bindings are current"
if [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
  git status --porcelain -- ui/src/lib/bindings
  echo "The generated bindings in ui/src/lib/bindings are stale: run cargo test and commit them." >&2
  exit 1
fi

step "UI unit tests"
(cd ui && npm test)

step "app build"
cargo build -p likeness --features custom-protocol

step "end-to-end tests in the real window (Xvfb + tauri-driver + WebKitWebDriver)"
bash scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  cargo test -p likeness-e2e -- --test-threads=1
