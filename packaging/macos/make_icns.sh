#!/bin/sh
# NOT TESTED HERE (needs macOS: sips and iconutil). Makes packaging/macos/latentcomposer.icns, which the
# PyInstaller spec's BUNDLE step uses for latentcomposer.app, from the rendered hicolor PNGs.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
png="$root/packaging/linux/icons/hicolor"
set_dir="$(mktemp -d)/latentcomposer.iconset"
mkdir -p "$set_dir"
for s in 16 32 128 256 512; do
  cp "$png/${s}x${s}/apps/latentcomposer.png" "$set_dir/icon_${s}x${s}.png"
done
for s in 16 128 256; do
  d=$((s * 2)); cp "$png/${d}x${d}/apps/latentcomposer.png" "$set_dir/icon_${s}x${s}@2x.png"
done
sips -z 64 64 "$png/512x512/apps/latentcomposer.png" --out "$set_dir/icon_32x32@2x.png" >/dev/null
sips -z 1024 1024 "$png/512x512/apps/latentcomposer.png" --out "$set_dir/icon_512x512@2x.png" >/dev/null
iconutil -c icns "$set_dir" -o "$root/packaging/macos/latentcomposer.icns"
echo "wrote packaging/macos/latentcomposer.icns"
