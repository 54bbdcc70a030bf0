// Models across the C ABI: load, create, save, describe, the bundled model.
#include "model.hpp"

#include <string>

#include "capi_support.hpp"
#include "tokenizer.hpp"

namespace emopiano::capi {

const Model& model_of(const emopiano_model* handle) {
  require(handle, "model");
  return handle->model;
}

namespace {

WeightStorage to_storage(int32_t storage) {
  switch (storage) {
    case EMOPIANO_WEIGHTS_F32: return WeightStorage::f32;
    case EMOPIANO_WEIGHTS_F16: return WeightStorage::f16;
    case EMOPIANO_WEIGHTS_BF16: return WeightStorage::bf16;
    default:
      throw Error(ErrorCode::invalid_argument, "weight storage " + std::to_string(storage) +
                                                   " is not an emopiano_weight_storage (0 f32, 1 f16, 2 bf16)");
  }
}

LoadOptions to_load_options(int32_t precision, int32_t kv_cache) {
  LoadOptions options;
  switch (precision) {
    case EMOPIANO_PRECISION_BF16: options.precision = InferencePrecision::bf16; break;
    case EMOPIANO_PRECISION_F32: options.precision = InferencePrecision::f32; break;
    default:
      throw Error(ErrorCode::invalid_argument,
                  "precision " + std::to_string(precision) + " is not an emopiano_precision (0 bf16, 1 f32)");
  }
  switch (kv_cache) {
    case EMOPIANO_KV_CACHE_BF16: options.kv_cache = KvCacheStorage::bf16; break;
    case EMOPIANO_KV_CACHE_INT8: options.kv_cache = KvCacheStorage::int8; break;
    default:
      throw Error(ErrorCode::invalid_argument,
                  "kv_cache " + std::to_string(kv_cache) + " is not an emopiano_kv_cache (0 bf16, 1 int8)");
  }
  if (options.kv_cache == KvCacheStorage::int8 && options.precision == InferencePrecision::f32) {
    throw Error(ErrorCode::invalid_argument,
                "kv_cache EMOPIANO_KV_CACHE_INT8 is a cache of the bf16 step: it needs EMOPIANO_PRECISION_BF16");
  }
  return options;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_model_load(emopiano_model** out, const char* path) {
  return emopiano_model_load_with_options(out, path, EMOPIANO_PRECISION_BF16, EMOPIANO_KV_CACHE_BF16);
}

int emopiano_model_load_with_options(emopiano_model** out, const char* path, int32_t precision, int32_t kv_cache) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const LoadOptions options = to_load_options(precision, kv_cache);
    Model model = Model::load(std::string(require_string(path, "path")), options);
    *out = new emopiano_model{std::move(model)};
  });
}

int emopiano_model_load_options(int32_t* out_precision, int32_t* out_kv_cache, const emopiano_model* model) {
  return guarded([&] {
    const Model& m = model_of(model);
    if (out_precision) {
      *out_precision =
          m.inference_precision() == InferencePrecision::f32 ? EMOPIANO_PRECISION_F32 : EMOPIANO_PRECISION_BF16;
    }
    if (out_kv_cache)
      *out_kv_cache = m.kv_cache_storage() == KvCacheStorage::int8 ? EMOPIANO_KV_CACHE_INT8 : EMOPIANO_KV_CACHE_BF16;
  });
}

int emopiano_model_create(emopiano_model** out, const char* model_config_json, const char* tokenizer_config_json,
                          uint64_t seed) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const ModelConfig config =
        (model_config_json && *model_config_json) ? ModelConfig::from_json(model_config_json) : ModelConfig{};
    Model model = Model::create(config, tokenizer_config_from(tokenizer_config_json), seed);
    *out = new emopiano_model{std::move(model)};
  });
}

int emopiano_model_save(const emopiano_model* model, const char* path, int32_t storage) {
  return guarded([&] {
    const Model& m = model_of(model);
    const std::string target(require_string(path, "path"));
    m.save(target, to_storage(storage));
  });
}

void emopiano_model_free(emopiano_model* model) { delete model; }

int emopiano_model_config_json(char** out_json, const emopiano_model* model) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    *out_json = copy_string(model_of(model).config().to_json());
  });
}

int emopiano_model_metadata_json(char** out_json, const emopiano_model* model) {
  return guarded([&] {
    require(out_json, "out_json");
    *out_json = nullptr;
    *out_json = copy_string(model_of(model).metadata_json());
  });
}

int emopiano_model_vocab_size(int32_t* out_size, const emopiano_model* model) {
  return guarded([&] {
    require(out_size, "out_size");
    *out_size = model_of(model).tokenizer().vocab_size();
  });
}

int emopiano_model_parameter_count(int64_t* out_count, const emopiano_model* model) {
  return guarded([&] {
    require(out_count, "out_count");
    *out_count = model_of(model).parameter_count();
  });
}

int emopiano_model_tokenizer(emopiano_tokenizer** out, const emopiano_model* model) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    auto tokenizer = Tokenizer::create(model_of(model).tokenizer().config());
    *out = new emopiano_tokenizer{std::move(tokenizer)};
  });
}

int emopiano_bundled_model_path(char** out_path) {
  return guarded([&] {
    require(out_path, "out_path");
    *out_path = nullptr;
    *out_path = copy_string(bundled_model_path().string());
  });
}

}  // extern "C"
