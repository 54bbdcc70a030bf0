// The VAE end to end on tiny data: a tiny model overfitted to a few segments
// decodes each one back from its latent; the model file round-trips and
// refuses what is not a VAE; the trainer resumes exactly, checkpoints on
// cancel and stores the quadrant means that emotion arithmetic uses.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/vae.hpp"
#include "support/container_parts.hpp"
#include "train/tiny_corpus.hpp"
#include "vae/tiny_vae.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano {
namespace {

const std::vector<int> kScale = {60, 62, 64, 65, 67, 69, 71, 72};

// 32 pitches, so each of the four bars of melody(kWalk, 4) is different.
std::vector<int> walk() {
  std::vector<int> p;
  for (int i = 0; i < 32; ++i) p.push_back(55 + (i * 7) % 24);
  return p;
}

VaeConfig two_bar_vae() { return test::tiny_vae(2, 128); }

std::filesystem::path corpus() {
  return test::write_corpus("vae-tiny", {{"scale", test::melody(kScale, 4), "Q1", "train"},
                                         {"walk", test::melody(walk(), 4), "Q3", "train"},
                                         {"walk_val", test::melody(walk(), 2), "Q3", "val"}});
}

// The training segments the test expects back: the walk from each bar.
std::vector<std::vector<int32_t>> walk_segments(const EmotionVae& vae, const Dataset& data) {
  const auto& impl = impl_of(vae);
  for (const auto& item : data.items()) {
    if (item.name.find("walk") == 0 && item.split == Split::train) {
      const auto bars = impl.cutter->bar_starts(item.tokens);
      std::vector<std::vector<int32_t>> out;
      for (size_t b = 0; b + 2 <= bars.size(); ++b)
        out.push_back(impl.cutter->segment(item.tokens, bars, b, item.label));
      return out;
    }
  }
  return {};
}

TEST(EmotionVae, OverfittedModelDecodesSegmentsBackFromTheirLatents) {
  const Dataset data = test::load_corpus(corpus());
  EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 3);
  // The latent must learn to tell the segments apart through the
  // reparameterisation noise: a few hundred steps are too few (checked).
  VaeTrainer trainer(vae, data, test::autoencoder_training(800, 6, 3e-3));
  trainer.run();
  vae = trainer.vae();
  const auto segments = walk_segments(vae, data);
  ASSERT_GE(segments.size(), 3u);
  // The walk's segments differ only by the bar they start at, under the
  // same emotion: only z tells the decoder which one to write.
  EXPECT_NE(segments[0], segments[1]);
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  const EmotionMix sad = EmotionMix::from_quadrant(Quadrant::Q3);
  std::vector<std::vector<float>> z;
  for (const auto& s : segments) z.push_back(vae.encode_tokens(s, sad).mean);
  auto decoded = vae.decode(z, std::vector<EmotionMix>(z.size(), sad), greedy);
  for (size_t i = 0; i < segments.size(); ++i) EXPECT_EQ(decoded[i].tokens, segments[i]) << "segment " << i;
  // Swapping the latents swaps the segments.
  auto swapped = vae.decode(z[1], sad, greedy);
  EXPECT_EQ(swapped.tokens, segments[1]);

