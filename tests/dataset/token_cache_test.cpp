#include "dataset/token_cache.hpp"

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "dataset/stable_hash.hpp"
#include "emopiano/error.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"

namespace emopiano::detail {
namespace {

namespace fs = std::filesystem;

TEST(StableHash, MatchesPublishedFnv1a64Vectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(StableHash, FieldsAreLengthPrefixed) {
  EXPECT_NE(fnv1a64_field("c", fnv1a64_field("ab", kFnv64Offset)),
            fnv1a64_field("bc", fnv1a64_field("a", kFnv64Offset)));
}

const uint8_t kBytes[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6};

TEST(TokenCache, KeyDependsOnEveryInput) {
  MidiReadOptions midi;
  uint64_t base = TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, kBytes, sizeof kBytes);
  EXPECT_EQ(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, kBytes, sizeof kBytes));
  EXPECT_NE(base, TokenCache::key("{\"a\":2}", midi, Quadrant::Q1, kBytes, sizeof kBytes));
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q3, kBytes, sizeof kBytes));
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, kBytes, sizeof kBytes - 1));
  uint8_t changed[sizeof kBytes];
  std::copy(kBytes, kBytes + sizeof kBytes, changed);
  changed[7] = 7;
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, changed, sizeof changed));
  MidiReadOptions pedal;
  pedal.apply_sustain_pedal = true;
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", pedal, Quadrant::Q1, kBytes, sizeof kBytes));
  MidiReadOptions drums;
  drums.exclude_drums = false;
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", drums, Quadrant::Q1, kBytes, sizeof kBytes));
  // A new beat tracker may retime the same file differently.
  EXPECT_EQ(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, kBytes, sizeof kBytes, kBeatTrackerVersion));
  EXPECT_NE(base, TokenCache::key("{\"a\":1}", midi, Quadrant::Q1, kBytes, sizeof kBytes, kBeatTrackerVersion + 1));
}

TEST(TokenCache, KeyFollowsTheTokenizerGrid) {
  TokenizerConfig score_grid, tracked_grid;
  score_grid.grid = "score";
  tracked_grid.grid = "tracked";
  EXPECT_NE(TokenCache::key(score_grid.to_json(), {}, Quadrant::Q1, kBytes, sizeof kBytes),
            TokenCache::key(tracked_grid.to_json(), {}, Quadrant::Q1, kBytes, sizeof kBytes));
}

TEST(TokenCache, StoreThenLoadRoundTrips) {
  TokenCache cache(test::temp_dir("cache-rt") / "sub" / "dir");
  ASSERT_TRUE(cache.enabled());
  std::vector<int32_t> ids = {1, 5, 300, -1, 2147483647, 0};
  ASSERT_TRUE(cache.store(42, ids));
  EXPECT_TRUE(fs::exists(cache.entry_path(42)));
  EXPECT_EQ(cache.entry_path(42).filename(), "000000000000002a.tok");
  auto loaded = cache.load(42);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, ids);
  EXPECT_FALSE(cache.load(43).has_value());
  // An empty array is a valid entry too.
  ASSERT_TRUE(cache.store(7, {}));
  ASSERT_TRUE(cache.load(7).has_value());
  EXPECT_TRUE(cache.load(7)->empty());
  // No temporary files left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(cache.dir())) {
    ++files;
    EXPECT_EQ(e.path().extension(), ".tok") << e.path();
  }
  EXPECT_EQ(files, 2);
}

std::vector<char> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_all(const fs::path& p, const std::vector<char>& b) {
  std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

TEST(TokenCache, CorruptEntriesAreIgnored) {
  TokenCache cache(test::temp_dir("cache-corrupt"));
  const std::vector<int32_t> ids = {10, 20, 30, 40};
  ASSERT_TRUE(cache.store(99, ids));
  const auto good = read_all(cache.entry_path(99));
  ASSERT_EQ(good.size(), 4u + 4 + 8 + 8 + 4 * 4 + 8);

  auto expect_ignored = [&](std::vector<char> bytes, const char* what) {
    write_all(cache.entry_path(99), bytes);
    EXPECT_FALSE(cache.load(99).has_value()) << what;
  };
  auto flip = [&](size_t at) {
    auto b = good;
    b[at] ^= 0x40;
    return b;
  };
  expect_ignored(flip(0), "magic");
  expect_ignored(flip(4), "version");
  expect_ignored(flip(8), "key");
  expect_ignored(flip(16), "count");
  expect_ignored(flip(24 + 5), "payload (checksum)");
  expect_ignored(flip(good.size() - 1), "checksum");
  expect_ignored(std::vector<char>(good.begin(), good.end() - 3), "truncated");
  auto longer = good;
  longer.push_back(0);
  expect_ignored(longer, "trailing byte");
  expect_ignored({}, "empty file");
  // A huge count must not allocate or read past the end.
  auto huge = good;
  std::fill(huge.begin() + 16, huge.begin() + 24, static_cast<char>(0xff));
  expect_ignored(huge, "huge count");
  // Storing again repairs the entry.
  ASSERT_TRUE(cache.store(99, ids));
  EXPECT_EQ(cache.load(99), ids);
}

TEST(TokenCache, DisabledCacheNeverHits) {
  TokenCache cache{fs::path()};
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(cache.store(1, {1, 2}));
  EXPECT_FALSE(cache.load(1).has_value());
}

TEST(TokenCache, UncreatableFolderIsAnIoError) {
  auto root = test::temp_dir("cache-bad");
  std::ofstream(root / "file") << "x";
  try {
    TokenCache cache(root / "file" / "cache");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("file/cache"), std::string::npos) << e.what();
  }
}

TEST(TokenCache, DefaultFolderFollowsXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", "/some/where", 1);
  EXPECT_EQ(default_cache_dir(), fs::path("/some/where/emopiano"));
  if (old)
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace emopiano::detail
