#include "dataset/dataset_layout.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include <fmt/core.h>

#include "dataset/csv_table.hpp"
#include "dataset/stable_hash.hpp"
#include "emopiano/error.hpp"

namespace emopiano::detail {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// MIDI files under `dir`, recursively, sorted by path. Unreadable
// subfolders are skipped rather than failing the whole scan.
std::vector<fs::path> midi_files_under(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (is_midi_path(it->path()) && is_file(it->path())) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// "Q3_abc_1" -> Q3: the EMOPIA file name convention.
std::optional<Quadrant> quadrant_from_prefix(std::string_view name) {
  if (name.size() >= 3 && (name[0] == 'Q' || name[0] == 'q') && name[1] >= '1' && name[1] <= '4' && name[2] == '_')
    return static_cast<Quadrant>(name[1] - '1');
  return std::nullopt;
}

std::optional<Split> parse_split(std::string_view text) {
  std::string s = lower(trim(text));
  if (s == "train" || s == "training") return Split::train;
  if (s == "val" || s == "valid" || s == "validation" || s == "dev") return Split::validation;
  if (s == "test") return Split::test;
  return std::nullopt;
}

// Names must be unique: a file name that occurs twice is replaced, in every
// entry that carries it, by the path relative to the root (still without extension).
void assign_unique_names(std::vector<LayoutEntry>& entries, const fs::path& base) {
  std::map<std::string, int> count;
  for (const auto& e : entries) ++count[e.name];
  for (auto& e : entries) {
    if (count[e.name] < 2) continue;
    fs::path rel = e.path.lexically_relative(base);
    if (rel.empty()) rel = e.path;
    e.name = rel.replace_extension().generic_string();
  }
  std::sort(entries.begin(), entries.end(), [](const LayoutEntry& a, const LayoutEntry& b) { return a.name < b.name; });
}

// The EMOPIA folder (the one holding midis/) at or directly under `root`.
std::optional<fs::path> find_emopia_dir(const fs::path& root) {
  if (is_dir(root / "midis")) return root;
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = lower(it->path().filename().string());
    if (n.rfind("emopia", 0) == 0 && is_dir(it->path() / "midis")) candidates.push_back(it->path());
  }
  if (candidates.empty()) return std::nullopt;
  std::sort(candidates.begin(), candidates.end());
  return candidates.back();  // the highest version when several are present
}

DatasetLayout scan_emopia(const fs::path& dir) {
  DatasetLayout layout;
  layout.kind = "emopia";
  layout.root = dir;

  // label.csv: ID,4Q,annotator. IDs are whole file names without .mid (and
  // YouTube ids themselves contain '_', so the name is never split apart).
  struct Label {
    std::string text;
    int line;
  };
  std::map<std::string, Label> labels;
  fs::path label_csv = dir / "label.csv";
  if (is_file(label_csv)) {
    auto rows = read_csv_file(label_csv);
    if (!rows.empty()) {
      size_t id_col = csv_column(rows[0], "ID").value_or(0);
      size_t q_col = csv_column(rows[0], "4Q").value_or(1);
      for (size_t r = 1; r < rows.size(); ++r) {
        const auto& f = rows[r].fields;
        if (f.size() <= std::max(id_col, q_col)) continue;
        std::string id = trim(f[id_col]);
        if (is_midi_path(id)) id = fs::path(id).stem().string();
        labels[id] = {trim(f[q_col]), rows[r].line};
      }
    }
  }

  std::map<std::string, Split> splits;
  const std::pair<Split, const char*> split_files[] = {
      {Split::train, "train_clip.csv"}, {Split::validation, "val_clip.csv"}, {Split::test, "test_clip.csv"}};
  for (const auto& [split, file] : split_files) {
    fs::path csv = dir / "split" / file;
    if (!is_file(csv)) continue;
    auto rows = read_csv_file(csv);
    if (rows.empty()) continue;
    size_t col = csv_column(rows[0], "clip_name").value_or(rows[0].fields.size() - 1);
    for (size_t r = 1; r < rows.size(); ++r) {
      if (rows[r].fields.size() <= col) continue;
      std::string clip = trim(rows[r].fields[col]);
      if (is_midi_path(clip)) clip = fs::path(clip).stem().string();
      splits.emplace(clip, split);
    }
  }

  for (const fs::path& file : midi_files_under(dir / "midis")) {
    LayoutEntry e;
    e.path = file;
    e.name = file.stem().string();
    if (auto it = labels.find(e.name); it != labels.end()) {
      auto q = parse_quadrant(it->second.text);
      if (!q) {
        layout.skipped.push_back({file, fmt::format("{} line {}: label '{}' is not a quadrant (1..4 or Q1..Q4)",
                                                    label_csv.string(), it->second.line, it->second.text)});
        continue;
      }
      e.label = *q;
    } else if (auto q = quadrant_from_prefix(e.name)) {
      e.label = *q;
    } else {
      layout.skipped.push_back({file, "no label: not listed in label.csv and the name does not start with Q1_..Q4_"});
      continue;
    }
    if (auto it = splits.find(e.name); it != splits.end()) e.split = it->second;
    layout.entries.push_back(std::move(e));
  }
  assign_unique_names(layout.entries, dir / "midis");
  return layout;
}

DatasetLayout scan_folders(const fs::path& root, const std::vector<std::pair<fs::path, Quadrant>>& dirs) {
  DatasetLayout layout;
  layout.kind = "folders";
  layout.root = root;
  for (const auto& [dir, q] : dirs)
    for (const fs::path& file : midi_files_under(dir))
      layout.entries.push_back({file.stem().string(), file, q, std::nullopt});
  assign_unique_names(layout.entries, root);
  return layout;
}

// POP909's song folders: NNN/NNN.mid with key_audio.txt beside it, at `dir`.
std::optional<fs::path> find_pop909_dir(const fs::path& root) {
  for (const fs::path& dir : {root, root / "POP909"}) {
    if (is_file(dir / "001" / "001.mid") && is_file(dir / "001" / "key_audio.txt")) return dir;
  }
  return std::nullopt;
}

DatasetLayout scan_pop909(const fs::path& root, const fs::path& dir) {
  DatasetLayout layout;
  layout.kind = "pop909";
  layout.root = root;
  std::error_code ec;
  std::vector<fs::path> songs;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_dir(it->path())) songs.push_back(it->path());
  std::sort(songs.begin(), songs.end());
  for (const fs::path& song : songs) {
    const std::string id = song.filename().string();
    const fs::path midi = song / (id + ".mid");
    if (!is_file(midi)) continue;  // not a song folder
    LayoutEntry e;
    e.name = "pop909_" + id;
    e.path = midi;
    e.labelled = false;
    if (is_file(song / "key_audio.txt")) e.key_annotation = song / "key_audio.txt";
    layout.entries.push_back(std::move(e));
  }
  return layout;
}

