// DistributedConfig: the torchrun environment variables and validation.
#include <cerrno>
#include <cstdlib>
#include <string>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano {

namespace {

// A whole decimal integer, or Error naming the variable.
long long parse_integer(const char* name, const char* text) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0')
    throw Error(ErrorCode::invalid_argument,
                fmt::format("environment variable {}=\"{}\" is not an integer", name, text));
  return v;
}

}  // namespace

DistributedConfig DistributedConfig::from_environment() {
  DistributedConfig c;
  if (const char* v = std::getenv("RANK"); v && *v) c.rank = static_cast<int>(parse_integer("RANK", v));
  if (const char* v = std::getenv("WORLD_SIZE"); v && *v)
    c.world_size = static_cast<int>(parse_integer("WORLD_SIZE", v));
  if (const char* v = std::getenv("MASTER_ADDR"); v && *v) c.master_addr = v;
  if (const char* v = std::getenv("MASTER_PORT"); v && *v)
    c.master_port = static_cast<int>(parse_integer("MASTER_PORT", v));
  return c;
}

void DistributedConfig::validate() const {
  auto fail = [](const std::string& m) { throw Error(ErrorCode::invalid_argument, "distributed config: " + m); };
  if (world_size < 1 || world_size > 4096) fail(fmt::format("world size {} is not in 1..4096", world_size));
  if (rank < 0 || rank >= world_size)
    fail(fmt::format("rank {} is not in 0..{} (world size {})", rank, world_size - 1, world_size));
  if (world_size > 1 && master_addr.empty()) fail("the master address (host of rank 0) is empty");
  if (master_port < 1 || master_port > 65535) fail(fmt::format("master port {} is not in 1..65535", master_port));
  if (!(timeout_seconds > 0.0) || timeout_seconds > 7 * 24 * 3600.0)
    fail(fmt::format("timeout {} s must be > 0 and at most a week", timeout_seconds));
  if (!(bucket_megabytes > 0.0) || bucket_megabytes > 1024.0)
    fail(fmt::format("bucket size {} MB is not in (0, 1024]", bucket_megabytes));
}

}  // namespace emopiano
