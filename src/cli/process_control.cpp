#include "cli/process_control.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/openblas_core.hpp"

namespace emopiano::cli {

namespace {
// Set by the signal handler; a lock-free atomic store is async-signal-safe.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);
extern "C" void on_interrupt(int) { g_interrupted.store(true); }
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupted.load(); }

void restart_with_tuned_runtime(bool passive_openmp) {
  if (std::getenv("EMOPIANO_NO_RESTART")) return;
  const char* coretype = std::getenv("OPENBLAS_CORETYPE") ? nullptr : kernels::better_openblas_coretype();
  const bool passive = passive_openmp && !std::getenv("OMP_WAIT_POLICY");
  if (!coretype && !passive) return;
  // The full command line, as the kernel has it.
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> words;
  for (std::string w; std::getline(in, w, '\0');) words.push_back(w);
  if (words.empty()) return;
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  // Each setting is made once: the restarted program finds it set, so it
  // never restarts for the same reason twice.
  if (coretype) {
    setenv("EMOPIANO_OPENBLAS_DETECTED", kernels::openblas_core().c_str(), 1);
    setenv("OPENBLAS_CORETYPE", coretype, 1);
  }
  if (passive) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  // The resolved path, so the process keeps its name in ps and top.
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  execv(ec || self.empty() ? "/proc/self/exe" : self.c_str(), argv.data());
  // exec failed: carry on as loaded.
}

}  // namespace emopiano::cli
