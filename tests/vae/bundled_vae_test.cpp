// The VAE that ships in models/: it loads, holds an attribute vector for
// every pair of quadrants, and its operations give well-formed pieces with
// notes. (How well its latent reconstructs is measured, not asserted: see
// docs/vae.md.)
#include <gtest/gtest.h>

#include <filesystem>

#include "emopiano/midi.hpp"
#include "emopiano/vae.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

TEST(BundledVae, LoadsAndEveryOperationGivesAWellFormedPiece) {
  const EmotionVae vae = EmotionVae::load(bundled_vae_path());
  for (int from = 0; from < 4; ++from)
    for (int to = 0; to < 4; ++to)
      EXPECT_EQ(vae.attribute_vector(Quadrant(from), Quadrant(to)).size(),
                static_cast<size_t>(vae.config().latent_dim));
  // The generator's four decoder layers, four encoder layers and the encoder's summary maps,
  // stored in f16 (about 14.6 MB) so the file stays under the 20 MiB a file in the
  // repository may take.
  EXPECT_LE(vae.parameter_count(), 7'500'000);
  EXPECT_LT(std::filesystem::file_size(bundled_vae_path()), 20u << 20);

  SamplingParams p;
  p.temperature = 0.8f;
  p.seed = 4;
  const auto samples = vae.sample(EmotionMix::from_quadrant(Quadrant::Q4), 2, 1.0f, p);
  for (const auto& s : samples) {
    EXPECT_FALSE(s.score.notes.empty());
    EXPECT_EQ(s.tokens.back(), vae.tokenizer().eos_id());
  }
  const Score joined = vae.join(samples);
  EXPECT_GE(joined.notes.size(), samples[0].score.notes.size() + samples[1].score.notes.size());

  EMOPIANO_NEED_EMOPIA();  // a skip only outside the test command
  const Score piece = read_midi_file(test::emopia_midis() / "Q1_0vLPYiPN7qY_0.mid");
  const Score sad = vae.transform(piece, Quadrant::Q1, Quadrant::Q3, 1.0f, p);
  EXPECT_FALSE(sad.notes.empty());
}

}  // namespace
}  // namespace emopiano
