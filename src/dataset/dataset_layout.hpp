// Finding the labelled MIDI files of a dataset folder, before any MIDI is read.
// Three layouts are recognised (see include/emopiano/dataset.hpp): EMOPIA,
// Q1..Q4 subfolders, and a CSV file of path,label[,split].
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emopiano/dataset.hpp"
#include "emopiano/emotion.hpp"

namespace emopiano::detail {

struct LayoutEntry {
  std::string name;  // unique in the dataset
  std::filesystem::path path;
  Quadrant label = Quadrant::Q1;
  std::optional<Split> split;  // set when the layout names one
  bool labelled = true;
  // Key regions in seconds ("start end Tonic:maj|min" lines, POP909's
  // key_audio.txt); empty when the layout has none.
  std::filesystem::path key_annotation;
};

struct DatasetLayout {
  std::string kind;                  // "emopia", "folders", "csv", "pop909", "unlabelled"
  std::filesystem::path root;        // the folder (or CSV file) the entries came from
  std::vector<LayoutEntry> entries;  // sorted by name
  std::vector<SkippedFile> skipped;  // files left out before reading (no or bad label)
};

// Throws Error(not_found) naming the root when it is missing or holds no
// recognised layout.
DatasetLayout scan_dataset_layout(const std::filesystem::path& root);

// A split drawn from a stable hash of the name: the same name always lands in
// the same split. Throws Error(invalid_argument) for fractions outside [0, 1]
// or summing above 1.
Split split_by_name(std::string_view name, double validation_fraction, double test_fraction);

// Key regions of an annotation file: "start_s end_s Tonic:maj|min" per line
// (POP909's key_audio.txt), as key signatures at the ticks of `score`'s tempo
// map. Throws Error(format) naming the file and line of a malformed line.
std::vector<KeySignature> read_key_annotation(const std::filesystem::path& path, const Score& score);

// True for .mid / .midi (any case).
bool is_midi_path(const std::filesystem::path& path);

}  // namespace emopiano::detail
