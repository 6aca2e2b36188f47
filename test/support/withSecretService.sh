#!/usr/bin/env bash
# Runs a command against a real, private Secret Service (gnome-keyring) on a private D-Bus session bus:
#
#   test/support/withSecretService.sh node --import tsx --test test/integration/keychain*.test.ts
#
# The command sees DBUS_SESSION_BUS_ADDRESS (and GNOME_KEYRING_CONTROL when the keyring prints it) and
# SIGNET_SECRET_SERVICE=private. Everything the keyring writes (its HOME, XDG data, runtime and cache
# folders, its control socket) lives in one temporary folder that is removed afterwards, so the user's
# real login keyring is never read or written. The private bus has no activatable services at all: if
# the keyring dies, nothing can quietly start another one with the user's real HOME.
#
# Exit status: the command's own; 69 when dbus or gnome-keyring is not installed; 70 when the keyring
# did not come up. CI must have the real thing, so a missing tool is an error, never a silent skip.
set -euo pipefail

# Bash builtins only up to the tool check, so that a bare PATH still gets the clear message below.
case "${BASH_SOURCE[0]}" in
  */*) self_dir="${BASH_SOURCE[0]%/*}" ;;
  *) self_dir=. ;;
esac
self="$(cd "$self_dir" && pwd)/${BASH_SOURCE[0]##*/}"

die() {
  local status="$1"
  shift
  printf 'withSecretService: %s\n' "$*" >&2
  exit "$status"
}

# Part two: runs inside dbus-run-session, so DBUS_SESSION_BUS_ADDRESS points at the private bus.
inside() {
  local root="$1"
  shift

  # The password only has to unlock this throw-away keyring, so a random one is fine.
  local password
  password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

  # gnome-keyring-daemon forks into the background and prints its environment (GNOME_KEYRING_CONTROL=…).
  local printed
  printed="$(printf '%s' "$password" | env \
    HOME="$root/home" \
    XDG_DATA_HOME="$root/data" \
    XDG_CONFIG_HOME="$root/config" \
    XDG_CACHE_HOME="$root/cache" \
    XDG_RUNTIME_DIR="$root/runtime" \
    gnome-keyring-daemon --unlock --components=secrets --control-directory="$root/control")" ||
    die 70 "gnome-keyring-daemon --unlock failed to start (see its messages above)."
  local line
  while IFS= read -r line; do
    case "$line" in
      GNOME_KEYRING_CONTROL=*) export "$line" ;;
    esac
  done <<<"$printed"

  # The daemon claims org.freedesktop.secrets a moment after it forks; wait until the name has an owner.
  local attempt owned=no
  for attempt in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      owned=yes
      break
    fi
    sleep 0.1
  done
  [[ "$owned" == yes ]] || die 70 "gnome-keyring-daemon did not claim org.freedesktop.secrets within 10 s."

  # Remember the keyring's process so it is stopped even if the bus is slow to go away.
  local keyring_pid
  keyring_pid="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
    awk '/uint32/ { print $2 }')"

  export SIGNET_SECRET_SERVICE=private
  local status=0
  "$@" || status=$?

  if [[ -n "$keyring_pid" ]]; then
    kill "$keyring_pid" 2>/dev/null || true
  fi
  return "$status"
}

if [[ "${1:-}" == "--inside-private-bus" ]]; then
  shift
  root="$1"
  shift
  inside "$root" "$@"
  exit $?
fi

if [[ $# -eq 0 ]]; then
  die 64 "usage: withSecretService.sh COMMAND [ARG…] (runs COMMAND against a private, unlocked gnome-keyring)"
fi

missing=()
for tool in dbus-run-session dbus-daemon dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  die 69 "cannot start a real Secret Service: ${missing[*]} not found. Install them with" \
    "'apt-get install -y --no-install-recommends dbus dbus-x11 gnome-keyring' (CI does this in .ci/run)."
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/signet-keyring.XXXXXX")"
cleanup() { rm -rf "$root"; }
trap cleanup EXIT
mkdir -p "$root/home" "$root/data" "$root/config" "$root/cache" "$root/runtime" "$root/control" "$root/bus"
chmod 700 "$root" "$root/runtime" "$root/control" "$root/bus"

sed "s|@BUS_DIR@|$root/bus|" "$(dirname "$self")/privateSessionBus.conf" >"$root/bus.conf"

status=0
dbus-run-session --config-file="$root/bus.conf" -- "$self" --inside-private-bus "$root" "$@" || status=$?
exit "$status"
