#!/bin/sh
# The training loss under bf16 autocast against float32: the bundled model's
# config (models/small.json) trained from the same initial weights, seed and
# batches for a few steps (at most the 50 warm-up steps), once with `--bf16 on` and once with `--bf16 off`,
# one thread each; prints both losses at every step and their relative
# difference. A loss check, not a speed figure: it runs on a loaded machine.
#
#   bench/bf16_loss_agreement.sh BUILD_DIR [EMOPIA_DIR] [STEPS]
#   e.g. taskset -c 1 bench/bf16_loss_agreement.sh build ../shared/data/emopia/EMOPIA_1.0 5
#
# bf16 needs a CPU with AVX-512 BF16 or AMX-BF16 (the trainer refuses `--bf16 on` elsewhere).
set -eu

build=${1:?usage: bf16_loss_agreement.sh BUILD_DIR [EMOPIA_DIR] [STEPS]}
data=${2:-../shared/data/emopia/EMOPIA_1.0}
steps=${3:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
emopiano="$build/emopiano"
[ -x "$emopiano" ] || { echo "bf16_loss_agreement.sh: no $emopiano (build the emopiano target)" >&2; exit 2; }
[ -d "$data" ] || { echo "bf16_loss_agreement.sh: no dataset at $data" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# models/small.json with a log line at every step and no checkpoints or
# validation inside the few steps.
python3 - "$here/models/small.json" "$work/config.json" <<'EOF'
import json, sys
config = json.load(open(sys.argv[1]))
config.pop("comment", None)
config["train"].update({"log_every": 1, "eval_every": 0, "checkpoint_every": 100000})
json.dump(config, open(sys.argv[2], "w"), indent=1)
EOF

# A run that reaches its last step validates on all of the validation split,
# which takes far longer than a few steps; so each run is planned longer and
# stopped with Ctrl-C once step STEPS is logged (the step in progress
# finishes, a checkpoint is written, no validation). Within the 50 warm-up
# steps the learning rate does not depend on the planned length, so the
# losses are those of a STEPS-step run.
[ "$steps" -le 50 ] || { echo "bf16_loss_agreement.sh: at most 50 steps (the warm-up)" >&2; exit 2; }
for precision in on off; do
  log="$work/log-$precision.jsonl"
  "$emopiano" train --data "$data" --config "$work/config.json" --out "$work/model-$precision.pt" \
    --log "$log" --bf16 "$precision" --threads 1 --max-steps $((steps + 1000)) >/dev/null 2>"$work/err-$precision" &
  pid=$!
  until [ -f "$log" ] && grep '"event":"step"' "$log" | grep -q "\"step\":$steps[,}]"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/err-$precision" >&2; exit 1; }
    sleep 1
  done
  kill -INT "$pid"
  wait "$pid" || true
done

python3 - "$work/log-on.jsonl" "$work/log-off.jsonl" <<'EOF'
import json, sys
def losses(path):
    return {e["step"]: e["loss"] for e in map(json.loads, open(path)) if e.get("event") == "step"}
bf16, f32 = losses(sys.argv[1]), losses(sys.argv[2])
print("step  loss bf16  loss float32  relative difference")
for step in sorted(bf16):
    print(f"{step:4d}  {bf16[step]:9.4f}  {f32[step]:12.4f}  {abs(bf16[step] - f32[step]) / f32[step]:.2e}")
EOF
