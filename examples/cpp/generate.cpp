// Generates an eight-bar piano piece for an emotion and writes it as MIDI:
// the C++ API end to end (the same piece generate_c writes for the same
// arguments).
//
//   generate_cpp OUT.mid [EMOTION [MODEL.pt]]
#include <emopiano/error.hpp>
#include <emopiano/midi.hpp>
#include <emopiano/model.hpp>
#include <emopiano/sampler.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: generate_cpp OUT.mid [EMOTION [MODEL.pt]]\n";
    return 2;
  }
  try {
    const auto model = emopiano::Model::load(argc > 3 ? argv[3] : emopiano::bundled_model_path());
    emopiano::Sampler sampler(model);
    emopiano::GenerationRequest request;
    request.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::parse(argc > 2 ? argv[2] : "sad"));
    request.params.seed = 1;
    request.params.max_bars = 8;
    request.params.stop_at_eos = false;  // eight whole bars
    long streamed = 0;
    request.on_note = [&](const emopiano::Note&, int) { ++streamed; };
    const emopiano::GenerationResult piece = sampler.generate(request);
    emopiano::write_midi_file(piece.score, argv[1]);
    std::cout << "wrote " << argv[1] << ": " << piece.notes << " notes, " << piece.bars << " bars, "
              << piece.score.duration_seconds() << " s of music (streamed " << streamed << " notes)\n";
  } catch (const emopiano::Error& e) {
    std::cerr << "generate_cpp: " << emopiano::error_code_name(e.code()) << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
