#include "core/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::detail {

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool sync) {
  std::random_device rd;
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp-{:08x}{:08x}", rd(), rd());
  // 0666: the umask decides, as for any file a program creates.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw Error(ErrorCode::io, fmt::format("{}: cannot create ({})", path.string(), std::strerror(errno)));
  const char* p = bytes.data();
  size_t left = bytes.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  int saved = errno;
  // fsync so a crash right after the rename cannot leave an empty file behind.
  if (ok && sync && ::fsync(fd) != 0) {
    ok = false;
    saved = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::io, fmt::format("{}: cannot write ({})", path.string(), std::strerror(saved)));
  }
  // The rename lives in the directory: without this a power loss can undo it.
  if (sync) sync_directory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

void sync_directory(const std::filesystem::path& dir) {
  const std::filesystem::path d = dir.empty() ? std::filesystem::path(".") : dir;
  int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw Error(ErrorCode::io,
                fmt::format("{}: cannot open the directory to sync it ({})", d.string(), std::strerror(errno)));
  int rc = ::fsync(fd);
  // Some file systems cannot sync a directory (EINVAL): nothing more can be done there.
  const int saved = errno;
  ::close(fd);
  if (rc != 0 && saved != EINVAL && saved != EROFS)
    throw Error(ErrorCode::io, fmt::format("{}: cannot sync the directory ({})", d.string(), std::strerror(saved)));
}

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const char* why = std::filesystem::exists(path, ec) ? "cannot open" : "no such file";
    throw Error(ErrorCode::io, fmt::format("{}: {}", path.string(), why));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::io, fmt::format("{}: read error", path.string()));
  return bytes;
}

}  // namespace emopiano::detail
