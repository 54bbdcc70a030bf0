// Quadrants, emotion mixes and trajectories through the C ABI, checked
// against the C++ API they wrap.
#include <cmath>
#include <limits>
#include <string>

#include "capi/capi_fixtures.hpp"
#include "emopiano/emotion.hpp"

namespace {

TEST(CapiQuadrant, InfoAndParse) {
  const char* name = nullptr;
  const char* mood = nullptr;
  ASSERT_C_OK(emopiano_quadrant_info(&name, &mood, EMOPIANO_Q3));
  EXPECT_STREQ(name, "Q3");
  EXPECT_STREQ(mood, "sad");
  ASSERT_C_OK(emopiano_quadrant_info(nullptr, &mood, EMOPIANO_Q2));
  EXPECT_STREQ(mood, "tense");

  int32_t q = 0;
  ASSERT_C_OK(emopiano_quadrant_parse(&q, "calm"));
  EXPECT_EQ(q, EMOPIANO_Q4);
  ASSERT_C_OK(emopiano_quadrant_parse(&q, "q1"));
  EXPECT_EQ(q, EMOPIANO_Q1);
  ASSERT_C_OK(emopiano_quadrant_parse(&q, "2"));
  EXPECT_EQ(q, EMOPIANO_Q2);
}

TEST(CapiQuadrant, RejectsBadValues) {
  const char* name = nullptr;
  EXPECT_C_ERROR(emopiano_quadrant_info(&name, nullptr, 0), EMOPIANO_ERROR_INVALID_ARGUMENT, "quadrant 0");
  EXPECT_C_ERROR(emopiano_quadrant_info(&name, nullptr, 5), EMOPIANO_ERROR_INVALID_ARGUMENT, "quadrant 5");
  EXPECT_EQ(name, nullptr);
  int32_t q = 0;
  EXPECT_C_ERROR(emopiano_quadrant_parse(&q, "Q5"), EMOPIANO_ERROR_INVALID_ARGUMENT, "'Q5'");
  EXPECT_C_ERROR(emopiano_quadrant_parse(&q, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "text");
  EXPECT_EQ(q, 0);
}

TEST(CapiEmotion, ConstructorsAgreeWithTheCppApi) {
  emopiano_emotion e{};
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&e, EMOPIANO_Q2));
  EXPECT_FLOAT_EQ(e.p[0], 0.0f);
  EXPECT_FLOAT_EQ(e.p[1], 1.0f);

  const float w[4] = {1, 3, 0, 0};
  ASSERT_C_OK(emopiano_emotion_from_weights(&e, w));
  EXPECT_FLOAT_EQ(e.p[0], 0.25f);
  EXPECT_FLOAT_EQ(e.p[1], 0.75f);

  ASSERT_C_OK(emopiano_emotion_from_valence_arousal(&e, 0.7f, -0.3f));
  const auto mix = emopiano::EmotionMix::from_valence_arousal(0.7f, -0.3f);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(e.p[i], mix.probabilities()[i]);
  float v = 0, a = 0;
  ASSERT_C_OK(emopiano_emotion_valence_arousal(&v, &a, &e));
  EXPECT_NEAR(v, 0.7f, 1e-5);
  EXPECT_NEAR(a, -0.3f, 1e-5);
  int32_t dom = 0;
  ASSERT_C_OK(emopiano_emotion_dominant(&dom, &e));
  EXPECT_EQ(dom, EMOPIANO_Q4);

  ASSERT_C_OK(emopiano_emotion_parse(&e, "0.1,0.6,0.2,0.1"));
  EXPECT_FLOAT_EQ(e.p[1], 0.6f);
  ASSERT_C_OK(emopiano_emotion_dominant(&dom, &e));
  EXPECT_EQ(dom, EMOPIANO_Q2);
}

TEST(CapiEmotion, MixInterpolates) {
  emopiano_emotion a{}, b{}, m{};
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&a, EMOPIANO_Q1));
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&b, EMOPIANO_Q3));
  ASSERT_C_OK(emopiano_emotion_mix(&m, &a, &b, 0.25f));
  EXPECT_FLOAT_EQ(m.p[0], 0.75f);
  EXPECT_FLOAT_EQ(m.p[2], 0.25f);
  ASSERT_C_OK(emopiano_emotion_mix(&m, &a, &b, 7.0f));  // clamped
  EXPECT_FLOAT_EQ(m.p[2], 1.0f);
  EXPECT_C_ERROR(emopiano_emotion_mix(&m, &a, &b, std::nanf("")), EMOPIANO_ERROR_INVALID_ARGUMENT, "finite");
  EXPECT_C_ERROR(emopiano_emotion_mix(&m, nullptr, &b, 0.5f), EMOPIANO_ERROR_INVALID_ARGUMENT, "a is NULL");
}

