// A build without LibTorch has the whole ABI: the model, sampler, trainer,
// classifier and VAE functions exist and fail with EMOPIANO_ERROR_UNSUPPORTED
// (leaving out handles NULL), so programs and bindings load the same library
// either way. Only built into test_capi of builds without LibTorch.
#include "capi/capi_fixtures.hpp"

#if !defined(EMOPIANO_WITH_TORCH)

namespace {

TEST(CapiWithoutModel, ReportsNoModelSupport) { EXPECT_EQ(emopiano_has_model_support(), 0); }

TEST(CapiWithoutModel, HandlesAreNullAndTheStatusSaysUnsupported) {
  auto* model = reinterpret_cast<emopiano_model*>(0x1);
  EXPECT_C_ERROR(emopiano_model_load(&model, "models/emopiano-small.pt"), EMOPIANO_ERROR_UNSUPPORTED,
                 "without LibTorch");
  EXPECT_EQ(model, nullptr);
  model = reinterpret_cast<emopiano_model*>(0x1);
  EXPECT_C_ERROR(emopiano_model_load_with_options(&model, "models/emopiano-small.pt", 0, 1), EMOPIANO_ERROR_UNSUPPORTED,
                 "emopiano_model_load_with_options");
  EXPECT_EQ(model, nullptr);
  model = reinterpret_cast<emopiano_model*>(0x1);
  EXPECT_C_ERROR(emopiano_model_create(&model, nullptr, nullptr, 1), EMOPIANO_ERROR_UNSUPPORTED,
                 "emopiano_model_create");
  EXPECT_EQ(model, nullptr);

  auto* classifier = reinterpret_cast<emopiano_classifier*>(0x1);
  EXPECT_EQ(emopiano_classifier_load(&classifier, "c.pt"), EMOPIANO_ERROR_UNSUPPORTED);
  EXPECT_EQ(classifier, nullptr);
  auto* vae = reinterpret_cast<emopiano_vae*>(0x1);
  EXPECT_EQ(emopiano_vae_load(&vae, "v.pt"), EMOPIANO_ERROR_UNSUPPORTED);
  EXPECT_EQ(vae, nullptr);
  char* path = reinterpret_cast<char*>(0x1);
  EXPECT_EQ(emopiano_bundled_model_path(&path), EMOPIANO_ERROR_UNSUPPORTED);
  EXPECT_EQ(path, nullptr);

  emopiano_generation* pieces[3] = {reinterpret_cast<emopiano_generation*>(0x1),
                                    reinterpret_cast<emopiano_generation*>(0x1),
                                    reinterpret_cast<emopiano_generation*>(0x1)};
  EXPECT_EQ(emopiano_sampler_generate_batch(pieces, 3, nullptr, nullptr), EMOPIANO_ERROR_UNSUPPORTED);
  for (auto* piece : pieces) EXPECT_EQ(piece, nullptr);

  emopiano_generate_params params;
  EXPECT_EQ(emopiano_generate_params_init(&params, sizeof params), EMOPIANO_ERROR_UNSUPPORTED);
  EXPECT_EQ(emopiano_set_compute_threads(1), EMOPIANO_ERROR_UNSUPPORTED);
  EXPECT_EQ(emopiano_last_error_code(), EMOPIANO_ERROR_UNSUPPORTED);
}

TEST(CapiWithoutModel, FreeFunctionsAcceptNull) {
  emopiano_model_free(nullptr);
  emopiano_sampler_free(nullptr);
  emopiano_generation_free(nullptr);
  emopiano_trainer_free(nullptr);
  emopiano_classifier_free(nullptr);
  emopiano_vae_free(nullptr);
}

}  // namespace

#endif  // !EMOPIANO_WITH_TORCH
