// emopiano generate: emotion-conditioned piano pieces as MIDI files.
#include <csignal>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/capsule_piece.hpp"
#include "cli/command.hpp"
#include "cli/output_path.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/sampling_options.hpp"
#include "emopiano/audio.hpp"
#include "emopiano/capsule.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/session.hpp"

namespace emopiano::cli {
namespace {

namespace fs = std::filesystem;

// Ctrl-C cancels through the token (an atomic store: async-signal-safe) and
// the command exits with 130 without writing partial files.
CancelToken* g_cancel = nullptr;
extern "C" void on_generate_interrupt(int) {
  if (g_cancel) g_cancel->cancel();
}

uint64_t parse_seed(const std::string& text) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(text, &used, 10);
    if (used == text.size() && text[0] != '-') return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::invalid_argument, fmt::format("--seed: '{}' is not a whole number >= 0", text));
}

int int_option(const Args& args, const std::string& name, long long min, long long max) {
  const long long v = args.get_int(name);
  if (v < min || v > max) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--{}: {} is outside {}..{}", name, v, min, max));
  }
  return static_cast<int>(v);
}

std::string describe_emotion(const EmotionTrajectory& t) {
  if (t.keyframes().size() == 1) {
    const EmotionMix& e = t.keyframes()[0].emotion;
    return fmt::format("{} ({})", e.to_string(), quadrant_mood(e.dominant()));
  }
  std::string s;
  for (const auto& k : t.keyframes()) {
    s += fmt::format("{}{}@{:g}", s.empty() ? "" : " -> ", k.emotion.to_string(), k.bar);
  }
  return s;
}

