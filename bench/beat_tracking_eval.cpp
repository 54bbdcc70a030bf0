// The beat tracker against ground truth, and what it makes of EMOPIA.
//
//   beat_tracking_eval pop909 POP909_DIR [--songs N] [--per-song FILE]
//                      [--prior-bpm B] [--prior-octaves O] [--tightness T]
//     Every song NNN/NNN.mid is de-aligned the way a transcribed performance
//     is stored: rendered at one nominal tempo (120 BPM) with a slow random
//     tempo drift of up to +-8% and onset jitter of sigma = 15 ms (seeded by
//     the song number). The tracker then finds its beats and downbeats, which
//     are scored against beat_midi.txt (moved by the same drift) with the
//     beat F-measure of mir_eval (+-70 ms, first 5 s left out), for beats and
//     for downbeats. Prints mean and median over the songs, and the means
//     over the development songs 001-300 (the beat level was fitted on them)
//     and the held-out songs 301-909.
//
//   beat_tracking_eval emopia MIDIS_DIR
//     Tracks every clip: tempo per quadrant, metre, and the concentration of
//     onsets at the beat (Rayleigh R) at the nominal beat and after retiming.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "beat/beat_f_measure.hpp"
#include "emopiano/beats.hpp"
#include "emopiano/midi.hpp"

namespace fs = std::filesystem;
using namespace emopiano;

namespace {

constexpr double kNominalBpm = 120.0;
constexpr double kDrift = 0.08;
constexpr double kJitter = 0.015;
constexpr double kSkip = 5.0;  // mir_eval.beat.evaluate leaves out the first 5 s
constexpr unsigned kLastDevelopmentSong = 300;

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Performance time of score time t: the tempo factor is 1 + 8% times a sum
// of three slow sinusoids (periods 40 to 160 s) scaled into [-1, 1].
class Drift {
 public:
  explicit Drift(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> period(40.0, 160.0), phase(0.0, 2 * M_PI);
    for (int k = 0; k < 3; ++k) parts_.push_back({2 * M_PI / period(rng), phase(rng)});
  }
  double factor(double t) const {
    double s = 0;
    for (const auto& p : parts_) s += std::sin(p.first * t + p.second);
    return 1.0 + kDrift * s / static_cast<double>(parts_.size());
  }
  // Integrates 1 / factor in 10 ms steps, cached up to the largest time asked.
  double performed(double t) {
    const double step = 0.01;
    while (static_cast<double>(table_.size() - 1) * step < t + step) {
      const double u = static_cast<double>(table_.size() - 1) * step;
      table_.push_back(table_.back() + step / factor(u + step / 2));
    }
    const double x = std::max(0.0, t) / step;
    const size_t i = static_cast<size_t>(x);
    return table_[i] + (table_[i + 1] - table_[i]) * (x - static_cast<double>(i));
  }

 private:
  std::vector<std::pair<double, double>> parts_;
  std::vector<double> table_{0.0};
};

int64_t nominal_tick(double seconds) { return std::llround(std::max(0.0, seconds) * kNominalBpm / 60.0 * 480.0); }

Score de_align(const Score& song, Drift& drift, std::mt19937& rng) {
  std::normal_distribution<double> jitter(0.0, kJitter);
  Score out;
  out.ticks_per_beat = 480;
  out.tempos = {{0, 0.0, kNominalBpm}};
  out.time_signatures = {{0, 4, 4}};
  for (Note n : song.notes) {
    const double on = drift.performed(n.start_seconds) + jitter(rng);
    const double length = drift.performed(n.end_seconds) - drift.performed(n.start_seconds);
    n.start_tick = nominal_tick(on);
    n.end_tick = std::max(n.start_tick, nominal_tick(on + length));
    out.notes.push_back(n);
  }
  for (PedalEvent p : song.pedal) {
    p.tick = nominal_tick(drift.performed(p.seconds) + jitter(rng));
    out.pedal.push_back(p);
  }
  out.normalize();
  out.update_seconds();
  return out;
}

int run_pop909(const fs::path& root, int max_songs, const std::string& per_song_path,
               const BeatTrackingOptions& options) {
  std::vector<fs::path> songs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::exists(e.path() / "beat_midi.txt")) songs.push_back(e.path());
  std::sort(songs.begin(), songs.end());
  if (max_songs > 0 && songs.size() > static_cast<size_t>(max_songs)) songs.resize(static_cast<size_t>(max_songs));
  std::ofstream per_song;
  if (!per_song_path.empty()) per_song.open(per_song_path);

