#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

mode_t file_mode(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Sets the umask for one scope.
struct UmaskScope {
  explicit UmaskScope(mode_t mask) : old(::umask(mask)) {}
  ~UmaskScope() { ::umask(old); }
  mode_t old;
};

TEST(AtomicFile, ModeFollowsTheUmask) {
  const auto dir = test::temp_dir("atomic-mode");
  {
    UmaskScope scope(022);
    detail::write_file_atomically(dir / "a", "x");
    EXPECT_EQ(file_mode(dir / "a"), 0644u);
  }
  {
    UmaskScope scope(002);
    detail::write_file_atomically(dir / "b", "x");
    EXPECT_EQ(file_mode(dir / "b"), 0664u);
  }
  {
    UmaskScope scope(077);
    detail::write_file_atomically(dir / "c", "x", /*sync=*/false);
    EXPECT_EQ(file_mode(dir / "c"), 0600u);
  }
}

TEST(AtomicFile, ReplacesTheOldFileAndLeavesNoTemporary) {
  const auto dir = test::temp_dir("atomic-replace");
  detail::write_file_atomically(dir / "f", "first");
  detail::write_file_atomically(dir / "f", "second, longer");
  EXPECT_EQ(detail::read_file_bytes(dir / "f"), "second, longer");
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, MissingDirectoryIsIoErrorNamingThePath) {
  const auto path = test::temp_dir("atomic-missing") / "no" / "such" / "f";
  try {
    detail::write_file_atomically(path, "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, SyncDirectoryOfAMissingDirectoryIsIoError) {
  try {
    detail::sync_directory(test::temp_dir("atomic-sync") / "gone");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
  }
  EXPECT_NO_THROW(detail::sync_directory(test::temp_dir("atomic-sync-ok")));
}

}  // namespace
}  // namespace emopiano
