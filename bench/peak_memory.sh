#!/bin/sh
# Peak resident memory (max RSS, from /usr/bin/time -v) of the emopiano
# program generating one 16-bar piece with the bundled model, a batch of 8,
# and a short training run (20 steps of the bundled model's config, batch 8,
# context 512) on EMOPIA. Prints a table with the load of the machine.
#
#   bench/peak_memory.sh BUILD_DIR [EMOPIA_DIR]
set -eu
build=${1:?usage: bench/peak_memory.sh BUILD_DIR [EMOPIA_DIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${2:-$here/../shared/data/emopia/EMOPIA_1.0}
prog=$build/emopiano
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

peak() {  # peak RSS in MiB of the command "$@"
  /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/time" || { cat "$tmp/out" "$tmp/time" >&2; exit 1; }
  awk '/Maximum resident set size/ { printf "%.0f", $6 / 1024 }' "$tmp/time"
}

printf '%-52s %10s\n' "run (load $(cut -d' ' -f1-3 /proc/loadavg))" "peak MiB"
printf '%-52s %10s\n' "generate 1 piece, 16 bars, bundled model, 1 thread" \
  "$(peak "$prog" generate --seed 7 --bars 16 --threads 1 --quiet -o "$tmp/a.mid")"
printf '%-52s %10s\n' "generate 8 pieces as one batch, 16 bars" \
  "$(peak "$prog" generate --seed 7 --bars 16 --num 8 --threads 1 --quiet -o "$tmp/b.mid")"
if [ -d "$data" ]; then
  printf '%-52s %10s\n' "train 20 steps, batch 8 x 512, 2 threads, bf16 auto" \
    "$(peak "$prog" train --data "$data" --config "$here/models/small.json" --out "$tmp/m.pt" \
        --max-steps 20 --threads 2 --cache "$tmp/cache" --checkpoint-dir "$tmp/ckpt")"
else
  echo "no EMOPIA at $data: training not measured"
fi
