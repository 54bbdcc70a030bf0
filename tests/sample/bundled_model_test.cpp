// Generation with the bundled model: behaviour that only a trained model shows.
#include <gtest/gtest.h>

#include <filesystem>

#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

// Notes whose onset is on the last grid step of the last bar.
int notes_on_final_step(const GenerationResult& piece, const Tokenizer& tok) {
  int last_bar_start = -1;
  for (size_t i = 0; i < piece.tokens.size(); ++i)
    if (tok.token_to_string(piece.tokens[i]) == "Bar") last_bar_start = int(i);
  int last_position = -1;
  for (size_t i = size_t(std::max(0, last_bar_start)); i < piece.tokens.size(); ++i)
    if (tok.token_to_string(piece.tokens[i]).rfind("Position_", 0) == 0) last_position = int(i);
  if (last_position < 0 ||
      tok.token_to_string(piece.tokens[size_t(last_position)]) != "Position_15")
    return 0;
  int notes = 0;
  for (size_t i = size_t(last_position); i < piece.tokens.size(); ++i)
    notes += tok.token_to_string(piece.tokens[i]).rfind("Pitch_", 0) == 0;
  return notes;
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
  request.params.max_bars = 4;
  request.params.seed = 11;
  auto pieces = sampler.generate_batch(request, 6);
  // At the bar limit the probability of a new Bar becomes that of EOS. Were it
  // only masked, the model would pile ~10 notes onto the last sixteenth of
  // every piece before it let the piece end.
  int final_step_notes = 0;
  for (const auto& piece : pieces) {
    EXPECT_EQ(piece.stop_reason, StopReason::eos);
    EXPECT_LE(piece.bars, 4);
    EXPECT_GT(piece.notes, 8);
    final_step_notes += notes_on_final_step(piece, model.tokenizer());
  }
  EXPECT_LE(final_step_notes, 6) << "notes on the last sixteenth, summed over 6 pieces";
}

}  // namespace
}  // namespace emopiano
