#include "cli/local_ranks_launcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/core.h>

#include "emopiano/error.hpp"

extern char** environ;

namespace emopiano::cli {

namespace {

std::atomic<bool> g_terminate{false};
extern "C" void on_terminate(int) { g_terminate.store(true); }

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "stopped";
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(ErrorCode::io, fmt::format("cannot open a socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw Error(ErrorCode::io, fmt::format("cannot find a free port on 127.0.0.1: {}", std::strerror(err)));
  return ntohs(addr.sin_port);
}

int run_local_ranks(const std::vector<std::vector<std::string>>& rank_args, double grace_seconds) {
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec || self.empty()) self = "/proc/self/exe";

  // Ctrl-C reaches every process of the terminal's group, the ranks included;
  // they agree on a step to stop at and save a checkpoint. The launcher only
  // waits for them.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction previous_int {
  }, previous_term{};
  sigaction(SIGINT, &ignore, &previous_int);
  struct sigaction term {};
  term.sa_handler = on_terminate;
  sigemptyset(&term.sa_mask);
  sigaction(SIGTERM, &term, &previous_term);

  std::vector<pid_t> pids;
  for (size_t r = 0; r < rank_args.size(); ++r) {
    std::vector<std::string> words = {"emopiano"};
    words.insert(words.end(), rank_args[r].begin(), rank_args[r].end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    // The children must not inherit the ignored SIGINT.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self.c_str(), nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      for (pid_t p : pids) ::kill(p, SIGKILL);
      for (pid_t p : pids) ::waitpid(p, nullptr, 0);
      sigaction(SIGINT, &previous_int, nullptr);
      sigaction(SIGTERM, &previous_term, nullptr);
      throw Error(ErrorCode::io, fmt::format("cannot start rank {} ({}): {}", r, self, std::strerror(rc)));
    }
    pids.push_back(pid);
  }

  using Clock = std::chrono::steady_clock;
  std::vector<bool> running(pids.size(), true);
  size_t alive = pids.size();
  int result = 0;
  bool failed = false, terminate_sent = false, killed = false;
  Clock::time_point failed_at;
  while (alive > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] != pid || !running[r]) continue;
        running[r] = false;
        --alive;
        if (exit_code_of(status) != 0) {
          if (!failed) {
            failed = true;
            failed_at = Clock::now();
            result = exit_code_of(status);
          }
          fmt::print(stderr, "emopiano train: rank {} (pid {}) {}\n", r, static_cast<long>(pid),
                     describe_status(status));
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (g_terminate.load() && !terminate_sent) {
      for (size_t r = 0; r < pids.size(); ++r)
        if (running[r]) ::kill(pids[r], SIGTERM);
      terminate_sent = true;
    }
    // The others notice a dead peer by themselves (within the collective
    // timeout); past the grace period they are stopped.
    if (failed && !killed && std::chrono::duration<double>(Clock::now() - failed_at).count() > grace_seconds) {
      for (size_t r = 0; r < pids.size(); ++r) {
        if (!running[r]) continue;
        fmt::print(stderr, "emopiano train: stopping rank {} (pid {}), {:.0f} s after another rank failed\n", r,
                   static_cast<long>(pids[r]), grace_seconds);
        ::kill(pids[r], SIGKILL);
      }
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  return result;
}

}  // namespace emopiano::cli
