// The VAE commands run as a user would: train-vae on a tiny labelled
// collection, then vae-sample, encode and decode, interpolate, variations and
// transform on its output, and evaluate-vae; bad input gets a clear message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <tuple>
#include <vector>

#include "emopiano/midi.hpp"
#include "emopiano/model.hpp"
#include "emopiano/vae.hpp"
#include "emopiano/vae_attributes.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

std::string all_output(const test::ProgramRun& r) { return r.out + r.err; }

// A score's notes as (start, end, pitch, velocity), after a trip through
// MIDI bytes, so the library's result compares with a file the program wrote.
std::vector<std::tuple<int64_t, int64_t, int, int>> notes_of(const Score& score) {
  const auto bytes = write_midi_bytes(score);
  std::vector<std::tuple<int64_t, int64_t, int, int>> notes;
  for (const auto& n : read_midi_bytes(bytes.data(), bytes.size()).notes)
    notes.emplace_back(n.start_tick, n.end_tick, n.pitch, n.velocity);
  return notes;
}
auto notes_of(const fs::path& file) { return notes_of(read_midi_file(file)); }

// What the commands use with --seed 3 and their default temperature and top-p.
SamplingParams command_sampling() {
  SamplingParams p;
  p.seed = 3;
  p.temperature = 0.8f;
  p.top_p = 0.95f;
  return p;
}

// One tiny VAE trained once for every test of this file.
class VaeCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = test::temp_dir("cli-vae");
    auto melody = [](int base, int bars) {
      std::vector<int> pitches;
      for (int i = 0; i < 12; ++i) pitches.push_back(base + (i * 5) % 12);
      return test::melody(pitches, bars);
    };
    std::vector<test::TinyPiece> pieces;
    const char* labels[] = {"Q1", "Q2", "Q3", "Q4"};
    for (int q = 0; q < 4; ++q) {
      pieces.push_back({fmt_name("train", q), melody(55 + 3 * q, 6), labels[q], "train"});
      pieces.push_back({fmt_name("test", q), melody(57 + 3 * q, 5), labels[q], "test"});
    }
    pieces.push_back({"val0", melody(60, 4), "Q1", "val"});
    csv_ = test::write_corpus("cli-vae-data", pieces);
    // Enough steps for the tiny model to memorise its training pieces, so
    // transform and variations can be seen to keep part of a piece.
    std::ofstream(dir_ / "config.json") << R"({"vae": {"encoder_layers": 1, "decoder_layers": 1, "d_model": 32,
      "n_heads": 2, "d_ff": 64, "latent_dim": 8, "segment_bars": 2, "max_segment_tokens": 96, "dropout": 0.0},
      "train": {"batch_size": 8, "eval_every": 0, "checkpoint_every": 0, "warmup_steps": 10, "learning_rate": 0.003,
      "max_beta": 0.01, "free_bits": 0.0, "word_dropout": 0.2, "transpose_min": 0, "transpose_max": 0}})";
    train_ = test::run_emopiano({"train-vae", "--data", csv_.string(), "--out", (dir_ / "vae.pt").string(), "--config",
                                 (dir_ / "config.json").string(), "--max-steps", std::to_string(kSteps), "--threads",
                                 "1", "--cache", "none"});
    if (train_.code == 0)
      attributes_ = test::run_emopiano(
          {"vae-attributes", "--vae", (dir_ / "vae.pt").string(), "--data", csv_.string(), "--cache", "none"});
  }
  static constexpr int kSteps = 400;
  static std::string fmt_name(const char* split, int q) { return std::string(split) + std::to_string(q); }
  static fs::path piece(const char* name) { return csv_.parent_path() / (std::string(name) + ".mid"); }
  static std::vector<std::string> with_vae(std::vector<std::string> args) {
    args.insert(args.end(), {"--vae", (dir_ / "vae.pt").string(), "--seed", "3", "--quiet"});
    return args;
  }
  static fs::path dir_, csv_;
  static test::ProgramRun train_, attributes_;
};
fs::path VaeCommands::dir_, VaeCommands::csv_;
test::ProgramRun VaeCommands::train_, VaeCommands::attributes_;

