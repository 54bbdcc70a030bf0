#include "cli/sampling_options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::cli {

void add_sampling_options(Args& args) {
  args.option("temperature", "T", "sampling temperature (0 = greedy)", "1.0");
  args.option("top-p", "P", "nucleus sampling threshold (1 = off)", "0.95");
  args.option("top-k", "K", "keep only the K most likely tokens (0 = off)", "0");
  args.option("guidance", "W",
              "classifier-free guidance: how strongly the emotion is heard (1 = the model alone; "
              "default: the model's own)");
  args.option("rhythm-guidance", "W",
              "guidance for when notes come (bar, position, density); what is played keeps --guidance "
              "(default: the smaller of --guidance and 2)");
  args.option("valence-guidance", "V",
              "push pitch and harmony away from the emotion with its valence mirrored (happy/tense, sad/calm), "
              "once a piece's valence has changed, so it is heard (0 = off; default: the model's own, off in live)");
  args.option("density", "N|Q1,Q2,Q3,Q4",
              "hold the music near N notes per beat, by when notes come; four values follow the emotion "
              "(notes per beat for Q1..Q4, mixed by each bar's emotion; `emopiano dataset` prints a "
              "collection's). 0 = off, the model's own density",
              "0");
}

namespace {

float float_option(const Args& args, const std::string& name, double min, double max) {
  const double v = args.get_double(name);
  if (!std::isfinite(v) || v < min || v > max)
    throw Error(ErrorCode::invalid_argument, fmt::format("--{}: {} is outside {:g}..{:g}", name, v, min, max));
  return static_cast<float>(v);
}

// --density N, or four values for Q1..Q4.
void read_density(const Args& args, SamplingParams& params) {
  const std::string text = args.get("density");
  std::vector<double> values;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const double v = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || !std::isfinite(v) || v < 0.0 ||
        v > SamplingParams::kMaxDensity)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("--density: '{}' is not a number of notes per beat in 0..{:g}, or four of them for "
                              "Q1..Q4 joined by commas",
                              text, SamplingParams::kMaxDensity));
    values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (values.size() == 1) {
    params.density = static_cast<float>(values[0]);
    return;
  }
  if (values.size() != static_cast<size_t>(kNumQuadrants) ||
      std::find(values.begin(), values.end(), 0.0) != values.end())
    throw Error(ErrorCode::invalid_argument,
                fmt::format("--density: '{}' needs one value, or four > 0 for Q1..Q4 joined by commas", text));
  for (int q = 0; q < kNumQuadrants; ++q)
    params.quadrant_density[static_cast<size_t>(q)] = static_cast<float>(values[static_cast<size_t>(q)]);
}

}  // namespace

void read_sampling_options(const Args& args, SamplingParams& params) {
  // Guidance: the library's limit (SamplingParams::validate). Temperature:
  // the library takes any finite value >= 0; 1000 is far past a useful one.
  constexpr double kMaxTemperature = 1000.0, kMaxGuidance = 20.0;
  params.temperature = float_option(args, "temperature", 0.0, kMaxTemperature);
  const double top_p = args.get_double("top-p");
  if (!(top_p > 0.0 && top_p <= 1.0))
    throw Error(ErrorCode::invalid_argument, fmt::format("--top-p: {} is outside (0, 1]", top_p));
  params.top_p = static_cast<float>(top_p);
  const long long top_k = args.get_int("top-k");
  if (top_k < 0 || top_k > (1 << 20))
    throw Error(ErrorCode::invalid_argument, fmt::format("--top-k: {} is outside 0..{}", top_k, 1 << 20));
  params.top_k = static_cast<int>(top_k);
  if (args.has("guidance")) params.guidance = float_option(args, "guidance", 0.0, kMaxGuidance);
  if (args.has("rhythm-guidance")) params.rhythm_guidance = float_option(args, "rhythm-guidance", 0.0, kMaxGuidance);
  if (args.has("valence-guidance")) params.valence_guidance = float_option(args, "valence-guidance", 0.0, kMaxGuidance);
  read_density(args, params);
}

}  // namespace emopiano::cli
