#include "cli/weights_option.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::cli {

void add_weights_option(Args& args) {
  args.option("weights", "f32|f16|bf16",
              "how the file stores the weights: f16 halves it and keeps 11 bits of each weight (bf16 8)", "f32");
}

WeightStorage weights_option(const Args& args) {
  const std::string v = args.get("weights");
  if (v == "f32") return WeightStorage::f32;
  if (v == "f16") return WeightStorage::f16;
  if (v == "bf16") return WeightStorage::bf16;
  throw Error(ErrorCode::invalid_argument, fmt::format("--weights: '{}' is not f32, f16 or bf16", v));
}

}  // namespace emopiano::cli