DatasetLayout scan_unlabelled(const fs::path& root) {
  DatasetLayout layout;
  layout.kind = "unlabelled";
  layout.root = root;
  for (const fs::path& file : midi_files_under(root)) {
    LayoutEntry e;
    e.name = file.stem().string();
    e.path = file;
    e.labelled = false;
    layout.entries.push_back(std::move(e));
  }
  assign_unique_names(layout.entries, root);
  return layout;
}

DatasetLayout scan_csv(const fs::path& csv) {
  DatasetLayout layout;
  layout.kind = "csv";
  layout.root = csv;
  auto rows = read_csv_file(csv);
  size_t path_col = 0, label_col = 1;
  std::optional<size_t> split_col = 2;
  size_t first = 0;
  // A header is a first row whose second field is no label.
  if (!rows.empty() && (rows[0].fields.size() < 2 || !parse_quadrant(rows[0].fields[1]))) {
    const CsvRow& h = rows[0];
    path_col = csv_column(h, "path").value_or(csv_column(h, "file").value_or(0));
    label_col =
        csv_column(h, "label").value_or(csv_column(h, "emotion").value_or(csv_column(h, "quadrant").value_or(1)));
    split_col = csv_column(h, "split");
    first = 1;
  }
  const fs::path base = csv.parent_path();
  std::map<fs::path, int> seen;  // path -> line that listed it first
  for (size_t r = first; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    const int line = rows[r].line;
    auto where = [&](std::string_view what) { return fmt::format("{} line {}: {}", csv.string(), line, what); };
    std::string rel = f.size() > path_col ? trim(f[path_col]) : "";
    fs::path path = rel.empty() ? fs::path() : (fs::path(rel).is_absolute() ? fs::path(rel) : base / rel);
    if (rel.empty() || f.size() <= label_col) {
      layout.skipped.push_back({path.empty() ? csv : path, where("expected path,label[,split]")});
      continue;
    }
    auto q = parse_quadrant(f[label_col]);
    if (!q) {
      layout.skipped.push_back(
          {path, where(fmt::format("label '{}' is not a quadrant (Q1..Q4, 1..4 or a mood)", trim(f[label_col])))});
      continue;
    }
    std::optional<Split> split;
    if (split_col && f.size() > *split_col && !trim(f[*split_col]).empty()) {
      split = parse_split(f[*split_col]);
      if (!split) {
        layout.skipped.push_back(
            {path, where(fmt::format("split '{}' is not train, val or test", trim(f[*split_col])))});
        continue;
      }
    }
    fs::path key = path.lexically_normal();
    if (auto [it, inserted] = seen.emplace(key, line); !inserted) {
      layout.skipped.push_back({path, where(fmt::format("listed again (first on line {})", it->second))});
      continue;
    }
    layout.entries.push_back({path.stem().string(), path, *q, split});
  }
  assign_unique_names(layout.entries, base);
  return layout;
}

}  // namespace

