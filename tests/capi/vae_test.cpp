// The VAE through the C ABI: every call on a tiny VAE file, and what bad
// input (NULL, a wrong latent size, an untrained model's arithmetic, a
// corrupt file) returns instead of crashing.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <tuple>
#include <vector>

#include "capi_fixtures.hpp"
#include "emopiano/vae.hpp"
#include "emopiano/vae_attributes.hpp"
#include "support/test_support.hpp"

namespace emopiano::capi_test {
namespace {

std::filesystem::path tiny_vae_file() {
  VaeConfig c;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.d_model = 32;
  c.n_heads = 2;
  c.d_ff = 64;
  c.latent_dim = 6;
  c.segment_bars = 2;
  c.max_segment_tokens = 96;
  const auto dir = test::temp_dir("capi-vae");
  EmotionVae::create(c, TokenizerConfig{}, 2).save(dir / "tiny-vae.pt");
  write_bytes(dir / "piece.mid", small_piece_bytes());
  return dir;
}

// A MIDI file's notes as (onset tick, pitch, velocity, end tick).
std::vector<std::tuple<int64_t, int, int, int64_t>> notes_of(const std::filesystem::path& path) {
  std::vector<std::tuple<int64_t, int, int, int64_t>> out;
  for (const Note& n : read_midi_file(path).notes) out.emplace_back(n.start_tick, n.pitch, n.velocity, n.end_tick);
  return out;
}

struct VaeHandle {
  emopiano_vae* vae = nullptr;
  ~VaeHandle() { emopiano_vae_free(vae); }
};

TEST(CapiVae, EncodesDecodesAndInterpolates) {
  const auto dir = tiny_vae_file();
  VaeHandle h;
  ASSERT_C_OK(emopiano_vae_load(&h.vae, (dir / "tiny-vae.pt").c_str()));
  int32_t dim = 0, bars = 0;
  ASSERT_C_OK(emopiano_vae_info(&dim, &bars, h.vae));
  EXPECT_EQ(dim, 6);
  EXPECT_EQ(bars, 2);

  emopiano_emotion happy;
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&happy, 1));
  std::vector<float> mean(6), log_variance(6);
  ASSERT_C_OK(
      emopiano_vae_encode_file(mean.data(), log_variance.data(), 6, h.vae, (dir / "piece.mid").c_str(), &happy));
  const LatentCode expected =
      EmotionVae::load(dir / "tiny-vae.pt").encode(small_piece(), EmotionMix::from_quadrant(Quadrant::Q1));
  EXPECT_EQ(mean, expected.mean);
  EXPECT_EQ(log_variance, expected.log_variance);

  emopiano_vae_params params;
  ASSERT_C_OK(emopiano_vae_params_init(&params, sizeof params));
  EXPECT_FLOAT_EQ(params.temperature, 0.8f);
  params.seed = 5;
  uint8_t* bytes = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_vae_decode_midi(&bytes, &size, h.vae, mean.data(), 6, &happy, &params));
  Owned<uint8_t> owned(bytes);
  ASSERT_GT(size, 14u);
  EXPECT_EQ(std::memcmp(bytes, "MThd", 4), 0);
  ASSERT_C_OK(emopiano_vae_decode_file(h.vae, mean.data(), 6, nullptr, nullptr, (dir / "decoded.mid").c_str()));
  EXPECT_NO_THROW(read_midi_file(dir / "decoded.mid"));

  // Greedy with beams, as the C++ API decodes; a v1 struct (without beams) decodes greedily.
  EXPECT_EQ(params.beams, 1);
  params.temperature = 0.0f;
  params.beams = 3;
  ASSERT_C_OK(emopiano_vae_decode_file(h.vae, mean.data(), 6, &happy, &params, (dir / "beams.mid").c_str()));
  SamplingParams beams;
  beams.temperature = 0.0f;
  beams.seed = 5;
  beams.beams = 3;
  const EmotionVae vae = EmotionVae::load(dir / "tiny-vae.pt");
  const auto happy_mix = EmotionMix::from_quadrant(Quadrant::Q1);
  write_midi_file(vae.join({vae.decode(mean, happy_mix, beams)}), dir / "beams-cxx.mid");
  EXPECT_EQ(notes_of(dir / "beams.mid"), notes_of(dir / "beams-cxx.mid"));
  params.struct_size = offsetof(emopiano_vae_params, beams);
  ASSERT_C_OK(emopiano_vae_decode_file(h.vae, mean.data(), 6, &happy, &params, (dir / "greedy.mid").c_str()));
  beams.beams = 1;
  write_midi_file(vae.join({vae.decode(mean, happy_mix, beams)}), dir / "greedy-cxx.mid");
  EXPECT_EQ(notes_of(dir / "greedy.mid"), notes_of(dir / "greedy-cxx.mid"));

  std::vector<float> z1(6), z2(6), z3(6);
  ASSERT_C_OK(emopiano_vae_sample_latent(z1.data(), 6, h.vae, 1.0f, 9));
  ASSERT_C_OK(emopiano_vae_sample_latent(z2.data(), 6, h.vae, 1.0f, 9));
  ASSERT_C_OK(emopiano_vae_sample_latent(z3.data(), 6, h.vae, 1.0f, 10));
  EXPECT_EQ(z1, z2);
  EXPECT_NE(z1, z3);
  std::vector<float> path(4 * 6);
  ASSERT_C_OK(emopiano_vae_interpolate_latents(path.data(), z1.data(), z3.data(), 6, 4, 1));
  EXPECT_TRUE(std::equal(z1.begin(), z1.end(), path.begin()));
  EXPECT_TRUE(std::equal(z3.begin(), z3.end(), path.begin() + 18));
}

