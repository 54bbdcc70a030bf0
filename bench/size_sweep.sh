#!/bin/sh
# Training throughput of the model sizes considered for the bundled model:
# each candidate trains for STEPS steps on EMOPIA (bf16 autocast where the CPU
# has it, 2 threads, the bundled model's other settings) and the table gives
# the mean tokens/s of the logged steps after the first (which include start-up).
# Prints the CPU and the load beside the table.
#
#   bench/size_sweep.sh BUILD_DIR [STEPS] [EMOPIA_DIR]
set -eu
build=${1:?usage: bench/size_sweep.sh BUILD_DIR [STEPS] [EMOPIA_DIR]}
steps=${2:-12}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${3:-$here/../shared/data/emopia/EMOPIA_1.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| candidate | parameters | batch x context | tokens/s |"
echo "|---|---|---|---|"
# layers width context batch
for spec in "4 256 512 16" "6 256 512 16" "4 384 512 16" "4 256 1024 8"; do
  set -- $spec
  name="$1-$2-$3"
  cat > "$tmp/$name.json" <<JSON
{"model": {"n_layers": $1, "d_model": $2, "n_heads": 4, "d_ff": $(($2 * 4)), "context_length": $3,
           "dropout": 0.1, "max_bars": 256},
 "tokenizer": {},
 "train": {"max_steps": $steps, "batch_size": $4, "learning_rate": 0.001, "warmup_steps": 10,
           "log_every": 2, "eval_every": 0, "checkpoint_every": 0, "bf16": "auto", "threads": 2}}
JSON
  "$build/emopiano" train --data "$data" --config "$tmp/$name.json" --out "$tmp/$name.pt" \
    --checkpoint-dir "$tmp/$name.ckpt" --log "$tmp/$name.jsonl" --cache "$tmp/cache" >"$tmp/$name.out" 2>&1 ||
    { cat "$tmp/$name.out" >&2; exit 1; }
  params=$(sed -n 's/.*"parameters":\([0-9]*\).*/\1/p' "$tmp/$name.jsonl" | head -n 1)
  rate=$(grep '"event":"step"' "$tmp/$name.jsonl" | tail -n +2 |
         sed -n 's/.*"tok_per_s":\([0-9.]*\).*/\1/p' | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n }')
  echo "| $1 layers x $2, context $3 | $(awk -v p="$params" 'BEGIN { printf "%.2f M", p / 1e6 }') | $4 x $3 | $rate |"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
