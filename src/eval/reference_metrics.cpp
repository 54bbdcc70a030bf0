// Labelled files and the metrics of real clips per quadrant.
#include <algorithm>
#include <chrono>
#include <system_error>

#include <fmt/core.h>

#include "emopiano/beats.hpp"
#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"
#include "emopiano/midi.hpp"

namespace emopiano {

namespace fs = std::filesystem;

std::optional<Quadrant> quadrant_from_path(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.size() > 3 && name[0] == 'Q' && name[2] == '_')
    if (auto q = parse_quadrant(name.substr(0, 2))) return q;
  const std::string parent = path.parent_path().filename().string();
  if (parent.size() == 2 && parent[0] == 'Q')
    if (auto q = parse_quadrant(parent)) return q;
  return std::nullopt;
}

std::vector<std::pair<fs::path, Quadrant>> labelled_midi_files(const fs::path& root) {
  std::vector<std::pair<fs::path, Quadrant>> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext != ".mid" && ext != ".midi") continue;
    if (auto q = quadrant_from_path(it->path())) out.emplace_back(it->path(), *q);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::array<MetricsSummary, 4> reference_metrics(const fs::path& root, const ProgressCallback& progress,
                                                const CancelToken& cancel) {
  const auto files = labelled_midi_files(root);
  if (files.empty())
    throw Error(ErrorCode::not_found,
                fmt::format("{}: no labelled MIDI files (Q1_ name prefixes or Q1..Q4 folders)", root.string()));
  std::array<std::vector<MusicMetrics>, 4> per;
  const auto started = std::chrono::steady_clock::now();
  for (size_t i = 0; i < files.size(); ++i) {
    if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "reference metrics cancelled");
    try {
      // Performances stored at a nominal tempo are measured on their tracked
      // beats, as the tokenizer's "auto" grid reads them: their bars and
      // tempo are then the music's own.
      Score score = read_midi_file(files[i].first);
      if (is_unaligned(score)) score = retime(score, track_beats(score));
      per[static_cast<int>(files[i].second)].push_back(compute_metrics(score));
    } catch (const Error&) {
      // An unreadable clip is left out of the reference, as 'emopiano metrics' does.
    }
    if (progress) {
      ProgressInfo info{"reference", static_cast<int64_t>(i + 1), static_cast<int64_t>(files.size()),
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), ""};
      if (!progress(info)) throw Error(ErrorCode::cancelled, "reference metrics cancelled");
    }
  }
  std::array<MetricsSummary, 4> out;
  for (int q = 0; q < 4; ++q) out[q] = summarize_metrics(per[q]);
  return out;
}

}  // namespace emopiano
