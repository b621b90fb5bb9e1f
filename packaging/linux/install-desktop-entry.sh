#!/bin/sh
# Put the unpacked bundle in the desktop's menu for this user (no root): a launcher in ~/.local/bin, the
# .desktop file and the icons under ~/.local/share. Run it from the unpacked folder; run it again after
# moving the folder. Undo: remove ~/.local/bin/latentcomposer, the .desktop file and the icons.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$HOME/.local/bin" "$data/applications"
ln -sf "$here/latentcomposer" "$HOME/.local/bin/latentcomposer"
cp -r "$here/share/icons" "$data/"
sed "s|^Exec=latentcomposer|Exec=$here/latentcomposer|; s|^TryExec=latentcomposer|TryExec=$here/latentcomposer|" \
    "$here/share/applications/latentcomposer.desktop" > "$data/applications/latentcomposer.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "latentcomposer: added to the menu ($data/applications/latentcomposer.desktop)"
