// The emotion-conditioned music Transformer as a loadable, savable object.
// A Model is immutable once built or loaded: copies share one read-only
// network, so a single Model can serve several Samplers on several threads.
// LibTorch stays behind the pimpl; this header never includes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "emopiano/tokenizer.hpp"

namespace emopiano {

namespace detail {
struct ImplAccess;  // src/core/impl_access.hpp
}  // namespace detail

struct ModelConfig {
  int n_layers = 4;
  int d_model = 256;
  int n_heads = 4;
  // Heads of keys and values; 0 means n_heads. Fewer (a divisor of n_heads)
  // share each key/value head among n_heads / n_kv_heads query heads
  // (grouped-query attention; 1 is multi-query): the K/V cache, what a
  // generation step reads beside the weights, shrinks by that factor.
  int n_kv_heads = 0;
  int d_ff = 1024;
  int context_length = 1024;  // tokens the model attends over
  // A sliding attention window (0: none): each token attends to at most this
  // many tokens back (a multiple of 16; its own panel of sixteen positions
  // and the panels before it, so between window - 15 and window), and the
  // cost of a generation step stops growing with its position there.
  int attention_window = 0;
  float dropout = 0.1f;
  int max_bars = 256;  // size of the bar-index embedding; larger bar indices are clamped

  std::string to_json() const;
  // Throws Error(format) on malformed JSON, Error(invalid_argument) on bad
  // values. Missing keys keep their defaults.
  static ModelConfig from_json(std::string_view json);
  void validate() const;  // throws Error(invalid_argument)
  bool operator==(const ModelConfig& other) const;
  int kv_heads() const { return n_kv_heads > 0 ? n_kv_heads : n_heads; }
};

// How Model::save stores the weights. f16/bf16 halve the file; loading
// always computes in f32.
enum class WeightStorage { f32, f16, bf16 };

// How generation computes each new token after the prompt. The prompt, the
// trainer and Model::create's models always compute in float32.
enum class InferencePrecision {
  // A packed bf16 copy of the weights and a bf16 K/V cache, sums in float32,
  // kernels chosen for the CPU at run time: half the memory traffic of f32.
  // Within the quality guard of docs/performance.md; results may differ
  // between CPUs in the last bits.
  bf16,
  // Float32 through LibTorch: the same tokens as earlier versions, bit for bit.
  f32,
};

// How the bf16 step keeps the keys and values of past tokens. The prompt's
// LibTorch path reads and writes the same cache, converting.
enum class KvCacheStorage {
  // Two bytes a value: what the quality guard of docs/performance.md was
  // measured with for every release.
  bf16,
  // One byte a value and a float scale per row of a head (int8, rounded to
  // the nearest of 255 steps of the row's largest value): half the bytes, so
  // a step at long positions, guidance's rows and batches read far less.
  // Within the quality guard, measured in docs/performance.md; opt in.
  int8,
};

struct LoadOptions {
  InferencePrecision precision = InferencePrecision::bf16;
  // Used with InferencePrecision::bf16 only; f32 keeps a float cache.
  KvCacheStorage kv_cache = KvCacheStorage::bf16;
};

class Model {
 public:
  // A freshly initialised (untrained) model; `seed` makes the weights reproducible.
  static Model create(const ModelConfig& config, const TokenizerConfig& tokenizer, uint64_t seed = 0);
  // Reads a model file. Throws Error(io) when it cannot be read, Error(format)
  // when it is truncated or corrupt, Error(unsupported) when it was written by
  // a newer version of the format; messages name the file and the reason.
  static Model load(const std::filesystem::path& path);
  // The first form loads with LoadOptions{}.
  static Model load(const std::filesystem::path& path, const LoadOptions& options);
  // Writes the model file atomically (temporary file beside `path`, then rename).
  void save(const std::filesystem::path& path) const;
  void save(const std::filesystem::path& path, WeightStorage storage) const;

  const ModelConfig& config() const;
  const Tokenizer& tokenizer() const;
  // Training metadata as a JSON object (data, steps, validation loss, ...).
  std::string metadata_json() const;
  // Changes this Model object only: copies made before (held by samplers,
  // perhaps on other threads) keep the metadata they had. Throws
  // Error(invalid_argument) when `json` is not a JSON object.
  void set_metadata_json(const std::string& json);
  int64_t parameter_count() const;
  InferencePrecision inference_precision() const;
  KvCacheStorage kv_cache_storage() const;

  struct Impl;  // defined in src/model/model_impl.hpp

 private:
  friend struct detail::ImplAccess;
  explicit Model(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // copies share one read-only model
};

// The model shipped with emopiano (models/emopiano-small.pt), looked up in
// order: $EMOPIANO_MODEL; beside the executable in ../models and
// ../share/emopiano/models (and ./models); the source tree's models/.
// Throws Error(not_found) listing the places searched.
std::filesystem::path bundled_model_path();

}  // namespace emopiano
