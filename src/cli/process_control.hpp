// Process-wide settings the commands share: libraries' load-time settings
// (a restart when they need changing) and Ctrl-C handling.
#pragma once

namespace emopiano::cli {

// Settings that libraries read once, when they are loaded, so the only way
// to change them is to start again with them set: this re-executes the
// program when one of them needs changing and the environment leaves it
// unset, and returns only when no restart happened.
// - OPENBLAS_CORETYPE (every command that loads a model, after its options
//   are parsed, so --help costs no second start): when OpenBLAS chose a kernel
//   for fewer instructions than this CPU has (kernels/openblas_core.hpp). On
//   an AVX-512 Xeon whose model OpenBLAS 0.3.21 does not know it runs SSE3
//   code: vae-attributes ran at 51 segments/s, against 172 with SkylakeX's.
//   EMOPIANO_OPENBLAS_DETECTED keeps what OpenBLAS chose (`emopiano system`).
// - OMP_WAIT_POLICY=PASSIVE (passive_openmp: train, train-vae,
//   train-classifier, evaluate, evaluate-vae, classify). LibTorch's OpenMP
//   workers spin while they wait for work. On a machine busy with other jobs
//   a spinning worker holds a core the other worker needs, and training slows
//   down by an order of magnitude (measured: 25 s instead of 0.3 s for the
//   same twelve steps with two threads under a load of 9).
// EMOPIANO_NO_RESTART=1 turns restarting off.
void restart_with_tuned_runtime(bool passive_openmp);

// SIGINT and SIGTERM set a flag that interrupted() reads; a second signal
// gets the default action (stop at once).
void install_interrupt_handlers();
bool interrupted();

}  // namespace emopiano::cli