TEST(CapiEmotion, RejectsInvalidInput) {
  emopiano_emotion e{};
  EXPECT_C_ERROR(emopiano_emotion_from_quadrant(&e, 9), EMOPIANO_ERROR_INVALID_ARGUMENT, "quadrant 9");
  EXPECT_C_ERROR(emopiano_emotion_from_quadrant(nullptr, 1), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  const float negative[4] = {1, -1, 0, 0};
  EXPECT_EQ(emopiano_emotion_from_weights(&e, negative), EMOPIANO_ERROR_INVALID_ARGUMENT);
  const float zero[4] = {0, 0, 0, 0};
  EXPECT_EQ(emopiano_emotion_from_weights(&e, zero), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_C_ERROR(emopiano_emotion_from_weights(&e, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "weights");
  EXPECT_EQ(emopiano_emotion_from_valence_arousal(&e, 1.5f, 0.0f), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_emotion_from_valence_arousal(&e, std::nanf(""), 0.0f), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(emopiano_emotion_parse(&e, "joyful-ish"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(emopiano_last_error()), "");
  // An emotion struct of garbage is rejected, not used.
  emopiano_emotion bad{{std::numeric_limits<float>::infinity(), 0, 0, 0}};
  int32_t dom = 0;
  EXPECT_EQ(emopiano_emotion_dominant(&dom, &bad), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_C_ERROR(emopiano_emotion_dominant(&dom, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "emotion");
}

TEST(CapiEmotion, ToStringReportsTheSizeNeeded) {
  emopiano_emotion e{};
  ASSERT_C_OK(emopiano_emotion_parse(&e, "0.1,0.6,0.2,0.1"));
  const std::string expected = emopiano::EmotionMix::parse("0.1,0.6,0.2,0.1").to_string();
  size_t needed = 0;
  EXPECT_C_ERROR(emopiano_emotion_to_string(nullptr, 0, &needed, &e), EMOPIANO_ERROR_BUFFER_TOO_SMALL, "needed");
  EXPECT_EQ(needed, expected.size() + 1);
  char small[4] = {'x', 'x', 'x', 'x'};
  EXPECT_EQ(emopiano_emotion_to_string(small, sizeof small, &needed, &e), EMOPIANO_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small[0], 'x');  // untouched
  std::string buffer(needed, '\0');
  ASSERT_C_OK(emopiano_emotion_to_string(buffer.data(), buffer.size(), &needed, &e));
  EXPECT_STREQ(buffer.c_str(), expected.c_str());
  // Exactly the size needed is enough; the size out-pointer is optional.
  ASSERT_C_OK(emopiano_emotion_to_string(buffer.data(), expected.size() + 1, nullptr, &e));
  EXPECT_C_ERROR(emopiano_emotion_to_string(nullptr, 10, &needed, &e), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "buffer is NULL");
}

TEST(CapiTrajectory, ParsedAndBuiltAgree) {
  emopiano_trajectory* parsed = nullptr;
  ASSERT_C_OK(emopiano_trajectory_parse(&parsed, "Q3@0,Q3@8,Q1@16"));
  emopiano_trajectory* built = nullptr;
  ASSERT_C_OK(emopiano_trajectory_new(&built));
  emopiano_emotion q1{}, q3{};
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&q1, EMOPIANO_Q1));
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&q3, EMOPIANO_Q3));
  // Out of order on purpose: keyframes are kept sorted.
  ASSERT_C_OK(emopiano_trajectory_add(built, 16, &q1));
  ASSERT_C_OK(emopiano_trajectory_add(built, 0, &q3));
  ASSERT_C_OK(emopiano_trajectory_add(built, 8, &q3));

  size_t n = 0;
  ASSERT_C_OK(emopiano_trajectory_keyframe_count(&n, built));
  EXPECT_EQ(n, 3u);
  double bar = -1;
  emopiano_emotion k{};
  ASSERT_C_OK(emopiano_trajectory_keyframe(&bar, &k, built, 2));
  EXPECT_EQ(bar, 16.0);
  EXPECT_FLOAT_EQ(k.p[0], 1.0f);

  for (double b : {0.0, 4.0, 8.0, 12.0, 16.0, 40.0}) {
    emopiano_emotion x{}, y{};
    ASSERT_C_OK(emopiano_trajectory_at(&x, parsed, b));
    ASSERT_C_OK(emopiano_trajectory_at(&y, built, b));
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(x.p[i], y.p[i]) << "bar " << b;
  }
  emopiano_emotion mid{};
  ASSERT_C_OK(emopiano_trajectory_at(&mid, parsed, 12.0));
  EXPECT_FLOAT_EQ(mid.p[0], 0.5f);
  EXPECT_FLOAT_EQ(mid.p[2], 0.5f);

  EXPECT_C_ERROR(emopiano_trajectory_keyframe(&bar, &k, built, 3), EMOPIANO_ERROR_INVALID_ARGUMENT, "out of range");
  emopiano_trajectory_free(parsed);
  emopiano_trajectory_free(built);
}

TEST(CapiTrajectory, RejectsBadInput) {
  emopiano_trajectory* t = reinterpret_cast<emopiano_trajectory*>(0x1);
  EXPECT_EQ(emopiano_trajectory_parse(&t, "Q3@-4"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);  // out handle cleared on failure
  EXPECT_EQ(emopiano_trajectory_parse(&t, "nonsense@@"), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_C_ERROR(emopiano_trajectory_parse(nullptr, "Q1@0"), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
  ASSERT_C_OK(emopiano_trajectory_new(&t));
  emopiano_emotion e{};
  EXPECT_C_ERROR(emopiano_trajectory_at(&e, t, 0.0), EMOPIANO_ERROR_INVALID_ARGUMENT, "no keyframes");
  ASSERT_C_OK(emopiano_emotion_from_quadrant(&e, EMOPIANO_Q2));
  EXPECT_C_ERROR(emopiano_trajectory_add(t, -1.0, &e), EMOPIANO_ERROR_INVALID_ARGUMENT, "bar");
  EXPECT_C_ERROR(emopiano_trajectory_add(t, std::nan(""), &e), EMOPIANO_ERROR_INVALID_ARGUMENT, "bar");
  EXPECT_C_ERROR(emopiano_trajectory_add(t, 1.0, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "emotion");
  EXPECT_C_ERROR(emopiano_trajectory_add(nullptr, 1.0, &e), EMOPIANO_ERROR_INVALID_ARGUMENT, "trajectory");
  size_t n = 99;
  ASSERT_C_OK(emopiano_trajectory_keyframe_count(&n, t));
  EXPECT_EQ(n, 0u);  // failed adds changed nothing
  emopiano_trajectory_free(t);
}

}  // namespace