std::vector<KeySignature> read_key_annotation(const fs::path& path, const Score& score) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read key annotation '{}'", path.string()));
  std::vector<KeySignature> keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    std::istringstream fields(line);
    double start = 0, end = 0;
    std::string label;
    if (!(fields >> start >> end >> label) || !std::isfinite(start) || start < 0)
      throw Error(ErrorCode::format, fmt::format("{} line {}: expected 'start end Tonic:maj|min', got '{}'",
                                                 path.string(), number, trim(line)));
    const size_t colon = label.find(':');
    std::optional<MusicalKey> key;
    if (colon != std::string::npos) key = MusicalKey::parse(label.substr(0, colon) + " " + label.substr(colon + 1));
    if (!key)
      throw Error(ErrorCode::format,
                  fmt::format("{} line {}: '{}' is not a key (e.g. 'Eb:maj', 'A:min')", path.string(), number, label));
    keys.push_back({score.seconds_to_tick(start), key->tonic, key->major});
  }
  if (!keys.empty()) keys.front().tick = 0;  // the first region's key opens the piece
  return keys;
}

bool is_midi_path(const fs::path& path) {
  std::string ext = lower(path.extension().string());
  return ext == ".mid" || ext == ".midi";
}

Split split_by_name(std::string_view name, double validation_fraction, double test_fraction) {
  auto ok = [](double f) { return std::isfinite(f) && f >= 0.0 && f <= 1.0; };
  if (!ok(validation_fraction) || !ok(test_fraction) || validation_fraction + test_fraction > 1.0)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("split fractions validation {} and test {} must each be in [0, 1] and "
                            "sum to at most 1",
                            validation_fraction, test_fraction));
  // Top 53 bits of the hash as a uniform number in [0, 1).
  double x = static_cast<double>(mix64(fnv1a64(name)) >> 11) * 0x1.0p-53;
  if (x < test_fraction) return Split::test;
  if (x < test_fraction + validation_fraction) return Split::validation;
  return Split::train;
}

DatasetLayout scan_dataset_layout(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(root, ec))
    throw Error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", root.string()));
  if (is_file(root)) return scan_csv(root);
  if (auto dir = find_emopia_dir(root)) return scan_emopia(*dir);

  std::vector<std::pair<fs::path, Quadrant>> quadrant_dirs;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_dir(it->path())) continue;
    if (auto q = parse_quadrant(it->path().filename().string())) quadrant_dirs.emplace_back(it->path(), *q);
  }
  if (!quadrant_dirs.empty()) {
    std::sort(quadrant_dirs.begin(), quadrant_dirs.end());
    return scan_folders(root, quadrant_dirs);
  }
  if (auto dir = find_pop909_dir(root)) return scan_pop909(root, *dir);
  DatasetLayout unlabelled = scan_unlabelled(root);
  if (!unlabelled.entries.empty()) return unlabelled;
  throw Error(ErrorCode::not_found,
              fmt::format("'{}' holds no recognised dataset layout: expected an EMOPIA folder "
                          "(midis/ with label.csv), Q1/ Q2/ Q3/ Q4/ subfolders of MIDI files, a "
                          "CSV file of path,label[,split], POP909's song folders, or any MIDI files "
                          "(unlabelled)",
                          root.string()));
}

}  // namespace emopiano::detail
