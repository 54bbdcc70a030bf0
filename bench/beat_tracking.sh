#!/bin/sh
# The beat tracker against POP909's annotated beats (de-aligned songs: 120 BPM
# nominal, +-8% drift, 15 ms jitter), and the tempo and onset concentration it
# finds in EMOPIA. Prints the tables of docs/beats.md with the CPU and load.
#
#   bench/beat_tracking.sh BUILD_DIR [POP909_DIR] [EMOPIA_MIDIS_DIR]
set -eu
build=${1:?usage: bench/beat_tracking.sh BUILD_DIR [POP909_DIR] [EMOPIA_MIDIS_DIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
pop909=${2:-$here/../shared/data/pop909/POP909}
emopia=${3:-$here/../shared/data/emopia/EMOPIA_1.0/midis}
cmake --build "$build" --target beat_tracking_eval >/dev/null
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/beat_tracking_eval" pop909 "$pop909"
echo
"$build/bench/beat_tracking_eval" emopia "$emopia"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
