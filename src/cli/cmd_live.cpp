// emopiano live: music that follows an emotion capsule as it arrives on
// standard input, bar by bar, written as JSON-lines note events on standard
// output (and optionally a MIDI file valid after every bar, a WAV, and an
// ALSA sequencer port).
//
// Pacing: by default a bar is written while the one before it plays, so the
// output keeps one bar ahead of the music's own clock, and each bar's emotion
// is what the capsule said by then. With --no-wait there is no clock: bars
// come as fast as they are generated, and a bar is written only once the
// input has reached its start (or ended), so the same input always gives the
// same music.
//
// --lookahead: the session writes the next bar on its own thread while this
// one plays, and the paced loop asks for it only `--margin` seconds before it
// is due, so each bar hears the capsule as it was just before it starts (one
// margin of latency instead of a whole bar). A change of emotion in that
// margin makes the session write the bar again: the margin is the time that
// rewrite has before a listener would hear a gap.
#include <csignal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/alsa_midi_out.hpp"
#include "cli/args.hpp"
#include "cli/capsule_piece.hpp"
#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/sampling_options.hpp"
#include "emopiano/audio.hpp"
#include "emopiano/capsule.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "emopiano/session.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Ctrl-C: an atomic flag and the session's cancel token (both atomic stores,
// so async-signal-safe); the bar in progress is dropped, the files stay as
// they were after the last whole bar.
std::atomic<bool> g_stop{false};
const CancelToken* g_cancel = nullptr;
extern "C" void on_live_interrupt(int) {
  g_stop.store(true);
  if (g_cancel) g_cancel->cancel();
}

// Capsule rows read from standard input on their own thread, as they come.
struct CapsuleInput {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<CapsuleRow> rows;
  std::optional<CapsuleClock> clock;
  std::optional<double> latest;  // time of the last row received
  bool ended = false;
  std::string error;

  static void read(const std::shared_ptr<CapsuleInput>& input) {
    CapsuleReader reader;
    std::string line;
    while (std::getline(std::cin, line)) {
      try {
        auto row = reader.read_line(line);
        std::lock_guard<std::mutex> lock(input->mutex);
        input->clock = reader.clock();
        if (row) {
          input->rows.push_back(*row);
          input->latest = row->time;
        }
      } catch (const Error& e) {
        std::lock_guard<std::mutex> lock(input->mutex);
        input->error = fmt::format("standard input: {}", e.what());
        break;
      }
      input->arrived.notify_all();
    }
    std::lock_guard<std::mutex> lock(input->mutex);
    input->ended = true;
    input->arrived.notify_all();
  }
};

uint64_t seed_option(const Args& args) {
  if (!args.has("seed")) return static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}();
  const long long v = args.get_int("seed");
  if (v < 0) throw Error(ErrorCode::invalid_argument, "--seed: must be >= 0");
  return static_cast<uint64_t>(v);
}

void print_bar(const SessionBar& bar) {
  nlohmann::json b = {{"event", "bar"},
                      {"bar", bar.index},
                      {"start", bar.start_seconds},
                      {"end", bar.end_seconds},
                      {"start_tick", bar.start_tick},
                      {"end_tick", bar.end_tick},
                      {"ticks_per_beat", bar.ticks_per_beat},
                      {"bpm", bar.bpm},
                      {"emotion", bar.emotion.probabilities()},
                      {"quadrant", quadrant_name(bar.emotion.dominant())}};
  if (bar.key) b["key"] = bar.key->name();
  std::string out = b.dump() + "\n";
  for (const Note& n : bar.notes) {
    nlohmann::json j = {
        {"event", "note"},          {"bar", bar.index},     {"pitch", n.pitch},           {"velocity", n.velocity},
        {"start", n.start_seconds}, {"end", n.end_seconds}, {"start_tick", n.start_tick}, {"end_tick", n.end_tick}};
    out += j.dump() + "\n";
  }
  for (const PedalEvent& p : bar.pedal) {
    nlohmann::json j = {
        {"event", "pedal"}, {"bar", bar.index}, {"down", p.down}, {"time", p.seconds}, {"tick", p.tick}};
    out += j.dump() + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);  // a host reading the pipe gets the bar now
}