// One piece that follows a capsule file, through a live session.
int generate_from_capsule(const Args& args, const Model& model, const GenerationRequest& request,
                          const fs::path& output, const fs::path& wav, bool quiet) {
  const Capsule capsule = read_capsule_file(args.get("capsule"));
  SmoothingParams smoothing;
  smoothing.half_life = args.get_double("half-life");
  smoothing.hysteresis = args.get_double("hysteresis");
  smoothing.validate();
  SessionOptions options;
  options.emotion = capsule.rows.front().emotion;
  options.params = request.params;
  options.primer = request.primer;
  options.key = request.key;
  GenerationSession session(model, options);
  CancelToken cancel = session.cancel_token();
  g_cancel = &cancel;
  struct sigaction sa {};
  sa.sa_handler = on_generate_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  if (!quiet)
    fmt::print(stderr, "capsule {}: {} rows over {:g} {}, seed {}\n", args.get("capsule"), capsule.rows.size(),
               capsule.rows.back().time, capsule.clock == CapsuleClock::bars ? "bars" : "s", request.params.seed);
  const auto start = std::chrono::steady_clock::now();
  const CapsulePiece piece =
      follow_capsule(session, capsule, smoothing, request.params.max_bars, request.primer ? &*request.primer : nullptr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_cancel = nullptr;
  write_midi_file(piece.score, output);
  if (!wav.empty()) {
    render_wav_file(piece.score, wav);
    if (!quiet) fmt::print("wrote {}\n", wav.string());
  }
  if (!quiet) {
    fmt::print("wrote {}: {} bars, {} notes, {:.1f} s, seed {}\n", output.string(), piece.bars,
               piece.score.notes.size(), piece.score.duration_seconds(), request.params.seed);
    fmt::print(stderr, "{} bars in {:.1f} s\n", piece.bars, seconds);
  }
  return 0;
}

int run(int argc, char** argv) {
  Args args("generate", "",
            "Generate solo piano MIDI in a chosen emotion (EMOPIA quadrants: Q1 happy, Q2 tense,\n"
            "Q3 sad, Q4 calm). --emotion takes a quadrant, a mood word, four probabilities\n"
            "\"0.1,0.6,0.2,0.1\" or a valence/arousal point \"va:0.7,-0.3\"; --trajectory changes the\n"
            "emotion over the piece: \"Q3@0,Q3@8,Q1@16\" (emotion@bar, blended between keyframes).\n"
            "With --num N > 1 the pieces are written to OUT-1.mid .. OUT-N.mid and use seeds\n"
            "SEED, SEED+1, ...\n"
            "--capsule FILE follows an emotion capsule (CSV or JSON lines of times in seconds or bars\n"
            "with four probabilities or valence/arousal; docs/live.md), smoothed by --half-life and\n"
            "--hysteresis, until its last row.");
  args.option("emotion", "E", "target emotion", "happy");
  args.option("trajectory", "T", "emotion keyframes over bars (instead of --emotion)");
  args.option("capsule", "FILE", "follow an emotion capsule file (instead of --emotion)");
  args.option("half-life", "H", "capsule smoothing: a change is half heard after H seconds (or bars)", "0");
  args.option("hysteresis", "D", "capsule: change the dominant quadrant only when another leads by more than D", "0");
  args.option("bars", "N",
              "bars to generate (0 = until the model ends the piece; default 16, with --capsule until it ends)");
  add_sampling_options(args);
  args.option("key", "KEY", "the key, e.g. \"A minor\", \"Eb major\", \"F#m\" (default: drawn from the emotion)");
  args.option("seed", "S", "random seed (default: a fresh one, printed)");
  args.option("num", "N", "number of pieces, generated as one batch", "1");
  args.option("primer", "IN.mid", "continue this piece");
  args.option("model", "FILE", "model file (default: the bundled model)");
  args.option("max-tokens", "N", "token budget per piece", std::to_string(SamplingParams{}.max_tokens));
  args.option("output", "OUT.mid", "output file (-o)", "out.mid");
  args.option("wav", "OUT.wav", "also render each piece to WAV through FluidSynth (OUT-1.wav.. with --num)");
  args.option("threads", "N", "compute threads, 0 = all cores (one is fastest for a single piece)", "1");
  args.option("precision", "P",
              "the generation step: bf16 (packed bf16 weights, fast) or f32 (float32, the tokens of earlier "
              "versions)",
              "bf16");
  args.option("kv-cache", "S",
              "how the bf16 step keeps past keys and values: bf16, or int8 (half the bytes: faster at long "
              "positions and with guidance; within the quality guard, docs/performance.md)",
              "bf16");
  args.flag("quiet", "print nothing but errors");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  restart_with_tuned_runtime(false);
  const bool quiet = args.has("quiet");

  GenerationRequest request;
  if (args.has("trajectory") && args.get("trajectory") != "") {
    request.emotion = EmotionTrajectory::parse(args.get("trajectory"));
  } else {
    request.emotion = EmotionTrajectory(EmotionMix::parse(args.get("emotion")));
  }
  SamplingParams& params = request.params;
  const bool capsule = args.has("capsule") && args.get("capsule") != "";
  params.max_bars = args.has("bars") ? int_option(args, "bars", 0, 100000) : capsule ? 0 : 16;
  read_sampling_options(args, params);
  params.max_tokens = int_option(args, "max-tokens", 1, 1 << 24);
  if (args.has("key") && args.get("key") != "") {
    request.key = MusicalKey::parse(args.get("key"));
    if (!request.key)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--key: '{}' is not a key (e.g. \"A minor\", \"Eb major\", \"F#m\")", args.get("key")));
  }
  params.seed = args.has("seed") ? parse_seed(args.get("seed"))
                                 : (static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}());
  params.validate();
  const int count = int_option(args, "num", 1, 4096);
  const fs::path output = args.get("output");
  if (output.filename().empty()) throw Error(ErrorCode::invalid_argument, "--output: needs a file name");
  const fs::path wav = args.get("wav");
  if (args.has("wav") && wav.filename().empty()) throw Error(ErrorCode::invalid_argument, "--wav: needs a file name");
  if (!wav.empty()) find_soundfont();  // fail before generating, not after
  if (args.has("primer") && args.get("primer") != "") request.primer = read_midi_file(args.get("primer"));

  const std::string precision = args.get("precision");
  if (precision != "bf16" && precision != "f32")
    throw Error(ErrorCode::invalid_argument, fmt::format("--precision: '{}' is not bf16 or f32", precision));
  const std::string kv_cache = args.get("kv-cache");
  if (kv_cache != "bf16" && kv_cache != "int8")
    throw Error(ErrorCode::invalid_argument, fmt::format("--kv-cache: '{}' is not bf16 or int8", kv_cache));
  if (kv_cache == "int8" && precision == "f32")
    throw Error(ErrorCode::invalid_argument, "--kv-cache int8 is a cache of the bf16 step: leave out --precision f32");

  set_compute_threads(int_option(args, "threads", 0, 1024));
  const fs::path model_path =
      args.has("model") && args.get("model") != "" ? fs::path(args.get("model")) : bundled_model_path();
  const Model model =
      Model::load(model_path, LoadOptions{precision == "f32" ? InferencePrecision::f32 : InferencePrecision::bf16,
                                          kv_cache == "int8" ? KvCacheStorage::int8 : KvCacheStorage::bf16});
  if (capsule) {
    if (count != 1) throw Error(ErrorCode::invalid_argument, "--capsule writes one piece: leave out --num");
    if (args.has("trajectory") && args.get("trajectory") != "")
      throw Error(ErrorCode::invalid_argument, "--capsule and --trajectory both set the emotion: choose one");
    return generate_from_capsule(args, model, request, output, wav, quiet);
  }
  Sampler sampler(model);

  if (!quiet) {
    fmt::print(stderr, "model {} ({:.1f}M parameters)\n", model_path.string(), model.parameter_count() / 1e6);
    fmt::print(
        stderr, "emotion {}, seed {}, guidance {}, rhythm guidance {}, valence guidance {}{}\n",
        describe_emotion(request.emotion), params.seed,
        params.guidance < 0 ? std::string("model default") : fmt::format("{:g}", params.guidance),
        params.rhythm_guidance < 0 ? std::string("default") : fmt::format("{:g}", params.rhythm_guidance),
        params.valence_guidance < 0 ? std::string("model default") : fmt::format("{:g}", params.valence_guidance),
        request.primer ? fmt::format(", continuing {}", args.get("primer")) : "");
  }
  ProgressBar bar(stderr);
  if (!quiet) request.on_progress = bar.callback();
  CancelToken cancel = request.cancel;
  g_cancel = &cancel;
  struct sigaction sa {};
  sa.sa_handler = on_generate_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops at once
  sigaction(SIGINT, &sa, nullptr);

  const auto start = std::chrono::steady_clock::now();
  std::vector<GenerationResult> results =
      count == 1 ? std::vector<GenerationResult>{sampler.generate(request)} : sampler.generate_batch(request, count);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_cancel = nullptr;
  if (!quiet) bar.finish();

  int64_t tokens = 0;
  for (int i = 0; i < count; ++i) {
    const GenerationResult& r = results[static_cast<size_t>(i)];
    const fs::path path = numbered_path(output, i, count);
    write_midi_file(r.score, path);
    if (!wav.empty()) {
      const fs::path wav_path = numbered_path(wav, i, count);
      render_wav_file(r.score, wav_path);
      if (!quiet) fmt::print("wrote {}\n", wav_path.string());
    }
    tokens += r.generated_tokens;
    if (!quiet) {
      fmt::print("wrote {}: {} bars, {} notes, {:.1f} s, seed {}{}{}\n", path.string(), r.bars, r.notes,
                 r.score.duration_seconds(), r.seed, r.key ? ", " + r.key->name() : std::string(),
                 r.stop_reason == StopReason::max_tokens ? " (token budget reached)" : "");
    }
  }
  if (!quiet) {
    fmt::print(stderr, "{} tokens in {:.1f} s ({:.0f} tokens/s)\n", tokens, seconds,
               seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0);
  }
  return 0;
}

CommandRegistrar registrar("generate", "generate emotion-conditioned piano MIDI", run);

}  // namespace
}  // namespace emopiano::cli
