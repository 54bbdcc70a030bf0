// A MIDI collection, labelled or not, tokenized and cached.
// Layouts recognised under the root folder:
//  - EMOPIA: midis/Q{q}_{id}_{clip}.mid (labels from label.csv or the name
//    prefix), official split from split/{train,val,test}_clip.csv; the root may
//    also be the folder that holds EMOPIA_1.0/;
//  - Q1/ Q2/ Q3/ Q4/ subfolders of MIDI files (no split: one is drawn by hash);
//  - a CSV file `path,label` (paths relative to the CSV; label Q1..Q4 or 1..4,
//    optional third column split);
//  - POP909: NNN/NNN.mid song folders (the root or its POP909/ folder), each
//    with key_audio.txt; unlabelled (material for pre-training), the three
//    piano tracks read as one part, keys from the annotation;
//  - any other folder of MIDI files: unlabelled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emopiano/emotion.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/progress.hpp"
#include "emopiano/tokenizer.hpp"

namespace emopiano {

enum class Split : int { train = 0, validation = 1, test = 2 };
const char* split_name(Split s) noexcept;

struct DatasetItem {
  std::string name;  // file name without extension, unique in the dataset
  std::filesystem::path path;
  Quadrant label = Quadrant::Q1;  // meaningful only when `labelled`
  bool labelled = true;           // false: no emotion (pre-training material)
  Split split = Split::train;
  std::vector<int32_t> tokens;  // tokenizer.encode(score, label or none)
};

struct SkippedFile {
  std::filesystem::path path;
  std::string reason;
};

struct DatasetOptions {
  TokenizerConfig tokenizer;
  MidiReadOptions midi;
  // Token arrays are cached here, keyed by tokenizer config and file contents.
  // Empty: $XDG_CACHE_HOME/emopiano or ~/.cache/emopiano. "none": no cache.
  std::filesystem::path cache_dir;
  int threads = 0;  // 0 = all cores
  // Layouts without an official split: fraction of files for validation and test.
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  ProgressCallback progress;  // stage "tokenize"
  CancelToken cancel;
};

class Dataset {
 public:
  // Scans, reads and tokenizes. Throws Error(not_found) when the root holds no
  // recognised layout, Error(cancelled) when cancelled. Files that fail to read
  // are skipped and listed in skipped().
  static Dataset load(const std::filesystem::path& root, const DatasetOptions& options = {});

  const std::vector<DatasetItem>& items() const noexcept { return items_; }
  const std::vector<SkippedFile>& skipped() const noexcept { return skipped_; }
  std::vector<const DatasetItem*> split(Split s) const;
  std::string layout() const { return layout_; }  // "emopia", "folders", "csv", "pop909", "unlabelled"
  int64_t cache_hits() const noexcept { return cache_hits_; }
  int64_t total_tokens() const noexcept;

 private:
  std::vector<DatasetItem> items_;
  std::vector<SkippedFile> skipped_;
  std::string layout_;
  int64_t cache_hits_ = 0;
};

}  // namespace emopiano
