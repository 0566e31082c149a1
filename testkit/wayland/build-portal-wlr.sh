#!/usr/bin/env bash
# Build the xdg-desktop-portal-wlr the Wayland tests run: Debian's own source with one patch.
#
# Debian 12's xdg-desktop-portal-wlr 0.7.0 refuses to start a screen cast unless the compositor
# offers dma-buf frames, which a compositor without a GPU (sway's pixman renderer, as in the
# tests' headless session) never does; upstream dropped that requirement in 0.8.0. The patch
# makes 0.7.0 need only shared-memory frames, as 0.8.0 does. The source comes from Debian's
# archive through apt (a deb-src list of its own, the system's lists untouched); the build takes
# a few seconds and is skipped when the binary is already built from the same patch.
#   usage: build-portal-wlr.sh OUT_DIR   (prints the path of the built binary)
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
patch_file=$here/xdpw-shm-only.patch
stamp=$out/.built-from
want=$(cat "$patch_file" "$0" | sha256sum | cut -d' ' -f1)
if [ -x "$out/xdg-desktop-portal-wlr" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "$out/xdg-desktop-portal-wlr"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mkdir -p "$work/apt/lists/partial" "$work/apt/parts"
cat >"$work/apt/debian.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o "Dir::Etc::SourceList=$work/apt/debian.sources" -o "Dir::Etc::SourceParts=$work/apt/parts"
    -o "Dir::State::Lists=$work/apt/lists" -o "APT::Sandbox::User=root")
apt-get "${apt_options[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_options[@]}" source --download-only -qq xdg-desktop-portal-wlr >&2)
tar -C "$work" -xf "$work"/xdg-desktop-portal-wlr_*.orig.tar.*
src=$(find "$work" -maxdepth 1 -type d -name 'xdg-desktop-portal-wlr-*' | head -n1)
patch -d "$src" -p1 --quiet <"$patch_file"
meson setup "$src/build" "$src" -Dman-pages=disabled -Dsd-bus-provider=libsystemd >"$work/build.log" 2>&1 &&
    ninja -C "$src/build" >>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
cp "$src/build/xdg-desktop-portal-wlr" "$out/xdg-desktop-portal-wlr"
echo "$want" >"$stamp"
echo "$out/xdg-desktop-portal-wlr"