  // Interpolation starts and ends at the encoded inputs.
  const Score a = vae.tokenizer().decode(segments[0]), b = vae.tokenizer().decode(segments[1]);
  auto path = vae.interpolate(a, sad, b, sad, 4, Interpolation::spherical, greedy);
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path.front().z, vae.encode(a, sad).mean);
  EXPECT_EQ(path.back().z, vae.encode(b, sad).mean);
  EXPECT_EQ(path.front().tokens, segments[0]);
  EXPECT_EQ(path.back().tokens, segments[1]);

  // Pieces of two segments interpolate segment by segment: the ends are the
  // pieces' own segments, and a count past the pieces' length is cut to it.
  auto two = [&](size_t first) {
    return vae.join({VaeSegment{segments[first], {}, {}}, VaeSegment{segments[first + 1], {}, {}}});
  };
  auto pieces = vae.interpolate_pieces(two(0), sad, two(1), sad, 3, 5, Interpolation::spherical, greedy);
  ASSERT_EQ(pieces.size(), 3u);
  for (const auto& step : pieces) ASSERT_EQ(step.size(), 2u);
  EXPECT_EQ(pieces.front()[0].tokens, segments[0]);
  EXPECT_EQ(pieces.front()[1].tokens, segments[1]);
  EXPECT_EQ(pieces.back()[0].tokens, segments[1]);
  EXPECT_EQ(pieces.back()[1].tokens, segments[2]);
  EXPECT_THROW(vae.interpolate_pieces(two(0), sad, two(1), sad, 3, 0, Interpolation::spherical, greedy), Error);

  // Variations at similarity 1 are the piece; the trainer stored quadrant means.
  auto same = vae.variations(a, sad, 1.0f, 2, greedy);
  EXPECT_EQ(same[0].tokens, segments[0]);
  ASSERT_TRUE(vae.has_attribute_vectors());
  auto shift = vae.attribute_vector(Quadrant::Q3, Quadrant::Q1);
  auto back = vae.attribute_vector(Quadrant::Q1, Quadrant::Q3);
  ASSERT_EQ(shift.size(), 8u);
  for (size_t d = 0; d < shift.size(); ++d) EXPECT_FLOAT_EQ(shift[d], -back[d]);
  // No training piece is in Q2 here, so it has no mean and no vector.
  EXPECT_THROW(vae.attribute_vector(Quadrant::Q1, Quadrant::Q2), Error);
}

TEST(EmotionVae, DecodedSegmentsFollowTheGrammarAndTheBarLimit) {
  EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 5);  // untrained: random choices
  SamplingParams p;
  p.seed = 11;
  auto out = vae.sample(EmotionMix::from_quadrant(Quadrant::Q2), 6, 1.0f, p);
  ASSERT_EQ(out.size(), 6u);
  for (const auto& s : out) {
    EXPECT_LE(static_cast<int>(s.tokens.size()), vae.config().max_segment_tokens);
    EXPECT_EQ(s.tokens.front(), vae.tokenizer().bos_id());
    EXPECT_EQ(s.tokens.back(), vae.tokenizer().eos_id());
    EXPECT_NO_THROW(impl_of(vae).cutter->inputs(s.tokens));
    int bars = 0;
    for (int32_t t : s.tokens) bars += vae.tokenizer().token_to_string(t) == "Bar";
    EXPECT_LE(bars, vae.config().segment_bars);
  }
  // The same seed gives the same segments.
  auto again = vae.sample(EmotionMix::from_quadrant(Quadrant::Q2), 6, 1.0f, p);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(again[i].tokens, out[i].tokens);
  EXPECT_THROW(vae.decode(std::vector<float>(3, 0.0f), EmotionMix(), p), Error);
  EXPECT_THROW(vae.decode(std::vector<float>(8, NAN), EmotionMix(), p), Error);
  EXPECT_THROW(vae.variations(Score{}, EmotionMix(), 1.5f, 1, p), Error);
  EXPECT_THROW(vae.attribute_vector(Quadrant::Q1, Quadrant::Q3), Error);  // never trained
}

TEST(EmotionVae, FileRoundTripsAndRefusesOtherFiles) {
  EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 9);
  vae.set_metadata_json(R"({"note": "test"})");
  const auto dir = test::temp_dir("vae-file");
  vae.save(dir / "v.pt");
  EmotionVae back = EmotionVae::load(dir / "v.pt");
  EXPECT_EQ(back.config(), vae.config());
  EXPECT_EQ(back.metadata_json(), vae.metadata_json());
  auto pa = impl_of(vae).net->named_parameters(), pb = impl_of(back).net->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();

  // Truncated: a clear format error, never a crash.
  std::ifstream in(dir / "v.pt", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "cut.pt", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
  try {
    EmotionVae::load(dir / "cut.pt");
    FAIL() << "a truncated file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
  }
  // A generator model is not a VAE.
  ModelConfig mc;
  mc.n_layers = 1;
  mc.d_model = 32;
  mc.n_heads = 2;
  mc.d_ff = 64;
  mc.context_length = 32;
  Model::create(mc, TokenizerConfig{}, 1).save(dir / "model.pt");
  try {
    EmotionVae::load(dir / "model.pt");
    FAIL() << "a generator model loaded as a VAE";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("not a VAE"), std::string::npos) << e.what();
  }
  EXPECT_THROW(EmotionVae::load(dir / "missing.pt"), Error);
}