  std::vector<double> beat_f, downbeat_f, nominal_f, tempo_ratio;
  // The beat level's weights were fitted on songs 001-300 (src/beat/beat_level.cpp).
  std::vector<double> dev_beat_f, dev_downbeat_f, held_beat_f, held_downbeat_f;
  int triple = 0, octave_errors = 0;
  double tracking_seconds = 0, music_seconds = 0;
  for (const auto& dir : songs) {
    const std::string name = dir.filename().string();
    const Score song = read_midi_file(dir / (name + ".mid"));
    std::vector<double> beats, downbeats;
    std::ifstream in(dir / "beat_midi.txt");
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      double t, two, four;
      if (!(fields >> t >> two >> four)) continue;
      beats.push_back(t);
      if (four > 0.5) downbeats.push_back(t);
    }
    const unsigned seed = static_cast<unsigned>(std::stoul(name));
    Drift drift(seed);
    std::mt19937 rng(seed);
    const Score performance = de_align(song, drift, rng);
    for (double& t : beats) t = drift.performed(t);
    for (double& t : downbeats) t = drift.performed(t);

    const auto start = std::chrono::steady_clock::now();
    const BeatMap map = track_beats(performance, options);
    tracking_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    music_seconds += performance.duration_seconds();

    std::vector<double> nominal;  // the file's own grid: what an untracked tokenizer would use
    for (double t = 0; t < performance.duration_seconds(); t += 60.0 / kNominalBpm) nominal.push_back(t);
    beat_f.push_back(beat::beat_f_measure(beats, map.beats, 0.07, kSkip));
    downbeat_f.push_back(beat::beat_f_measure(downbeats, map.downbeat_times(), 0.07, kSkip));
    nominal_f.push_back(beat::beat_f_measure(beats, nominal, 0.07, kSkip));
    (seed <= kLastDevelopmentSong ? dev_beat_f : held_beat_f).push_back(beat_f.back());
    (seed <= kLastDevelopmentSong ? dev_downbeat_f : held_downbeat_f).push_back(downbeat_f.back());
    const double true_bpm = 60.0 / median([&] {
                              std::vector<double> d;
                              for (size_t i = 1; i < beats.size(); ++i) d.push_back(beats[i] - beats[i - 1]);
                              return d;
                            }());
    const double found_bpm = median(map.bpm);
    tempo_ratio.push_back(found_bpm / true_bpm);
    if (std::abs(std::log2(found_bpm / true_bpm)) > 0.4) ++octave_errors;
    if (map.metre == 3) ++triple;
    int clusters = 0;
    double last = -1;
    for (const auto& n : performance.notes)
      if (n.start_seconds - last > 0.05) ++clusters, last = n.start_seconds;
    if (per_song)
      per_song << fmt::format(
          "{} beat_f {:.3f} downbeat_f {:.3f} true_bpm {:.1f} found_bpm {:.1f} metre {} opb {:.2f}\n", name,
          beat_f.back(), downbeat_f.back(), true_bpm, found_bpm, map.metre,
          clusters / static_cast<double>(beats.size()));
  }

  fmt::print("POP909, {} songs de-aligned (120 BPM nominal, drift up to +-{:.0f}%, jitter {:.0f} ms)\n\n", songs.size(),
             kDrift * 100, kJitter * 1000);
  fmt::print("| measure | mean | median |\n|---|---|---|\n");
  fmt::print("| beat F-measure (+-70 ms) | {:.3f} | {:.3f} |\n", mean(beat_f), median(beat_f));
  fmt::print("| downbeat F-measure (+-70 ms) | {:.3f} | {:.3f} |\n", mean(downbeat_f), median(downbeat_f));
  fmt::print("| beat F-measure of the nominal 120 BPM grid (no tracking) | {:.3f} | {:.3f} |\n", mean(nominal_f),
             median(nominal_f));
  fmt::print("| tracked / true tempo | {:.3f} | {:.3f} |\n\n", mean(tempo_ratio), median(tempo_ratio));
  fmt::print("| songs | count | beat F mean | downbeat F mean |\n|---|---|---|---|\n");
  fmt::print("| 001-{:03d} (development: the beat level was fitted on these) | {} | {:.3f} | {:.3f} |\n",
             kLastDevelopmentSong, dev_beat_f.size(), mean(dev_beat_f), mean(dev_downbeat_f));
  fmt::print("| {:03d}-909 (held out) | {} | {:.3f} | {:.3f} |\n\n", kLastDevelopmentSong + 1, held_beat_f.size(),
             mean(held_beat_f), mean(held_downbeat_f));
  fmt::print("songs with beat F >= 0.85: {}; tempo off by an octave or more (x2, /2, x1.5): {}; metre 3 found: {}\n",
             std::count_if(beat_f.begin(), beat_f.end(), [](double f) { return f >= 0.85; }), octave_errors, triple);
  fmt::print("tracking time: {:.2f} s for {:.0f} s of music\n", tracking_seconds, music_seconds);
  return 0;
}

