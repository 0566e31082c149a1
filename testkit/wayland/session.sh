#!/usr/bin/env bash
# A headless Wayland desktop for the tests: PipeWire, WirePlumber, sway on a headless output and the
# XDG desktop portal with its wlroots back end, on this session's own D-Bus bus (run this script
# inside `dbus-run-session`). It writes the environment a client needs to $1 and then runs until
# killed; everything it started goes with it.
#   usage: dbus-run-session -- session.sh ENV_FILE PORTAL_WLR_BINARY [WIDTHxHEIGHT]
set -euo pipefail
env_file=$1 portal_wlr=$2 size=${3:-1920x1080}
here=$(cd "$(dirname "$0")" && pwd)

XDG_RUNTIME_DIR=$(mktemp -d /tmp/casedesktop-wayland.XXXXXX)
chmod 0700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland
# A home of its own: sessions running side by side (parallel test workers) share no state files
# (the portal's permission store, WirePlumber's state).
export HOME=$XDG_RUNTIME_DIR/home
export XDG_CONFIG_HOME=$HOME/.config XDG_DATA_HOME=$HOME/.local/share XDG_STATE_HOME=$HOME/.local/state
export XDG_CACHE_HOME=$HOME/.cache
mkdir -p "$HOME"
mkdir -p "$XDG_CONFIG_HOME/xdg-desktop-portal-wlr" "$XDG_CONFIG_HOME/sway"
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

log=$XDG_RUNTIME_DIR/session.log
pipewire >>"$log" 2>&1 & pids+=($!)
# The portal's back end connects to PipeWire once, at its start: PipeWire must be listening first
# (on a busy machine it takes a while, and a back end started too early never sends a frame).
for _ in $(seq 200); do
    [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break
    sleep 0.05
done
[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] || { echo "PipeWire did not start:" >&2; cat "$log" >&2; exit 1; }
wireplumber >>"$log" 2>&1 & pids+=($!)

cat >"$XDG_CONFIG_HOME/sway/config" <<CONF
output HEADLESS-1 resolution ${size} position 0 0
xwayland disable
default_border none
CONF
# sway refuses to run as root: give it a user namespace of its own (its sockets stay usable).
owner=()
[ "$(id -u)" -eq 0 ] && owner=(unshare -U --map-user=1000 --map-group=1000)
WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
    "${owner[@]}" sway --config "$XDG_CONFIG_HOME/sway/config" >>"$log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
    socket=$(cd "$XDG_RUNTIME_DIR" && ls wayland-* 2>/dev/null | grep -v lock | head -n1 || true)
    [ -n "$socket" ] && break
    sleep 0.05
done
[ -n "$socket" ] || { echo "sway did not start:" >&2; cat "$log" >&2; exit 1; }
export WAYLAND_DISPLAY=$socket
SWAYSOCK=$(ls "$XDG_RUNTIME_DIR"/sway-ipc.*.sock 2>/dev/null | head -n1 || true)
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE \
    XDG_RUNTIME_DIR XDG_CONFIG_HOME

cat >"$XDG_CONFIG_HOME/xdg-desktop-portal-wlr/config" <<CONF
[screencast]
output_name=HEADLESS-1
chooser_type=none
max_fps=30
CONF
"$portal_wlr" -r >>"$log" 2>&1 & pids+=($!)
/usr/libexec/xdg-desktop-portal -r >>"$log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
    busctl --user status org.freedesktop.portal.Desktop >/dev/null 2>&1 && break
    sleep 0.05
done

{
    echo "WAYLAND_DISPLAY=$WAYLAND_DISPLAY"
    echo "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
    echo "XDG_CURRENT_DESKTOP=$XDG_CURRENT_DESKTOP"
    echo "XDG_SESSION_TYPE=wayland"
    echo "SWAYSOCK=$SWAYSOCK"
    echo "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"
    echo "CASEDESKTOP_WAYLAND_LOG=$log"
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
wait
