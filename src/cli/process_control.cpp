#include "cli/process_control.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

void restart_with_passive_openmp() {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("EMOPIANO_NO_RESTART")) return;
  // The full command line, as the kernel has it.
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> words;
  for (std::string w; std::getline(in, w, '\0');) words.push_back(w);
  if (words.empty()) return;
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  setenv("EMOPIANO_NO_RESTART", "1", 1);
  // The resolved path, so the process keeps its name in ps and top.
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  execv(ec || self.empty() ? "/proc/self/exe" : self.c_str(), argv.data());
  // exec failed: carry on with the default policy.
}

}  // namespace emopiano::cli
