#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine to build, run and test Likeness:
# system packages, tauri-driver and the UI's npm packages. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

APT_PACKAGES=(
  # Tauri v2 on Linux
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libssl-dev libayatana-appindicator3-dev patchelf file xdg-utils pkg-config build-essential
  # a real window and WebDriver for the end-to-end tests
  xvfb xauth webkit2gtk-driver dbus-x11
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} system packages"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0 --quiet
fi

echo "setup: installing UI packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