TEST(CapiVae, BadInputIsAnErrorNotACrash) {
  const auto dir = tiny_vae_file();
  VaeHandle h;
  ASSERT_C_OK(emopiano_vae_load(&h.vae, (dir / "tiny-vae.pt").c_str()));
  std::vector<float> z(6, 0.0f);
  EXPECT_C_ERROR(emopiano_vae_load(nullptr, "x"), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  emopiano_vae* none = nullptr;
  EXPECT_C_ERROR(emopiano_vae_load(&none, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "path");
  EXPECT_EQ(none, nullptr);
  EXPECT_C_ERROR(emopiano_vae_info(nullptr, nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "vae");
  EXPECT_C_ERROR(emopiano_vae_encode_file(z.data(), nullptr, 5, h.vae, (dir / "piece.mid").c_str(), nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "dim");
  EXPECT_C_ERROR(emopiano_vae_decode_file(h.vae, nullptr, 6, nullptr, nullptr, (dir / "x.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "z");
  z[2] = NAN;
  EXPECT_C_ERROR(emopiano_vae_decode_file(h.vae, z.data(), 6, nullptr, nullptr, (dir / "x.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "finite");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.mid"));
  EXPECT_C_ERROR(emopiano_vae_attribute_vector(z.data(), 6, h.vae, 1, 3), EMOPIANO_ERROR_UNSUPPORTED, "quadrant means");
  EXPECT_C_ERROR(emopiano_vae_attribute_vector(z.data(), 6, h.vae, 0, 3), EMOPIANO_ERROR_INVALID_ARGUMENT, "");
  EXPECT_C_ERROR(
      emopiano_vae_transform_file(h.vae, (dir / "piece.mid").c_str(), 1, 3, 1.0f, nullptr, (dir / "t.mid").c_str()),
      EMOPIANO_ERROR_UNSUPPORTED, "quadrant means");
  EXPECT_C_ERROR(emopiano_vae_interpolate_latents(z.data(), z.data(), z.data(), 6, 1, 0),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "steps");
  emopiano_vae_params params;
  ASSERT_C_OK(emopiano_vae_params_init(&params, sizeof params));
  params.top_p = 0.0f;
  z[2] = 0.0f;
  EXPECT_C_ERROR(emopiano_vae_decode_file(h.vae, z.data(), 6, nullptr, &params, (dir / "x.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "top_p");
  params.top_p = 0.95f;
  params.beams = 2;  // beams with sampling (temperature 0.8)
  EXPECT_C_ERROR(emopiano_vae_decode_file(h.vae, z.data(), 6, nullptr, &params, (dir / "x.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "beams");
  params.beams = 0;
  params.temperature = 0.0f;
  EXPECT_C_ERROR(emopiano_vae_decode_file(h.vae, z.data(), 6, nullptr, &params, (dir / "x.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "beams");
  // A truncated file.
  auto bytes = read_bytes(dir / "tiny-vae.pt");
  bytes.resize(bytes.size() - 10);
  write_bytes(dir / "cut.pt", bytes);
  EXPECT_C_ERROR(emopiano_vae_load(&none, (dir / "cut.pt").c_str()), EMOPIANO_ERROR_FORMAT, "cut.pt");
  EXPECT_EQ(none, nullptr);
  emopiano_vae_free(nullptr);  // allowed, as free(NULL)
}

// The bundled VAE holds the four musical attribute vectors: the C ABI gives
// each one as the C++ API does, and transform_by moves a file's latents by a
// caller's sum of them, as the C++ transform_by does.
TEST(CapiVae, MusicalAttributeVectorsAndTransformBy) {
  char* path = nullptr;
  ASSERT_C_OK(emopiano_bundled_vae_path(&path));
  const std::string bundled(path);
  emopiano_free(path);
  const EmotionVae cpp = EmotionVae::load(bundled);
  VaeHandle h;
  ASSERT_C_OK(emopiano_vae_load(&h.vae, bundled.c_str()));
  const size_t dim = static_cast<size_t>(cpp.config().latent_dim);
  std::vector<float> shift(dim, 0.0f);
  for (int a = EMOPIANO_VAE_DENSITY; a <= EMOPIANO_VAE_MODE; ++a) {
    std::vector<float> v(dim);
    ASSERT_C_OK(emopiano_vae_musical_attribute_vector(v.data(), dim, h.vae, a));
    EXPECT_EQ(v, attribute_vector(cpp, static_cast<VaeAttribute>(a))) << a;
    for (size_t d = 0; d < dim; ++d) shift[d] += (a == EMOPIANO_VAE_SYNCOPATION ? -1.0f : 1.0f) * v[d];
  }
  std::vector<float> out(dim);
  EXPECT_C_ERROR(emopiano_vae_musical_attribute_vector(out.data(), dim, h.vae, 4), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "attribute");
  EXPECT_C_ERROR(emopiano_vae_musical_attribute_vector(out.data(), dim - 1, h.vae, 0), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "dim");

  const auto dir = tiny_vae_file();
  emopiano_vae_params params;
  ASSERT_C_OK(emopiano_vae_params_init(&params, sizeof params));
  params.seed = 4;
  ASSERT_C_OK(emopiano_vae_transform_by_file(h.vae, (dir / "piece.mid").c_str(), EMOPIANO_Q2, EMOPIANO_Q4, shift.data(),
                                             dim, &params, (dir / "moved.mid").c_str()));
  SamplingParams same;
  same.temperature = params.temperature;
  same.top_p = params.top_p;
  same.seed = params.seed;
  const Score expected = transform_by(cpp, read_midi_file(dir / "piece.mid"), Quadrant::Q2, Quadrant::Q4, shift, same);
  const Score moved = read_midi_file(dir / "moved.mid");
  ASSERT_EQ(moved.notes.size(), expected.notes.size());
  for (size_t i = 0; i < moved.notes.size(); ++i) EXPECT_EQ(moved.notes[i].pitch, expected.notes[i].pitch) << i;

  shift[1] = NAN;
  EXPECT_C_ERROR(emopiano_vae_transform_by_file(h.vae, (dir / "piece.mid").c_str(), 1, 1, shift.data(), dim, nullptr,
                                                (dir / "bad.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "finite");
  EXPECT_C_ERROR(emopiano_vae_transform_by_file(h.vae, (dir / "piece.mid").c_str(), 1, 1, nullptr, dim, nullptr,
                                                (dir / "bad.mid").c_str()),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "shift");
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.mid"));
  // A file without the vectors says how to add them.
  VaeHandle tiny;
  ASSERT_C_OK(emopiano_vae_load(&tiny.vae, (dir / "tiny-vae.pt").c_str()));
  std::vector<float> six(6);
  EXPECT_C_ERROR(emopiano_vae_musical_attribute_vector(six.data(), 6, tiny.vae, EMOPIANO_VAE_MODE),
                 EMOPIANO_ERROR_UNSUPPORTED, "vae-attributes");
}

}  // namespace
}  // namespace emopiano::capi_test
