#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet.
# Idempotent; never fatal: the app runs without sound or a window, and says so.
set -u
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: not a Debian/Ubuntu system; please install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "setup: missing system packages (run as root to install): sudo apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
echo "setup: installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "setup: could not install some of: ${missing[*]} (sound or windowed mode may be unavailable)" >&2
exit 0
