#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage) in
# build-fuzz/ and runs each for SECONDS (default 60), as many at a time as
# there are cores. Seeds come from ~20 real EMOPIA files copied into a
# temporary folder (never into the repository), a few hand-made MIDI files,
# token sequences encoded from those files, and small copies of the bundled
# weight files (models/*.pt).
#   tests/fuzz/run_fuzzers.sh [SECONDS]
# Exits non-zero when any fuzzer finds a crash, leak, timeout or sanitizer
# report; the failing inputs are kept in build-fuzz/artifacts/.
# Environment: EMOPIANO_FUZZ_BUILD_DIR (default <repo>/build-fuzz),
# EMOPIANO_EMOPIA_DIR (EMOPIA 1.0 folder), EMOPIANO_FUZZ_JOBS (parallel jobs
# per fuzzer, default 1), EMOPIANO_FUZZ_PARALLEL (fuzzers at a time, default
# the number of cores), EMOPIANO_FUZZ_CORPUS (a folder that keeps the grown
# corpora between runs; default: a temporary folder, discarded).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
# A folder, made if missing, as an absolute path (each fuzzer runs in a folder of its own).
absolute() { mkdir -p "$1" && cd "$1" && pwd; }
build="$(absolute "${EMOPIANO_FUZZ_BUILD_DIR:-$root/build-fuzz}")"
emopia="${EMOPIANO_EMOPIA_DIR:-$root/../shared/data/emopia}/EMOPIA_1.0/midis"
jobs="${EMOPIANO_FUZZ_JOBS:-1}"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEMOPIANO_WITH_TORCH=OFF -DEMOPIANO_BUILD_FUZZ=ON -DEMOPIANO_BUILD_TESTS=ON \
  -DEMOPIANO_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j 2 --target fuzz_midi_reader fuzz_token_decode fuzz_capi_params fuzz_model_file \
  fuzz_seed_tokens fuzz_seed_models
bin="$build/tests/fuzz"

work="$(mktemp -d /tmp/emopiano-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
corpus="$(absolute "${EMOPIANO_FUZZ_CORPUS:-$work}")"
mkdir -p "$work/seeds_midi" "$work/seeds_tokens" "$work/seeds_capi" "$work/seeds_models" "$corpus/corpus_midi" \
  "$corpus/corpus_tokens" "$corpus/corpus_capi" "$corpus/corpus_models" "$build/artifacts"

# Real files: every 50th EMOPIA clip (about 20), copied to the temp folder.
if [ -d "$emopia" ]; then
  find "$emopia" -name '*.mid' | sort | awk 'NR % 50 == 1' | while read -r f; do cp "$f" "$work/seeds_midi/"; done
else
  echo "run_fuzzers.sh: EMOPIA not found at $emopia; using hand-made seeds only" >&2
fi
# Hand-made: format 0 with running status and a tempo; format 1 with a
# conductor track, pedal and a time signature.
printf 'MThd\0\0\0\6\0\0\0\1\1\340MTrk\0\0\0\23\0\377\121\3\7\241\40\0\220\74\100\201\0\74\0\0\377\57\0' \
  > "$work/seeds_midi/format0.mid"
printf 'MThd\0\0\0\6\0\1\0\2\0\140MTrk\0\0\0\14\0\377\130\4\3\2\30\10\0\377\57\0MTrk\0\0\0\24\0\260\100\177\0\220\100\120\140\200\100\100\0\260\100\0\0\377\57\0' \
  > "$work/seeds_midi/format1.mid"
"$bin/fuzz_seed_tokens" "$work/seeds_tokens" 1500 "$work"/seeds_midi/*.mid
# C ABI scripts: every kind of call once with real sizes, then once with
# NULLs; then two random scripts of 64 and 512 bytes.
for op in 0 1 2 3 4 5 6 7 8 9; do
  printf "\\001\\$(printf %03o $op)" > "$work/seeds_capi/op$op"
  printf "\\000\\$(printf %03o $op)" > "$work/seeds_capi/op$op-null"
done
for n in 64 512; do head -c "$n" /dev/urandom > "$work/seeds_capi/random-$n"; done
# Model files: the bundled generator, classifier and VAE with every dimension
# cut to 2 (header and tensor names as shipped), and a file without tensors.
"$bin/fuzz_seed_models" "$work/seeds_models" "$root"/models/*.pt

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# One fuzzer; its report is printed whole when it ends, so two running side by
# side do not interleave their lines.
run() {
  local name="$1" corpus="$2" seeds="$3" max_len="$4"
  # Its own folder: with -jobs, libFuzzer writes fuzz-N.log into the current
  # one, and two fuzzers side by side would share those files.
  mkdir -p "$work/run-$name"
  if ! (cd "$work/run-$name" && "$bin/$name" "$corpus" "$seeds" -max_total_time="$seconds" -max_len="$max_len" \
      -rss_limit_mb=2048 -timeout=20 -jobs="$jobs" -workers="$jobs" -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$name-") >"$work/$name.log" 2>&1; then
    { echo "run_fuzzers.sh: $name FAILED; log tail:"; tail -n 60 "$work/$name.log"; } >&2
    cp "$work/$name.log" "$build/artifacts/$name.log"
    return 1
  fi
  { echo "== $name for ${seconds}s"
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/$name.log" | tail -n 2 || true
    echo "   corpus: $(ls "$corpus" | wc -l) new inputs"; }
}

# As many at a time as there are cores (EMOPIANO_FUZZ_PARALLEL, at most 4):
# each is one process on one core, so on two cores the four take half as long
# and each still gets its SECONDS.
parallel="${EMOPIANO_FUZZ_PARALLEL:-$(nproc 2>/dev/null || echo 1)}"
[ "$parallel" -ge 1 ] 2>/dev/null || parallel=1
[ "$parallel" -le 4 ] || parallel=4
status=0
pids=()
for spec in "fuzz_midi_reader corpus_midi seeds_midi 65536" "fuzz_token_decode corpus_tokens seeds_tokens 4096" \
            "fuzz_capi_params corpus_capi seeds_capi 4096" "fuzz_model_file corpus_models seeds_models 65536"; do
  set -- $spec
  run "$1" "$corpus/$2" "$work/$3" "$4" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$parallel" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
