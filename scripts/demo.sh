#!/bin/sh
# The demo at this stage: a fresh simulated station, its spool and a verified audit chain.
set -eu
station=${STATION:-.venv/bin/station}
dir=$(mktemp -d /tmp/mpp-demo.XXXXXX)
"$station" init "$dir/station" --station-id MPP-DEMO-01
export STATION_CONFIG="$dir/station/station.toml"
echo
echo "== station spool list"
"$station" spool list
echo
echo "== station audit verify"
"$station" audit verify
echo
echo "== station audit export"
"$station" audit export
echo
echo "The station lives in $dir/station (configuration: $STATION_CONFIG)."
