// Dataset::load end to end: real MIDI files written here, read, tokenized,
// cached, split, with failures skipped and cancellation honoured.
#include "emopiano/dataset.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "dataset/dataset_layout.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

// A short melody whose notes depend on `seed`, so every file tokenizes differently.
Score melody(int seed, int notes = 8) {
  Score s;
  s.ticks_per_beat = 480;
  for (int i = 0; i < notes; ++i) {
    Note n;
    n.pitch = 48 + (seed * 7 + i * 5) % 36;
    n.velocity = 40 + (seed * 13 + i * 11) % 80;
    n.start_tick = i * 240;
    n.end_tick = n.start_tick + 240 + 120 * (seed % 3);
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  return s;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Q1..Q4 folders with two valid files each.
fs::path make_folders(const std::string& tag) {
  fs::path root = test::temp_dir(tag);
  for (int q = 1; q <= 4; ++q)
    for (int k = 0; k < 2; ++k) {
      fs::create_directories(root / ("Q" + std::to_string(q)));
      write_midi_file(melody(q * 10 + k),
                      root / ("Q" + std::to_string(q)) / ("piece" + std::to_string(q) + std::to_string(k) + ".mid"));
    }
  return root;
}

DatasetOptions options_with_cache(const fs::path& cache, int threads = 2) {
  DatasetOptions o;
  o.cache_dir = cache;
  o.threads = threads;
  return o;
}

std::vector<int32_t> direct_tokens(const fs::path& file, Quadrant q, const TokenizerConfig& config = {}) {
  return Tokenizer::create(config)->encode(read_midi_file(file), q);
}

TEST(Dataset, FoldersLayoutTokenizesEveryFileWithItsEmotion) {
  fs::path root = make_folders("ds-folders");
  Dataset ds = Dataset::load(root, options_with_cache("none"));
  EXPECT_EQ(ds.layout(), "folders");
  ASSERT_EQ(ds.items().size(), 8u);
  EXPECT_TRUE(ds.skipped().empty());
  EXPECT_EQ(ds.cache_hits(), 0);
  auto tok = Tokenizer::create();
  int64_t total = 0;
  for (const auto& item : ds.items()) {
    EXPECT_EQ(item.label, static_cast<Quadrant>(item.name[5] - '1')) << item.name;
    ASSERT_GE(item.tokens.size(), 3u);
    EXPECT_EQ(item.tokens[0], tok->bos_id());
    EXPECT_EQ(item.tokens[1], tok->emotion_id(item.label));
    EXPECT_EQ(item.tokens.back(), tok->eos_id());
    EXPECT_EQ(item.tokens, direct_tokens(item.path, item.label)) << item.name;
    EXPECT_EQ(item.split, detail::split_by_name(item.name, 0.1, 0.1));
    total += static_cast<int64_t>(item.tokens.size());
  }
  EXPECT_EQ(ds.total_tokens(), total);
  size_t in_splits = ds.split(Split::train).size() + ds.split(Split::validation).size() + ds.split(Split::test).size();
  EXPECT_EQ(in_splits, 8u);
}

TEST(Dataset, OrderAndTokensDoNotDependOnThreadCount) {
  fs::path root = make_folders("ds-threads");
  Dataset one = Dataset::load(root, options_with_cache("none", 1));
  Dataset four = Dataset::load(root, options_with_cache("none", 4));
  Dataset all = Dataset::load(root, options_with_cache("none", 0));
  ASSERT_EQ(one.items().size(), four.items().size());
  ASSERT_EQ(one.items().size(), all.items().size());
  for (size_t i = 0; i < one.items().size(); ++i) {
    EXPECT_EQ(one.items()[i].name, four.items()[i].name);
    EXPECT_EQ(one.items()[i].tokens, four.items()[i].tokens);
    EXPECT_EQ(one.items()[i].tokens, all.items()[i].tokens);
    if (i > 0) EXPECT_LT(one.items()[i - 1].name, one.items()[i].name);
  }
}

TEST(Dataset, CorruptMidiIsSkippedWithReason) {
  fs::path root = make_folders("ds-corrupt");
  write_bytes(root / "Q2" / "broken.mid", "MThd\x00\x00\x00\x06garbage");
  write_bytes(root / "Q3" / "empty.mid", "");
  Dataset ds = Dataset::load(root, options_with_cache("none"));
  EXPECT_EQ(ds.items().size(), 8u);
  ASSERT_EQ(ds.skipped().size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& s : ds.skipped()) reasons[s.path.filename().string()] = s.reason;
  ASSERT_TRUE(reasons.count("broken.mid"));
  ASSERT_TRUE(reasons.count("empty.mid"));
  EXPECT_NE(reasons["broken.mid"].find("broken.mid"), std::string::npos) << reasons["broken.mid"];
  EXPECT_NE(reasons["empty.mid"].find("empty.mid"), std::string::npos) << reasons["empty.mid"];
}

TEST(Dataset, CsvLayoutSkipsBadLabelAndMissingFile) {
  fs::path root = test::temp_dir("ds-csv");
  write_midi_file(melody(1), root / "a.mid");
  write_midi_file(melody(2), root / "b.mid");
  write_bytes(root / "list.csv", "path,label,split\na.mid,Q2,test\nb.mid,Q9,train\nmissing.mid,1,train\n");
  Dataset ds = Dataset::load(root / "list.csv", options_with_cache("none"));
  EXPECT_EQ(ds.layout(), "csv");
  ASSERT_EQ(ds.items().size(), 1u);
  EXPECT_EQ(ds.items()[0].name, "a");
  EXPECT_EQ(ds.items()[0].label, Quadrant::Q2);
  EXPECT_EQ(ds.items()[0].split, Split::test);
  ASSERT_EQ(ds.skipped().size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& s : ds.skipped()) reasons[s.path.filename().string()] = s.reason;
  EXPECT_NE(reasons["b.mid"].find("label 'Q9'"), std::string::npos) << reasons["b.mid"];
  EXPECT_NE(reasons["missing.mid"].find("missing.mid"), std::string::npos) << reasons["missing.mid"];
}

TEST(Dataset, SecondLoadIsServedFromTheCache) {
  fs::path root = make_folders("ds-cache");
  fs::path cache = test::temp_dir("ds-cache-dir");
  Dataset cold = Dataset::load(root, options_with_cache(cache));
  EXPECT_EQ(cold.cache_hits(), 0);
  int entries = 0;
  for (auto& e : fs::directory_iterator(cache)) entries += e.path().extension() == ".tok";
  EXPECT_EQ(entries, 8);
  Dataset warm = Dataset::load(root, options_with_cache(cache));
  EXPECT_EQ(warm.cache_hits(), 8);
  ASSERT_EQ(warm.items().size(), cold.items().size());
  for (size_t i = 0; i < warm.items().size(); ++i) EXPECT_EQ(warm.items()[i].tokens, cold.items()[i].tokens);
}

TEST(Dataset, CacheMissesWhenTheFileChanges) {
  fs::path root = make_folders("ds-cache-file");
  fs::path cache = test::temp_dir("ds-cache-file-dir");
  Dataset::load(root, options_with_cache(cache));
  fs::path changed = root / "Q3" / "piece30.mid";
  write_midi_file(melody(99, 12), changed);
  Dataset ds = Dataset::load(root, options_with_cache(cache));
  EXPECT_EQ(ds.cache_hits(), 7);
  auto it = std::find_if(ds.items().begin(), ds.items().end(), [](auto& i) { return i.name == "piece30"; });
  ASSERT_NE(it, ds.items().end());
  EXPECT_EQ(it->tokens, direct_tokens(changed, Quadrant::Q3));
}

TEST(Dataset, CacheMissesWhenTheTokenizerConfigOrReadOptionsChange) {
  fs::path root = make_folders("ds-cache-config");
  fs::path cache = test::temp_dir("ds-cache-config-dir");
  Dataset::load(root, options_with_cache(cache));
  DatasetOptions finer = options_with_cache(cache);
  finer.tokenizer.positions_per_beat = 8;
  Dataset ds = Dataset::load(root, finer);
  EXPECT_EQ(ds.cache_hits(), 0);
  for (const auto& item : ds.items()) EXPECT_EQ(item.tokens, direct_tokens(item.path, item.label, finer.tokenizer));
  EXPECT_EQ(Dataset::load(root, finer).cache_hits(), 8);
  DatasetOptions pedal = options_with_cache(cache);
  pedal.midi.apply_sustain_pedal = true;
  EXPECT_EQ(Dataset::load(root, pedal).cache_hits(), 0);
}

TEST(Dataset, CorruptCacheEntriesAreIgnoredAndRebuilt) {
  fs::path root = make_folders("ds-cache-corrupt");
  fs::path cache = test::temp_dir("ds-cache-corrupt-dir");
  Dataset cold = Dataset::load(root, options_with_cache(cache));
  // Same length, wrong bytes: only the checks can tell.
  for (auto& e : fs::directory_iterator(cache)) {
    auto size = fs::file_size(e.path());
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << std::string(size, '\x07');
  }
  Dataset ds = Dataset::load(root, options_with_cache(cache));
  EXPECT_EQ(ds.cache_hits(), 0);
  for (size_t i = 0; i < ds.items().size(); ++i) EXPECT_EQ(ds.items()[i].tokens, cold.items()[i].tokens);
  EXPECT_EQ(Dataset::load(root, options_with_cache(cache)).cache_hits(), 8);
}

TEST(Dataset, ReportsTokenizeProgressUpToTotal) {
  fs::path root = make_folders("ds-progress");
  DatasetOptions o = options_with_cache("none");
  std::vector<ProgressInfo> seen;
  o.progress = [&](const ProgressInfo& p) {
    seen.push_back(p);
    return true;
  };
  Dataset::load(root, o);
  ASSERT_FALSE(seen.empty());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].stage, "tokenize");
    EXPECT_EQ(seen[i].total, 8);
    if (i > 0) EXPECT_GE(seen[i].done, seen[i - 1].done);
  }
  EXPECT_EQ(seen.back().done, 8);
}

