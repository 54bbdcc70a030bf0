// Generation with the bundled model: behaviour that only a trained model shows.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

// Notes whose onset is on the last grid step (Position_15) of each bar, in order.
std::vector<int> notes_on_last_step(const GenerationResult& piece, const Tokenizer& tok) {
  std::vector<int> per_bar;
  bool on_last_step = false;
  for (int32_t id : piece.tokens) {
    const std::string name = tok.token_to_string(id);
    if (name == "Bar") {
      per_bar.push_back(0);
      on_last_step = false;
    } else if (name.rfind("Position_", 0) == 0) {
      on_last_step = name == "Position_15";
    } else if (on_last_step && !per_bar.empty() && name.rfind("Pitch_", 0) == 0) {
      ++per_bar.back();
    }
  }
  return per_bar;
}

TEST(BundledModel, PiecesEndWhereTheModelWouldStartANewBar) {
  std::filesystem::path path;
  try {
    path = bundled_model_path();
  } catch (const Error&) {
    EMOPIANO_MISSING("the bundled model");
  }
  Model model = Model::load(path);
  Sampler sampler(model);
  GenerationRequest request;
  request.emotion = EmotionTrajectory(EmotionMix::parse("happy"));
  request.params.max_bars = 8;
  request.params.seed = 11;
  auto pieces = sampler.generate_batch(request, 6);
  // At the bar limit the probability of a new Bar becomes that of EOS. Were it
  // only masked, the model would pile ~10 notes onto the last sixteenth of
  // every piece before it let the piece end. Performances read on their
  // tracked beats do put notes there (a downbeat played a little early), so
  // the last bar is compared with the pieces' other bars.
  int final_bar = 0, other_bars = 0, other_notes = 0;
  for (const auto& piece : pieces) {
    EXPECT_EQ(piece.stop_reason, StopReason::eos);
    EXPECT_LE(piece.bars, 8);
    EXPECT_GT(piece.notes, 8);
    auto per_bar = notes_on_last_step(piece, model.tokenizer());
    ASSERT_FALSE(per_bar.empty());
    final_bar += per_bar.back();
    for (size_t b = 0; b + 1 < per_bar.size(); ++b) {
      other_notes += per_bar[b];
      ++other_bars;
    }
  }
  const double usual = other_bars > 0 ? static_cast<double>(other_notes) / other_bars : 0.0;
  EXPECT_LE(final_bar, 2.0 * usual * static_cast<double>(pieces.size()) + 6.0)
      << "notes on the last sixteenth of the last bar, summed over 6 pieces, against " << usual << " per bar elsewhere";
}

}  // namespace
}  // namespace emopiano