// f16 storage halves the file and rounds every weight to 11 significant bits;
// the buffers (quadrant means, segment counts) stay exact.
TEST(EmotionVae, HalfPrecisionFileRoundsTheWeightsAndKeepsTheBuffersExact) {
  EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 9);
  {
    torch::NoGradGuard no_grad;
    auto& net = *impl_of(vae).net;
    net.quadrant_means.copy_(torch::randn_like(net.quadrant_means).mul_(1.2345678f));
    net.quadrant_counts.copy_(torch::tensor({4097.0f, 2049.0f, 1.0f, 70001.0f}));  // not exact in f16
  }
  const auto dir = test::temp_dir("vae-file-f16");
  vae.save(dir / "v32.pt");
  vae.save(dir / "v16.pt", WeightStorage::f16);
  EXPECT_LT(std::filesystem::file_size(dir / "v16.pt"), std::filesystem::file_size(dir / "v32.pt") * 6 / 10);
  EmotionVae back = EmotionVae::load(dir / "v16.pt");
  EXPECT_EQ(back.config(), vae.config());
  const auto& a = *impl_of(vae).net;
  const auto& b = *impl_of(back).net;
  EXPECT_TRUE(torch::equal(a.quadrant_means, b.quadrant_means));
  EXPECT_TRUE(torch::equal(a.quadrant_counts, b.quadrant_counts));
  auto pa = a.named_parameters(), pb = b.named_parameters();
  int rounded = 0;
  for (const auto& item : pa) {
    const torch::Tensor& x = item.value();
    const torch::Tensor& y = pb[item.key()];
    EXPECT_TRUE(torch::equal(y, x.to(torch::kHalf).to(torch::kFloat))) << item.key();
    rounded += !torch::equal(x, y);
  }
  EXPECT_GT(rounded, 0) << "the weights were stored with fewer bits";
}

