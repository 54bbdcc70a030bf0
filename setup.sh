#!/usr/bin/env bash
# Sets up a Debian machine for emopiano and builds it in Release.
#   ./setup.sh          install packages (only those missing), build the
#                       library and the program in build/ (what generating needs)
#   ./setup.sh --test   the same plus the tests and benchmarks, then run the
#                       whole test suite: the Release suite, the C ABI and
#                       MIDI/tokenizer suites under AddressSanitizer +
#                       UndefinedBehaviorSanitizer, generation from one shared
#                       model on 8 threads under ThreadSanitizer, and the
#                       fuzzers for EMOPIANO_FUZZ_SECONDS each (default 60).
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

run_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) run_tests=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake git pkg-config ccache ca-certificates
  libtorch-dev libgloo-dev libopenblas0-openmp
  libsmf-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfluidsynth-dev fluid-soundfont-gm
  libasound2-dev
  clang libclang-rt-14-dev clang-format
  python3 python3-torch python3-mido python3-pip python3-setuptools
  mono-mcs mono-runtime
)
# The Rust binding's tests need cargo: Debian's, unless a toolchain (rustup) is
# already on PATH.
command -v cargo >/dev/null 2>&1 || packages+=(cargo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a clone elsewhere (CI) reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ "$run_tests" -eq 1 ]; then
  cmake --build build -j "$jobs"
else
  cmake --build build -j "$jobs" --target emopiano emopiano_cli
fi

if [ "$run_tests" -eq 1 ]; then
  export EMOPIANO_REQUIRE_DATA=1
  # The test programs load OpenBLAS without the program's restart: give them
  # the kernel `emopiano system` finds for this CPU when OpenBLAS's own choice
  # falls short (docs/performance.md). The restart's own test clears it.
  if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    better=$(EMOPIANO_NO_RESTART=1 build/emopiano system --json |
             sed -n 's/.*"openblas_better_coretype": "\([A-Za-z]*\)".*/\1/p' || true)
    if [ -n "$better" ]; then
      export OPENBLAS_CORETYPE="$better"
      echo "== OPENBLAS_CORETYPE=$better for the tests (OpenBLAS's own choice falls short here)"
    fi
  fi
  echo "== Release test suite"
  ctest --test-dir build --output-on-failure -j "$jobs"

  echo "== C ABI, MIDI and tokenizer tests under ASan + UBSan"
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DEMOPIANO_WITH_TORCH=OFF \
        -DEMOPIANO_SANITIZE=ON -DEMOPIANO_BUILD_BENCH=OFF >/dev/null
  cmake --build build-sanitize -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -L 'midi|tokenizer|core|capi|beat'

  # Only the one test target: the core objects, src/model and src/sample.
  echo "== one model shared by 8 generating threads under ThreadSanitizer"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Release -DEMOPIANO_TSAN=ON \
        -DEMOPIANO_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j "$jobs" --target test_shared_model_tsan
  ctest --test-dir build-tsan --output-on-failure -L tsan

  if [ -x tests/fuzz/run_fuzzers.sh ]; then
    echo "== fuzzers"
    tests/fuzz/run_fuzzers.sh "${EMOPIANO_FUZZ_SECONDS:-60}"
  fi
fi
