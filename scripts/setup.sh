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
  libssl-dev libayatana-appindicator3-dev patchelf file xdg-utils pkg-config build-essential curl
  # a real window and WebDriver for the end-to-end tests
  xvfb xauth webkit2gtk-driver dbus-x11
  # SQLCipher links the system libcrypto (libssl-dev, above); the library's key
  # lives in the OS keyring: a Secret Service for the tests (scripts/with-keyring.sh)
  gnome-keyring libsecret-tools
  # Likeness Cloud's database (scripts/cloud.sh and its tests run a private cluster)
  postgresql
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

# ONNX Runtime for on-device moderation. Debian has no package, so take the
# shared library out of the official PyPI wheel; ort loads it at run time
# (`load-dynamic`). The app bundles it from src-tauri/lib as a resource.
ORT_VERSION=1.31.1
# The sha256 of onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl, as
# PyPI lists it. A wheel with any other hash is refused before it is opened.
ORT_WHEEL_SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
ORT_LIB=src-tauri/lib/libonnxruntime.so.1
if [ ! -f "$ORT_LIB" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64)
      echo "setup: fetching ONNX Runtime $ORT_VERSION"
      wheel_dir="$(mktemp -d)"
      python3 -m pip download "onnxruntime==$ORT_VERSION" --no-deps --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --python-version 3.11 -d "$wheel_dir" --quiet
      wheel="$(ls "$wheel_dir"/onnxruntime-"$ORT_VERSION"-*.whl | head -n1)"
      actual="$(sha256sum "$wheel" | cut -d' ' -f1)"
      if [ "$actual" != "$ORT_WHEEL_SHA256" ]; then
        echo "setup: refusing $(basename "$wheel"): its sha256 is $actual," >&2
        echo "setup: but ONNX Runtime $ORT_VERSION's wheel is pinned to $ORT_WHEEL_SHA256 (scripts/setup.sh)." >&2
        echo "setup: the download is damaged or not the official wheel; nothing was extracted." >&2
        rm -rf "$wheel_dir"
        exit 1
      fi
      mkdir -p "$(dirname "$ORT_LIB")"
      python3 - "$wheel" "$ORT_LIB" "$ORT_VERSION" <<'PY'
import shutil, sys, zipfile
wheel, dest, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(f"onnxruntime/capi/libonnxruntime.so.{version}") as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out)
PY
      mv "$ORT_LIB.part" "$ORT_LIB"
      rm -rf "$wheel_dir"
      ;;
    *)
      echo "setup: no ONNX Runtime fetch for $(uname -s)-$(uname -m); put the library at $ORT_LIB" >&2
      ;;
  esac
fi

# An S3 API server on loopback for the cloud's object-storage tests: moto,
# from PyPI, in a venv of ours unless one is already on PATH.
if ! command -v moto_server >/dev/null && [ ! -x .tools/moto/bin/moto_server ]; then
  echo "setup: installing moto (an S3 API server for the cloud's tests)"
  python3 -m venv .tools/moto
  .tools/moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==5.2.1"
fi

echo "setup: installing UI packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
