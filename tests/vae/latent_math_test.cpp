// The VAE's arithmetic: KL against hand computation, the reparameterisation's
// statistics, MusicVAE's beta schedule, and interpolation paths.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"
#include "vae/vae_network.hpp"

namespace emopiano {
namespace {

TEST(KlPerDimension, MatchesHandComputation) {
  // KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1 - ln s^2) / 2.
  LatentCode code{{0.0f, 1.0f, 0.0f, -2.0f},
                  {0.0f, 0.0f, static_cast<float>(std::log(4.0)), static_cast<float>(std::log(0.25))}};
  auto kl = kl_per_dimension(code);
  ASSERT_EQ(kl.size(), 4u);
  EXPECT_NEAR(kl[0], 0.0, 1e-9);                                // the prior itself
  EXPECT_NEAR(kl[1], 0.5, 1e-6);                                // (1 + 1 - 1 - 0) / 2
  EXPECT_NEAR(kl[2], 0.5 * (4.0 - 1.0 - std::log(4.0)), 1e-6);  // 0.8069
  EXPECT_NEAR(kl[3], 0.5 * (4.0 + 0.25 - 1.0 - std::log(0.25)), 1e-6);
  EXPECT_THROW(kl_per_dimension(LatentCode{{0.0f}, {}}), Error);
}

TEST(Reparameterise, HasThePosteriorsMeanAndSpread) {
  torch::manual_seed(7);
  const int64_t n = 200000;
  auto mean = torch::tensor({1.5f, -0.5f, 0.0f}).expand({n, 3}).contiguous();
  auto log_variance = torch::tensor({0.0f, static_cast<float>(std::log(4.0)), static_cast<float>(std::log(0.01))})
                          .expand({n, 3})
                          .contiguous();
  auto z = reparameterise(mean, log_variance);
  auto m = z.mean(0), s = z.std(0);
  EXPECT_NEAR(m[0].item<float>(), 1.5f, 0.01f);
  EXPECT_NEAR(m[1].item<float>(), -0.5f, 0.02f);
  EXPECT_NEAR(m[2].item<float>(), 0.0f, 0.001f);
  EXPECT_NEAR(s[0].item<float>(), 1.0f, 0.01f);
  EXPECT_NEAR(s[1].item<float>(), 2.0f, 0.02f);
  EXPECT_NEAR(s[2].item<float>(), 0.1f, 0.001f);
  // Gradients flow to both the mean and the log-variance.
  auto mu = torch::zeros({4, 2}, torch::requires_grad());
  auto lv = torch::zeros({4, 2}, torch::requires_grad());
  reparameterise(mu, lv).pow(2).sum().backward();
  EXPECT_TRUE(mu.grad().defined());
  EXPECT_GT(lv.grad().abs().sum().item<float>(), 0.0f);
}

TEST(BetaSchedule, RisesFromZeroTowardsMaxBeta) {
  VaeTrainerConfig c;
  c.max_beta = 0.2;
  c.beta_rate = 0.99;
  EXPECT_DOUBLE_EQ(vae_beta_at(c, 0), 0.0);
  EXPECT_NEAR(vae_beta_at(c, 1), 0.2 * 0.01, 1e-12);
  double previous = 0.0;
  for (int64_t s = 1; s < 2000; s += 50) {
    const double b = vae_beta_at(c, s);
    EXPECT_GT(b, previous);
    EXPECT_LE(b, 0.2);
    previous = b;
  }
  EXPECT_NEAR(vae_beta_at(c, 5000), 0.2, 1e-9);
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

TEST(InterpolateLatents, EndsAreTheInputsAndThePathIsRight) {
  const std::vector<float> a = {3.0f, 0.0f, 0.0f}, b = {0.0f, 3.0f, 0.0f};
  auto lin = interpolate_latents(a, b, 5, Interpolation::linear);
  ASSERT_EQ(lin.size(), 5u);
  EXPECT_EQ(lin.front(), a);
  EXPECT_EQ(lin.back(), b);
  EXPECT_NEAR(lin[2][0], 1.5f, 1e-6f);
  EXPECT_NEAR(lin[2][1], 1.5f, 1e-6f);
  auto sph = interpolate_latents(a, b, 5, Interpolation::spherical);
  EXPECT_EQ(sph.front(), a);
  EXPECT_EQ(sph.back(), b);
  // On the great circle: the norm stays 3 where the straight line dips to 2.12.
  for (const auto& z : sph) EXPECT_NEAR(norm(z), 3.0, 1e-5);
  EXPECT_NEAR(norm(lin[2]), 3.0 / std::sqrt(2.0), 1e-5);
  // The distance to a grows step by step on both paths.
  for (const auto* path : {&lin, &sph}) {
    double previous = -1;
    for (const auto& z : *path) {
      double d = 0;
      for (size_t i = 0; i < z.size(); ++i) d += (z[i] - a[i]) * (z[i] - a[i]);
      EXPECT_GT(d, previous);
      previous = d;
    }
  }
  EXPECT_THROW(interpolate_latents(a, b, 1, Interpolation::linear), Error);
  EXPECT_THROW(interpolate_latents(a, {1.0f}, 3, Interpolation::linear), Error);
}

}  // namespace
}  // namespace emopiano
