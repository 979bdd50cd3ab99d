#!/usr/bin/env bash
# Run a command with a real, private OS keyring: its own D-Bus session and an
# unlocked GNOME Keyring (the Secret Service), in a throwaway home folder, so
# tests never touch (or wait on a prompt from) the user's own keyring.
#   bash scripts/with-keyring.sh cargo test
set -euo pipefail
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/runtime" && chmod 700 "$home/runtime"
export HOME="$home" XDG_DATA_HOME="$home/data" XDG_RUNTIME_DIR="$home/runtime"
# Cargo and rustup must still be found after HOME moves.
export CARGO_HOME="${CARGO_HOME:-$(dirname "$(dirname "$(command -v cargo)")")}"
export RUSTUP_HOME="${RUSTUP_HOME:-$CARGO_HOME/../.rustup}"
exec dbus-run-session -- bash -c '
  printf likeness-tests | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' keyring "$@"
