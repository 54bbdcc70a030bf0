#include "bench_support.hpp"

#include <time.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace emopiano::bench {

std::filesystem::path emopia_root() { return std::filesystem::path(EMOPIANO_BENCH_DATA_DIR) / "EMOPIA_1.0"; }

std::vector<std::filesystem::path> emopia_midis() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  const auto dir = emopia_root() / "midis";
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".mid") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream s(line.substr(6));
      double kib = 0;
      s >> kib;
      return kib / 1024.0;
    }
  }
  return 0.0;
}

}  // namespace emopiano::bench
