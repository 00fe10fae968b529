#!/bin/sh
# Installs the Debian packages MPP Station needs, only those missing.
# As root it installs them; otherwise it names what is missing and goes on.
set -eu
PACKAGES="python3 python3-venv python3-dev gcc make sqlite3 \
cups cups-ipp-utils cups-client libcups2-dev avahi-daemon dbus \
poppler-utils socat chromium fonts-dejavu-core \
prometheus prometheus-alertmanager \
espeak-ng sox"

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing Debian packages:$missing (run 'make setup' as root to install them)" >&2
  exit 0
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