// Share of a's notes (pitch class, onset) that b has too.
double kept_notes(const Score& a, const Score& b) {
  std::set<std::pair<int64_t, int>> in_b;
  for (const auto& n : b.notes) in_b.insert({n.start_tick, n.pitch % 12});
  size_t kept = 0;
  for (const auto& n : a.notes) kept += in_b.count({n.start_tick, n.pitch % 12});
  return a.notes.empty() ? 0.0 : static_cast<double>(kept) / static_cast<double>(a.notes.size());
}

TEST_F(VaeCommands, TrainWritesAVaeWithAttributeVectors) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  EXPECT_NE(train_.out.find("active dimensions"), std::string::npos) << train_.out;
  EmotionVae vae = EmotionVae::load(dir_ / "vae.pt");
  EXPECT_EQ(vae.config().latent_dim, 8);
  EXPECT_TRUE(vae.has_attribute_vectors());
  EXPECT_EQ(vae.attribute_vector(Quadrant::Q1, Quadrant::Q3).size(), 8u);
  auto meta = nlohmann::json::parse(vae.metadata_json());
  EXPECT_EQ(meta["training"]["steps"], kSteps);
}

// --weights f16 writes half the bytes; the VAE decodes a latent greedily as
// the float32 file does. A value that is not a storage fails before any work.
TEST_F(VaeCommands, AttributesCanWriteTheVaeInHalfPrecision) {
  ASSERT_EQ(attributes_.code, 0) << all_output(attributes_);
  const fs::path half = dir_ / "vae-f16.pt";
  auto r = test::run_emopiano({"vae-attributes", "--vae", (dir_ / "vae.pt").string(), "--data", csv_.string(),
                               "--cache", "none", "--out", half.string(), "--weights", "f16"});
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_LT(fs::file_size(half), fs::file_size(dir_ / "vae.pt") * 6 / 10);
  const EmotionVae full = EmotionVae::load(dir_ / "vae.pt");
  const EmotionVae small = EmotionVae::load(half);
  EXPECT_EQ(small.config(), full.config());
  EXPECT_TRUE(small.has_attribute_vectors());
  const auto q2 = EmotionMix::from_quadrant(Quadrant::Q2);
  const std::vector<float> z = full.encode(read_midi_file(piece("train1")), q2).mean;
  SamplingParams greedy = command_sampling();
  greedy.temperature = 0.0f;
  const auto from_full = full.decode(z, q2, greedy);
  EXPECT_FALSE(from_full.score.notes.empty());
  EXPECT_EQ(small.decode(z, q2, greedy).tokens, from_full.tokens);

  r = test::run_emopiano({"vae-attributes", "--vae", (dir_ / "vae.pt").string(), "--data", csv_.string(), "--cache",
                          "none", "--out", (dir_ / "vae-f8.pt").string(), "--weights", "f8"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--weights"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "vae-f8.pt"));
}

TEST_F(VaeCommands, SampleEncodeDecodeInterpolateVariationsTransform) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  auto r =
      test::run_emopiano(with_vae({"vae-sample", "--emotion", "sad", "--num", "2", "-o", (dir_ / "s.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_NO_THROW(read_midi_file(dir_ / "s-1.mid"));
  EXPECT_NO_THROW(read_midi_file(dir_ / "s-2.mid"));

  r = test::run_emopiano(
      with_vae({"encode", piece("test0").string(), "--emotion", "Q1", "-o", (dir_ / "z.json").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  std::ifstream in(dir_ / "z.json");
  auto z = nlohmann::json::parse(in);
  ASSERT_EQ(z["segments"].size(), 1u);
  EXPECT_EQ(z["segments"][0]["mean"].size(), 8u);
  EXPECT_EQ(z["emotion"], "Q1");
  r = test::run_emopiano(with_vae({"decode", (dir_ / "z.json").string(), "-o", (dir_ / "d.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  // The program did decode that latent: the library gives the same piece.
  const EmotionVae vae = EmotionVae::load(dir_ / "vae.pt");
  std::vector<float> latent = z["segments"][0]["mean"].get<std::vector<float>>();
  const auto decoded = vae.decode(latent, EmotionMix::from_quadrant(Quadrant::Q1), command_sampling());
  EXPECT_EQ(notes_of(dir_ / "d.mid"), notes_of(vae.join({decoded})));
  // Greedy with beams: the command passes them on.
  r = test::run_emopiano(with_vae({"decode", (dir_ / "z.json").string(), "-o", (dir_ / "d-beams.mid").string(),
                                   "--temperature", "0", "--beams", "3"}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  SamplingParams beams = command_sampling();
  beams.temperature = 0.0f;
  beams.beams = 3;
  EXPECT_EQ(notes_of(dir_ / "d-beams.mid"),
            notes_of(vae.join({vae.decode(latent, EmotionMix::from_quadrant(Quadrant::Q1), beams)})));

  r = test::run_emopiano(with_vae({"interpolate", piece("test0").string(), piece("test2").string(), "--emotion-a", "Q1",
                                   "--emotion-b", "Q3", "--steps", "3", "-o", (dir_ / "i.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  for (const char* f : {"i-1.mid", "i-2.mid", "i-3.mid"}) EXPECT_TRUE(fs::exists(dir_ / f)) << f;
  r = test::run_emopiano(
      with_vae({"interpolate", piece("test0").string(), piece("test2").string(), "--emotion-a", "Q1", "--emotion-b",
                "Q3", "--steps", "3", "--mode", "linear", "--join", "-o", (dir_ / "joined.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_NO_THROW(read_midi_file(dir_ / "joined.mid"));
  // Two segments of each: every step is the library's two-segment piece.
  r = test::run_emopiano(
      with_vae({"interpolate", piece("test0").string(), piece("test2").string(), "--emotion-a", "Q1", "--emotion-b",
                "Q3", "--steps", "3", "--segments", "2", "-o", (dir_ / "s.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  const auto spans = vae.interpolate_pieces(read_midi_file(piece("test0")), EmotionMix::from_quadrant(Quadrant::Q1),
                                            read_midi_file(piece("test2")), EmotionMix::from_quadrant(Quadrant::Q3), 3,
                                            2, Interpolation::spherical, command_sampling());
  ASSERT_EQ(spans.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(spans[static_cast<size_t>(i)].size(), 2u);
    const fs::path file = dir_ / fmt_name("s-", i + 1).append(".mid");
    EXPECT_EQ(notes_of(file), notes_of(vae.join(spans[static_cast<size_t>(i)]))) << file;
  }
  r = test::run_emopiano(with_vae({"interpolate", piece("test0").string(), piece("test2").string(), "--emotion-a", "Q1",
                                   "--emotion-b", "Q3", "--segments", "0"}));
  EXPECT_NE(r.code, 0);

  r = test::run_emopiano(with_vae({"variations", piece("test1").string(), "--emotion", "Q2", "--num", "2",
                                   "--similarity", "0.5", "-o", (dir_ / "v.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  const auto variations = vae.variations(read_midi_file(piece("test1")), EmotionMix::from_quadrant(Quadrant::Q2), 0.5f,
                                         2, command_sampling());
  ASSERT_EQ(variations.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const fs::path file = dir_ / fmt_name("v-", i + 1).append(".mid");
    EXPECT_EQ(notes_of(file), notes_of(variations[static_cast<size_t>(i)].score)) << file;
    EXPECT_NE(notes_of(file), notes_of(piece("test1"))) << file << " is the input unchanged";
  }

  r = test::run_emopiano(with_vae(
      {"transform", piece("test0").string(), "--from", "happy", "--to", "sad", "-o", (dir_ / "t.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  const Score transformed =
      vae.transform(read_midi_file(piece("test0")), Quadrant::Q1, Quadrant::Q3, 1.0f, command_sampling());
  EXPECT_EQ(notes_of(dir_ / "t.mid"), notes_of(transformed));
  EXPECT_NE(notes_of(dir_ / "t.mid"), notes_of(piece("test0"))) << "transform returned its input unchanged";
}

TEST_F(VaeCommands, EvaluateVaePrintsAndWritesTheFigures) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  auto r = test::run_emopiano(
      with_vae({"evaluate-vae", "--data", csv_.string(), "--cache", "none", "--segments", "8", "--pairs", "2",
                "--transform-pieces", "0", "--json", (dir_ / "eval.json").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  std::ifstream in(dir_ / "eval.json");
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["segments"], 8);
  EXPECT_EQ(j["interpolation_pairs"], 2);
  EXPECT_EQ(j["distance_to_a"].size(), 8u);
  EXPECT_DOUBLE_EQ(j["distance_to_a"][0].get<double>(), 0.0);  // step 0 is A's own decoding
  // Each pair's own path, and the means are their average step by step.
  ASSERT_EQ(j["distance_paths"].size(), 2u);
  for (size_t s = 0; s < 8; ++s) {
    ASSERT_EQ(j["distance_paths"][1].size(), 8u);
    const double mean = (j["distance_paths"][0][s].get<double>() + j["distance_paths"][1][s].get<double>()) / 2;
    EXPECT_NEAR(j["distance_to_a"][s].get<double>(), mean, 1e-12) << "step " << s;
  }
  EXPECT_NE(r.out.find("95% intervals of those means"), std::string::npos) << r.out;
  // The spans of four segments are measured by default, their paths in the JSON.
  EXPECT_EQ(j["targets"]["span_segments"], 4);
  EXPECT_EQ(j["targets"]["span_f1_to_a"].size(), 2u);
  EXPECT_NE(r.out.find("spans of 4"), std::string::npos) << r.out;
  // A bad --span-segments is refused before any work, with its name.
  r = test::run_emopiano(with_vae({"evaluate-vae", "--data", csv_.string(), "--span-segments", "-1"}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--span-segments"), std::string::npos) << all_output(r);
}

// On a memorised piece, transform (to an emotion or an attribute) and
// variations change it while keeping part of its notes; vae-attributes wrote
// the four attribute vectors into the file.
TEST_F(VaeCommands, TransformAndVariationsChangeThePieceButKeepPartOfIt) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  ASSERT_EQ(attributes_.code, 0) << all_output(attributes_);
  const EmotionVae vae = EmotionVae::load(dir_ / "vae.pt");
  for (int a = 0; a < kVaeAttributeCount; ++a)
    EXPECT_TRUE(has_attribute_vector(vae, VaeAttribute(a))) << vae_attribute_name(VaeAttribute(a));
  const Score input = read_midi_file(piece("train0"));
  // Each quadrant has one melody here, so a new emotion brings its own notes:
  // transform --to must change the piece; the attribute moves, which keep
  // the emotion, must also keep part of it.
  struct Case {
    std::vector<std::string> args;
    const char* file;
    bool keeps_part;
  };
  const std::vector<Case> cases = {
      {{"--to", "Q2", "--strength", "0.5"}, "t-q2.mid", false},
      {{"--more", "dense", "--strength", "0.5"}, "t-dense.mid", true},
      {{"--less", "syncopated,major", "--strength", "0.5"}, "t-less.mid", true},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"transform", piece("train0").string(), "--from", "Q1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--temperature", "0", "-o", (dir_ / c.file).string()});
    auto r = test::run_emopiano(with_vae(args));
    ASSERT_EQ(r.code, 0) << all_output(r);
    const Score out = read_midi_file(dir_ / c.file);
    EXPECT_NE(notes_of(out), notes_of(input)) << c.file << " is the input unchanged";
    if (c.keeps_part) EXPECT_GE(kept_notes(input, out), 0.3) << c.file;
  }
  auto r =
      test::run_emopiano(with_vae({"variations", piece("train0").string(), "--emotion", "Q1", "--num", "2",
                                   "--similarity", "0.9", "--temperature", "0", "-o", (dir_ / "var.mid").string()}));
  ASSERT_EQ(r.code, 0) << all_output(r);
  const Score variation = read_midi_file(dir_ / "var-1.mid");
  EXPECT_NE(notes_of(variation), notes_of(input)) << "the variation is the input unchanged";
  EXPECT_GE(kept_notes(input, variation), 0.3);
  r = test::run_emopiano(with_vae(
      {"transform", piece("train0").string(), "--from", "Q1", "--more", "louder", "-o", (dir_ / "x.mid").string()}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("syncopated"), std::string::npos) << all_output(r);
}

TEST_F(VaeCommands, TrainVaeStartsTheDecoderAndTheEncoderFromAGenerator) {
  // A generator of the suite's width (32, two heads, d_ff 64) and one of another.
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.context_length = 128;
  c.max_bars = 16;
  Model::create(c, {}, 4).save(dir_ / "generator.pt");
  c.d_model = 64;
  c.d_ff = 128;
  Model::create(c, {}, 4).save(dir_ / "wide.pt");
  auto train = [&](const fs::path& generator, const fs::path& out, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {
        "train-vae",       "--data", csv_.string(), "--out", out.string(), "--config", (dir_ / "config.json").string(),
        "--max-steps",     "2",      "--threads",   "1",     "--cache",    "none",     "--init-decoder",
        generator.string()};
    args.insert(args.end(), more.begin(), more.end());
    return test::run_emopiano(args);
  };
  auto r = train(dir_ / "generator.pt", dir_ / "started.pt");
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_NE(all_output(r).find("decoder started from"), std::string::npos) << all_output(r);
  const auto meta = nlohmann::json::parse(EmotionVae::load(dir_ / "started.pt").metadata_json());
  EXPECT_EQ(meta.value("decoder_initialised_from", ""), "generator.pt") << meta.dump();
  EXPECT_FALSE(meta.contains("encoder_initialised_from")) << meta.dump();

  // The encoder too, from the same generator; another width is refused.
  r = train(dir_ / "generator.pt", dir_ / "both.pt",
            {"--init-encoder", (dir_ / "generator.pt").string(), "--checkpoint-dir", (dir_ / "both-ckpt").string()});
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_NE(all_output(r).find("encoder started from"), std::string::npos) << all_output(r);
  const auto both = nlohmann::json::parse(EmotionVae::load(dir_ / "both.pt").metadata_json());
  EXPECT_EQ(both.value("encoder_initialised_from", ""), "generator.pt") << both.dump();
  EXPECT_EQ(both.value("decoder_initialised_from", ""), "generator.pt") << both.dump();
  // A run resumed from its checkpoint keeps where the weights started and the
  // command that began it.
  r = test::run_emopiano({"train-vae", "--data", csv_.string(), "--out", (dir_ / "both-more.pt").string(), "--config",
                          (dir_ / "config.json").string(), "--max-steps", "4", "--threads", "1", "--cache", "none",
                          "--resume", (dir_ / "both-ckpt").string()});
  ASSERT_EQ(r.code, 0) << all_output(r);
  const auto more = nlohmann::json::parse(EmotionVae::load(dir_ / "both-more.pt").metadata_json());
  EXPECT_EQ(more.value("encoder_initialised_from", ""), "generator.pt") << more.dump();
  EXPECT_EQ(more.value("decoder_initialised_from", ""), "generator.pt") << more.dump();
  EXPECT_EQ(more["training"].value("steps", 0), 4) << more.dump();
  ASSERT_TRUE(more.contains("earlier_commands")) << more.dump();
  ASSERT_EQ(more["earlier_commands"].size(), 1u) << more.dump();
  EXPECT_NE(more["earlier_commands"][0].get<std::string>().find("--init-encoder"), std::string::npos) << more.dump();
  EXPECT_NE(more.value("command", "").find("--resume"), std::string::npos) << more.dump();
  // Resumed with no --config, the run keeps the settings it was started with
  // (the suite's, not the defaults) and its checkpoints stay in that folder.
  const fs::path log = dir_ / "resumed-log.jsonl";
  r = test::run_emopiano({"train-vae", "--data", csv_.string(), "--out", (dir_ / "both-again.pt").string(),
                          "--max-steps", "6", "--threads", "1", "--cache", "none", "--log", log.string(), "--resume",
                          (dir_ / "both-ckpt").string()});
  ASSERT_EQ(r.code, 0) << all_output(r);
  nlohmann::json start;
  std::ifstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_object() && event.value("event", "") == "start") start = event;
  }
  ASSERT_TRUE(start.contains("train")) << "no start event in " << log;
  EXPECT_EQ(start["train"].value("batch_size", 0), 8) << start.dump();
  EXPECT_DOUBLE_EQ(start["train"].value("learning_rate", 0.0), 0.003) << start.dump();
  EXPECT_DOUBLE_EQ(start["train"].value("word_dropout", 0.0), 0.2) << start.dump();
  EXPECT_DOUBLE_EQ(start["train"].value("max_beta", 0.0), 0.01) << start.dump();
  EXPECT_EQ(start["train"].value("checkpoint_dir", ""), (dir_ / "both-ckpt").string()) << start.dump();
  EXPECT_EQ(start.value("step", 0), 4) << start.dump();
  r = train(dir_ / "generator.pt", dir_ / "wide-encoder.pt", {"--init-encoder", (dir_ / "wide.pt").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("an encoder can start only"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "wide-encoder.pt"));

  r = train(dir_ / "wide.pt", dir_ / "wide-vae.pt");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("width"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "wide-vae.pt"));
  r = train(dir_ / "generator.pt", dir_ / "resumed.pt", {"--resume", (dir_ / "no-checkpoint").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--resume"), std::string::npos) << all_output(r);
}

TEST_F(VaeCommands, TrainVaeStartsFromATrainedVaeWithZInEveryBlock) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  // The suite's recipe with z added to every decoder block: the trained
  // VAE's weights are copied, the new maps start at zero.
  std::ofstream(dir_ / "every-block.json") << R"({"vae": {"encoder_layers": 1, "decoder_layers": 1, "d_model": 32,
      "n_heads": 2, "d_ff": 64, "latent_dim": 8, "segment_bars": 2, "max_segment_tokens": 96, "dropout": 0.0,
      "latent_every_block": true}, "train": {"batch_size": 8, "eval_every": 0, "checkpoint_every": 0,
      "learning_rate": 1e-9}})";
  auto train = [&](const fs::path& out, std::vector<std::string> more) {
    std::vector<std::string> args = {
        "train-vae",   "--data", csv_.string(), "--out", out.string(), "--config", (dir_ / "every-block.json").string(),
        "--max-steps", "2",      "--threads",   "1",     "--cache",    "none"};
    args.insert(args.end(), more.begin(), more.end());
    return test::run_emopiano(args);
  };
  auto r = train(dir_ / "every-block.pt", {"--init-vae", (dir_ / "vae.pt").string()});
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_NE(all_output(r).find("started from the VAE"), std::string::npos) << all_output(r);
  EmotionVae started = EmotionVae::load(dir_ / "every-block.pt");
  EXPECT_TRUE(started.config().latent_every_block);
  const auto meta = nlohmann::json::parse(started.metadata_json());
  ASSERT_TRUE(meta.contains("initialised_from_vae")) << meta.dump();
  EXPECT_EQ(meta["initialised_from_vae"].value("file", ""), "vae.pt") << meta.dump();
  EXPECT_NE(meta["initialised_from_vae"]["metadata"].value("command", "").find("train-vae"), std::string::npos)
      << meta.dump();
  // With a learning rate of 1e-9 the weights stay as copied: it encodes and
  // decodes greedily as the VAE it started from.
  const EmotionVae trained = EmotionVae::load(dir_ / "vae.pt");
  const Score song = read_midi_file(piece("train1"));
  const auto sad = EmotionMix::from_quadrant(Quadrant::Q3);
  const auto code = trained.encode(song, sad);
  const auto mean = started.encode(song, sad).mean;
  ASSERT_EQ(mean.size(), code.mean.size());
  for (size_t i = 0; i < mean.size(); ++i) EXPECT_NEAR(mean[i], code.mean[i], 1e-4);
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  EXPECT_EQ(started.decode(code.mean, sad, greedy).tokens, trained.decode(code.mean, sad, greedy).tokens);

  // Without a "vae" section in a config, the run keeps the trained VAE's shape.
  r = test::run_emopiano({"train-vae", "--data", csv_.string(), "--out", (dir_ / "same-shape.pt").string(),
                          "--max-steps", "1", "--threads", "1", "--cache", "none", "--init-vae",
                          (dir_ / "vae.pt").string()});
  ASSERT_EQ(r.code, 0) << all_output(r);
  EXPECT_EQ(EmotionVae::load(dir_ / "same-shape.pt").config(), trained.config());

  // Refused: with --resume, with --init-decoder, and from a VAE of another width.
  r = train(dir_ / "resumed-vae.pt", {"--init-vae", (dir_ / "vae.pt").string(), "--resume", (dir_ / "x").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--init-vae starts a new run"), std::string::npos) << all_output(r);
  r = train(dir_ / "both-inits.pt",
            {"--init-vae", (dir_ / "vae.pt").string(), "--init-decoder", (dir_ / "vae.pt").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--init-vae starts from a whole VAE"), std::string::npos) << all_output(r);
  std::ofstream(dir_ / "broken-vae.pt") << "not a VAE file";
  r = train(dir_ / "from-broken.pt", {"--init-vae", (dir_ / "broken-vae.pt").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("broken-vae.pt"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "from-broken.pt"));
  std::ofstream(dir_ / "wide-vae.json") << R"({"vae": {"encoder_layers": 1, "decoder_layers": 1, "d_model": 64,
      "n_heads": 2, "d_ff": 64, "latent_dim": 8, "segment_bars": 2, "max_segment_tokens": 96}})";
  r = test::run_emopiano({"train-vae", "--data", csv_.string(), "--out", (dir_ / "wide-start.pt").string(), "--config",
                          (dir_ / "wide-vae.json").string(), "--max-steps", "1", "--threads", "1", "--cache", "none",
                          "--init-vae", (dir_ / "vae.pt").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("of its own width"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "wide-start.pt"));
}

TEST_F(VaeCommands, BadInputGetsAClearMessage) {
  ASSERT_EQ(train_.code, 0) << all_output(train_);
  auto r = test::run_emopiano(
      with_vae({"transform", piece("test0").string(), "--from", "Q1", "-o", (dir_ / "x.mid").string()}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--to"), std::string::npos) << all_output(r);
  std::ofstream(dir_ / "bad.mid") << "MThd not really";
  r = test::run_emopiano(with_vae({"encode", (dir_ / "bad.mid").string(), "--emotion", "Q1"}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("bad.mid"), std::string::npos) << all_output(r);
  std::ofstream(dir_ / "z-bad.json") << R"({"segments": [{"mean": [1, 2]}]})";
  r = test::run_emopiano(with_vae({"decode", (dir_ / "z-bad.json").string(), "-o", (dir_ / "y.mid").string()}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("dimensions"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "y.mid"));
  r = test::run_emopiano(with_vae({"interpolate", piece("test0").string(), piece("test1").string(), "--emotion-a", "Q1",
                                   "--emotion-b", "Q2", "--steps", "1"}));
  EXPECT_NE(r.code, 0);
  r = test::run_emopiano(with_vae({"vae-sample", "--beams", "2", "-o", (dir_ / "b.mid").string()}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--temperature 0"), std::string::npos) << all_output(r);
  r = test::run_emopiano(
      with_vae({"vae-sample", "--beams", "0", "--temperature", "0", "-o", (dir_ / "b.mid").string()}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("--beams"), std::string::npos) << all_output(r);
  EXPECT_FALSE(fs::exists(dir_ / "b.mid"));
  r = test::run_emopiano({"vae-sample", "--vae", (dir_ / "missing.pt").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(all_output(r).find("missing.pt"), std::string::npos) << all_output(r);
}

}  // namespace
}  // namespace emopiano
