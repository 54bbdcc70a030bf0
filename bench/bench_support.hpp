// What the benchmark suites share: the EMOPIA files they read and a note of
// the machine's load, printed beside every run (the machine is shared).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace emopiano::bench {

// EMOPIA's MIDI files in name order (empty when the data set is absent).
std::vector<std::filesystem::path> emopia_midis();
std::filesystem::path emopia_root();

// "0.52 0.61 0.80" from /proc/loadavg.
std::string load_average();

// CPU time of the whole process (every thread) in seconds. On a shared
// machine the wall clock includes waiting for a core; work per CPU second is
// what the code costs.
double process_cpu_seconds();

// Peak resident set size of this process so far (VmHWM), in MiB.
double peak_rss_mib();

}  // namespace emopiano::bench