TEST(Dataset, CancelTokenStopsLoading) {
  fs::path root = make_folders("ds-cancel-token");
  DatasetOptions o = options_with_cache("none");
  o.cancel.cancel();
  try {
    Dataset::load(root, o);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled) << e.what();
  }
  // Cancelled from inside the work, as another thread would.
  DatasetOptions mid = options_with_cache("none", 1);
  mid.progress = [&](const ProgressInfo& p) {
    if (p.done >= 2) mid.cancel.cancel();
    return true;
  };
  try {
    Dataset::load(root, mid);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled) << e.what();
  }
}

TEST(Dataset, ProgressCallbackReturningFalseCancels) {
  fs::path root = make_folders("ds-cancel-callback");
  DatasetOptions o = options_with_cache("none", 1);
  int calls = 0;
  o.progress = [&](const ProgressInfo& p) {
    ++calls;
    return p.done < 1;
  };
  try {
    Dataset::load(root, o);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
    EXPECT_NE(std::string(e.what()).find("cancelled after"), std::string::npos) << e.what();
  }
  EXPECT_GE(calls, 2);
}

TEST(Dataset, MissingRootIsNotFoundAndBadOptionsAreInvalid) {
  try {
    Dataset::load(test::temp_dir("ds-missing") / "nope", options_with_cache("none"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
  DatasetOptions bad = options_with_cache("none");
  bad.validation_fraction = 0.9;
  bad.test_fraction = 0.5;
  try {
    Dataset::load(make_folders("ds-badopt"), bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

TEST(Dataset, SplitNames) {
  EXPECT_STREQ(split_name(Split::train), "train");
  EXPECT_STREQ(split_name(Split::validation), "validation");
  EXPECT_STREQ(split_name(Split::test), "test");
}

TEST(Dataset, RealEmopiaCountsSplitsAndLabels) {
  EMOPIANO_NEED_EMOPIA();
  DatasetOptions o = options_with_cache(test::temp_dir("ds-emopia-cache"), 0);
  Dataset ds = Dataset::load(test::emopia_dir(), o);
  EXPECT_EQ(ds.layout(), "emopia");
  for (const auto& s : ds.skipped()) ADD_FAILURE() << s.path << ": " << s.reason;
  ASSERT_EQ(ds.items().size(), 1078u);
  EXPECT_EQ(ds.split(Split::train).size(), 876u);
  EXPECT_EQ(ds.split(Split::validation).size(), 114u);
  EXPECT_EQ(ds.split(Split::test).size(), 88u);
  std::map<Quadrant, int> per_q;
  std::set<std::string> names;
  for (const auto& item : ds.items()) {
    ++per_q[item.label];
    names.insert(item.name);
    EXPECT_EQ(item.name.substr(0, 2), quadrant_name(item.label)) << item.name;
    EXPECT_GT(item.tokens.size(), 10u) << item.name;
  }
  EXPECT_EQ(names.size(), 1078u);
  EXPECT_EQ(per_q[Quadrant::Q1], 250);
  EXPECT_EQ(per_q[Quadrant::Q2], 265);
  EXPECT_EQ(per_q[Quadrant::Q3], 253);
  EXPECT_EQ(per_q[Quadrant::Q4], 310);
  // The same folder named by its EMOPIA_1.0 path, now from the cache.
  Dataset again = Dataset::load(test::emopia_dir() / "EMOPIA_1.0", o);
  EXPECT_EQ(again.cache_hits(), 1078);
  EXPECT_EQ(again.total_tokens(), ds.total_tokens());
}

}  // namespace
}  // namespace emopiano
