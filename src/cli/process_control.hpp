// Process-wide settings the long-running commands (train, train-classifier,
// evaluate) share: passive OpenMP waiting and Ctrl-C handling.
#pragma once

namespace emopiano::cli {

// LibTorch's OpenMP workers spin while they wait for work. On a machine busy
// with other jobs a spinning worker holds a core the other worker needs, and
// training slows down by an order of magnitude (measured: 25 s instead of
// 0.3 s for the same twelve steps with two threads under a load of 9).
// libgomp reads OMP_WAIT_POLICY once, when it is loaded, so the only way to
// change it is to start again with it set: this re-executes the program with
// OMP_WAIT_POLICY=PASSIVE unless it (or EMOPIANO_NO_RESTART) is already set.
// Returns only when no restart happened.
void restart_with_passive_openmp();

// SIGINT and SIGTERM set a flag that interrupted() reads; a second signal
// gets the default action (stop at once).
void install_interrupt_handlers();
bool interrupted();

}  // namespace emopiano::cli