int run_emopia(const fs::path& midis) {
  std::map<std::string, std::vector<double>> bpm, before, after, before2, after2;
  std::map<std::string, int> clips, unaligned, triple;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(midis))
    if (e.path().extension() == ".mid") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string q = path.filename().string().substr(0, 2);
    const Score score = read_midi_file(path);
    const BeatMap map = track_beats(score);
    if (map.beats.size() < 2) continue;
    const Score retimed = retime(score, map);
    for (const std::string& key : {q, std::string("all")}) {
      ++clips[key];
      unaligned[key] += is_unaligned(score);
      triple[key] += map.metre == 3;
      bpm[key].push_back(median(map.bpm));
      before[key].push_back(beat_phase_concentration(score, 1));
      after[key].push_back(beat_phase_concentration(retimed, 1));
      before2[key].push_back(beat_phase_concentration(score, 2));
      after2[key].push_back(beat_phase_concentration(retimed, 2));
    }
  }
  fmt::print("EMOPIA, {} clips: tracked tempo (median of each clip's beats) and onset concentration\n\n", clips["all"]);
  fmt::print(
      "| quadrant | clips | tempo mean BPM | tempo median BPM | metre 3 | unaligned | R beat: nominal 0.5 s -> tracked "
      "| R eighth: nominal -> tracked |\n");
  fmt::print("|---|---|---|---|---|---|---|---|\n");
  for (const std::string key : {"Q1", "Q2", "Q3", "Q4", "all"})
    fmt::print("| {} | {} | {:.1f} | {:.1f} | {} | {} | {:.3f} -> {:.3f} | {:.3f} -> {:.3f} |\n", key, clips[key],
               mean(bpm[key]), median(bpm[key]), triple[key], unaligned[key], median(before[key]), median(after[key]),
               median(before2[key]), median(after2[key]));
  fmt::print("\n(R: median over clips of the Rayleigh resultant length of onset phases, chord notes counted once)\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s pop909 POP909_DIR [--songs N] [--per-song FILE] [--prior-bpm B]\n"
                 "         [--prior-octaves O] [--tightness T]\n       %s emopia MIDIS_DIR\n",
                 argv[0], argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  try {
    if (mode == "pop909") {
      int songs = 0;
      std::string per_song;
      BeatTrackingOptions options;
      for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--songs")
          songs = std::stoi(argv[i + 1]);
        else if (flag == "--per-song")
          per_song = argv[i + 1];
        else if (flag == "--prior-bpm")
          options.prior_bpm = std::stod(argv[i + 1]);
        else if (flag == "--prior-octaves")
          options.prior_octaves = std::stod(argv[i + 1]);
        else if (flag == "--tightness")
          options.tightness = std::stod(argv[i + 1]);
        else
          throw std::invalid_argument("unknown option " + flag);
      }
      return run_pop909(argv[2], songs, per_song, options);
    }
    if (mode == "emopia") return run_emopia(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
