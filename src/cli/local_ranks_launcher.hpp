// 'emopiano train --nproc K': starts K ranks of a distributed run on this
// host as child processes of the same program, then waits for them.
#pragma once

#include <string>
#include <vector>

namespace emopiano::cli {

// A free TCP port on the loopback interface (the kernel's choice; another
// program may take it before rank 0 binds it, which rank 0 then reports).
int free_loopback_port();

// Runs `emopiano <rank_args[r]...>` for every r, with the environment of this
// process, and waits. SIGINT is left to the children (a terminal's Ctrl-C
// reaches them all); SIGTERM is passed on. When a rank fails, the others
// get `grace_seconds` to notice and stop by themselves before they are
// killed. Returns 0 when every rank exits with 0, otherwise the exit code of
// the first rank that failed (128 + signal when it was killed).
int run_local_ranks(const std::vector<std::vector<std::string>>& rank_args, double grace_seconds);

}  // namespace emopiano::cli