int run(int argc, char** argv) {
  Args args("live", "",
            "Music that follows an emotion capsule as it arrives: rows (CSV with a header, or JSON\n"
            "lines; docs/live.md) are read from standard input, and each bar is written as soon as\n"
            "it is generated, as JSON-lines events on standard output ({\"event\": \"bar\"|\"note\"|\"pedal\"}).\n"
            "Paced to the music's clock unless --no-wait. Ends when the input ends (after the bar\n"
            "its last row reaches) or after --bars; Ctrl-C leaves every output file valid.");
  args.option("emotion", "E", "the emotion before the first row", "calm");
  args.option("half-life", "H", "smoothing: a change is half heard after H seconds (or bars)", "0");
  args.option("hysteresis", "D", "change the dominant quadrant only when another leads by more than D", "0");
  args.option("bars", "N", "stop after N bars (0 = when the input ends)", "0");
  args.flag("no-wait", "do not pace to the music: write bars as fast as the input allows");
  args.flag("lookahead", "write the next bar ahead on a second thread; ask for it only --margin before it plays");
  args.option("margin", "S", "with --lookahead: ask for a bar S seconds before it is due", "0.5");
  args.option("midi", "OUT.mid", "also write a MIDI file, rewritten (atomically) after every bar");
  args.option("wav", "OUT.wav", "also render the music to WAV through FluidSynth at the end");
  args.option("alsa", "DEST",
              "also play through an ALSA sequencer port, connected to DEST (\"128:0\"; \"-\" = only open the port)");
  add_sampling_options(args);
  args.option("key", "KEY", "the opening key (default: drawn from the emotion)");
  args.option("seed", "S", "random seed (default: a fresh one, printed)");
  args.option("primer", "IN.mid", "continue this piece");
  args.option("model", "FILE", "model file (default: the bundled model)");
  args.option("threads", "N", "compute threads (0 = all cores)", "1");
  args.flag("quiet", "print nothing on standard error but errors");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");
  const bool paced = !args.has("no-wait");
  const bool lookahead = args.has("lookahead");
  const double margin = args.get_double("margin");
  if (!(margin >= 0.0 && margin <= 60.0))
    throw Error(ErrorCode::invalid_argument, "--margin: must be between 0 and 60 seconds");

  SessionOptions options;
  options.emotion = EmotionMix::parse(args.get("emotion"));
  read_sampling_options(args, options.params);
  options.params.seed = seed_option(args);
  options.params.validate();
  options.lookahead = lookahead;
  if (args.has("key") && args.get("key") != "") {
    options.key = MusicalKey::parse(args.get("key"));
    if (!options.key)
      throw Error(ErrorCode::invalid_argument, fmt::format("--key: '{}' is not a key", args.get("key")));
  }
  if (args.has("primer") && args.get("primer") != "") options.primer = read_midi_file(args.get("primer"));
  SmoothingParams smoothing;
  smoothing.half_life = args.get_double("half-life");
  smoothing.hysteresis = args.get_double("hysteresis");
  smoothing.validate();
  const long long max_bars = args.get_int("bars");
  if (max_bars < 0) throw Error(ErrorCode::invalid_argument, "--bars: must be >= 0");
  const fs::path midi_path = args.has("midi") ? fs::path(args.get("midi")) : fs::path();
  const fs::path wav_path = args.has("wav") ? fs::path(args.get("wav")) : fs::path();
  if (!wav_path.empty()) find_soundfont();  // fail before the music starts, not after
  std::unique_ptr<AlsaMidiOut> alsa;
  if (args.has("alsa")) alsa = std::make_unique<AlsaMidiOut>(args.get("alsa") == "-" ? "" : args.get("alsa"));

  set_compute_threads(static_cast<int>(args.get_int("threads")));
  const Model model =
      Model::load(args.has("model") && args.get("model") != "" ? fs::path(args.get("model")) : bundled_model_path());
  GenerationSession session(model, options);
  if (!quiet) {
    fmt::print(stderr, "live: seed {}, {}{}{}\n", options.params.seed, paced ? "paced to the music" : "no wait",
               lookahead ? fmt::format(", lookahead (margin {:.2f} s)", margin) : std::string(),
               alsa ? ", ALSA port " + alsa->port_name() : std::string());
  }

  // The reader thread may outlive this function (blocked on a read at
  // Ctrl-C): it holds its own reference to the input.
  auto input = std::make_shared<CapsuleInput>();
  std::thread(CapsuleInput::read, input).detach();
  g_cancel = &session.cancel_token();
  struct sigaction sa {};
  sa.sa_handler = on_live_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const bool recording = !midi_path.empty() || !wav_path.empty();
  Score recorded;
  EmotionSmoother smoother(smoothing);
  std::optional<SessionBar> previous;
  std::string input_error;
  const auto t0 = Clock::now();
  auto music_time = [&](double seconds) {
    return t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  };

  while (!g_stop && (max_bars == 0 || (previous ? previous->index + 1 : 0) < max_bars)) {
    {
      std::unique_lock<std::mutex> lock(input->mutex);
      auto start_time = [&] {
        return input->clock ? capsule_time(*input->clock, previous ? &*previous : nullptr) : 0.0;
      };
      if (!paced) {
        // Wait until the input has reached this bar's start, or ended.
        while (!g_stop && !input->ended && input->error.empty() && !(input->latest && *input->latest >= start_time()))
          input->arrived.wait_for(lock, std::chrono::milliseconds(50));
      }
      if (!input->error.empty()) {
        input_error = input->error;
        break;
      }
      const double t = start_time();
      while (!input->rows.empty() && input->rows.front().time <= t) {
        smoother.add(input->rows.front().time, input->rows.front().emotion);
        input->rows.pop_front();
      }
      // The input has ended and every row has been heard: the music ends.
      if (max_bars == 0 && input->ended && input->rows.empty() && previous && (!input->latest || t > *input->latest))
        break;
      if (!smoother.empty()) session.set_emotion(smoother.at(t));
    }
    if (g_stop) break;
    SessionBar bar;
    try {
      bar = session.next_bar();
    } catch (const Error& e) {
      if (e.code() == ErrorCode::cancelled) break;
      throw;
    }
    print_bar(bar);
    if (alsa) alsa->send(bar.notes, bar.pedal);
    if (recording) append_bar(recorded, bar);
    if (!midi_path.empty()) {
      Score score = recorded;
      score.normalize();
      score.update_seconds();
      write_midi_file(score, midi_path);  // atomic: a reader never sees half a file
    }
    previous = bar;
    // Without lookahead, keep one bar ahead: the next bar is written while
    // this one plays. With it, the session writes ahead; ask for the next bar
    // a margin before this one ends.
    if (paced) {
      const auto due = lookahead ? music_time(bar.end_seconds - margin) : music_time(bar.start_seconds);
      while (!g_stop && Clock::now() < due) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  g_cancel = nullptr;
  if (alsa) {
    if (g_stop)
      alsa->all_notes_off();
    else if (previous)
      std::this_thread::sleep_until(music_time(previous->end_seconds) + std::chrono::seconds(1));
  }
  if (!wav_path.empty() && previous) {
    Score score = recorded;
    score.normalize();
    score.update_seconds();
    render_wav_file(score, wav_path);
  }
  if (!quiet) {
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    fmt::print(stderr, "live: {} bars in {:.1f} s{}\n", previous ? previous->index + 1 : 0, seconds,
               g_stop ? " (interrupted)" : "");
  }
  if (!input_error.empty()) {
    fmt::print(stderr, "emopiano live: {}\n", input_error);
    return 1;
  }
  return g_stop ? 130 : 0;
}

CommandRegistrar registrar("live", "music that follows an emotion capsule as it arrives (stdin to JSON lines)", run);

}  // namespace
}  // namespace emopiano::cli