TEST(EmotionVae, AFileFromANewerBuildIsUnsupportedAndOlderBuildsReadOurs) {
  const auto dir = test::temp_dir("vae-newer");
  EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 9);
  vae.save(dir / "v.pt");
  std::ifstream in(dir / "v.pt", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parts = test::split_container(bytes);
  // Options added later are written only when used: a VAE without them has
  // the keys every build knows.
  ASSERT_TRUE(parts.header["vae"].is_object());
  EXPECT_FALSE(parts.header["vae"].contains("latent_every_block")) << parts.header["vae"].dump();
  EXPECT_FALSE(parts.header["vae"].contains("latent_tokens")) << parts.header["vae"].dump();
  EXPECT_FALSE(parts.header["vae"].contains("encoder_summary_tokens")) << parts.header["vae"].dump();

  parts.header["vae"]["latent_conductor"] = 2;  // an option of a later build
  std::ofstream(dir / "newer.pt", std::ios::binary) << test::seal_container(parts);
  try {
    EmotionVae::load(dir / "newer.pt");
    FAIL() << "a file with an unknown option loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("\"latent_conductor\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(VaeTrainer, ResumesExactlyAndCheckpointsOnCancel) {
  const Dataset data = test::load_corpus(corpus());
  auto config = test::autoencoder_training(6, 6, 3e-3);
  config.max_beta = 0.2;  // exercise the KL path and the random draws too
  config.beta_rate = 0.5;
  config.free_bits = 0.1;
  config.word_dropout = 0.3;  // its draws come from the trainer's generator, saved with the checkpoint
  config.transpose_min = -2;
  config.transpose_max = 2;
  VaeTrainer straight(EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 4), data, config);
  straight.run();

  const auto dir = test::temp_dir("vae-resume");
  auto first = config;
  first.max_steps = 6;
  first.checkpoint_dir = dir;
  EmotionVae resumed = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 4);
  CancelToken cancel;
  VaeTrainerHooks hooks;
  hooks.cancel = cancel;
  int steps_seen = 0;
  hooks.progress = [&](const ProgressInfo& info) {
    if (info.stage == "train" && ++steps_seen == 3) cancel.cancel();
    return true;
  };
  try {
    VaeTrainer(resumed, data, first, hooks).run();
    FAIL() << "cancel did not stop the run";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  ASSERT_TRUE(std::filesystem::exists(dir / "trainer_state.json"));
  VaeTrainer again = VaeTrainer::resume(dir, data, first);
  EXPECT_EQ(again.step(), 3);
  again.run();
  auto pa = impl_of(straight.vae()).net->named_parameters();
  auto pb = impl_of(again.vae()).net->named_parameters();
  for (const auto& item : pa)
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key() << " differs (not bitwise)";
  const VaeMetrics m = again.evaluate();
  EXPECT_GT(m.segments, 0);
  EXPECT_EQ(static_cast<int>(m.kl_per_dimension.size()), 8);
  EXPECT_GE(m.active_dimensions, 0);
  EXPECT_LE(m.active_dimensions, 8);
}

// The trainer trains a copy: a handle made before (as another thread decoding
// with it would hold) keeps its weights, vae() hands out copies that further
// steps do not change, and every network is left in eval mode.
TEST(VaeTrainer, TrainsACopyAndLeavesOtherHandlesAlone) {
  const Dataset data = test::load_corpus(corpus());
  const EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 6);
  auto weights = [](const EmotionVae& v) {
    std::vector<torch::Tensor> out;
    for (const auto& p : impl_of(v).net->parameters()) out.push_back(p.detach().clone());
    return out;
  };
  auto same = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!torch::equal(a[i], b[i])) return false;
    return true;
  };
  const auto before = weights(vae);
  auto config = test::autoencoder_training(2, 6, 3e-3);
  config.warmup_steps = 0;
  VaeTrainer trainer(vae, data, config);
  const EmotionVae handed_out = trainer.vae();
  trainer.run();
  const EmotionVae trained = trainer.vae();
  EXPECT_TRUE(same(weights(vae), before)) << "training changed the handle it was given";
  EXPECT_TRUE(same(weights(handed_out), before)) << "steps after vae() changed its copy";
  EXPECT_FALSE(same(weights(trained), before)) << "training changed nothing";
  EXPECT_EQ(vae.metadata_json(), "{}");
  EXPECT_NE(trained.metadata_json(), "{}");
  EXPECT_FALSE(impl_of(vae).net->is_training());
  EXPECT_FALSE(impl_of(trained).net->is_training());
}

TEST(EmotionVae, SetMetadataLeavesOtherCopiesAlone) {
  const EmotionVae vae = EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 2);
  EmotionVae renamed = vae;
  renamed.set_metadata_json(R"({"name": "x"})");
  EXPECT_EQ(vae.metadata_json(), "{}");
  EXPECT_EQ(renamed.metadata_json(), R"({"name":"x"})");
  EXPECT_EQ(impl_of(renamed).net.get(), impl_of(vae).net.get()) << "the network is shared, not copied";
}

TEST(EmotionVae, CreatingLeavesTheHostsRandomDrawsAlone) {
  torch::manual_seed(5);
  const torch::Tensor expected = torch::rand({8});
  torch::manual_seed(5);
  EmotionVae::create(two_bar_vae(), TokenizerConfig{}, 1);
  EXPECT_TRUE(torch::equal(torch::rand({8}), expected));
}

}  // namespace
}  // namespace emopiano
