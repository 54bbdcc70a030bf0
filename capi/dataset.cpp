// Labelled MIDI collections across the C ABI: load with progress and
// cancellation, count pieces per split, read items (borrowed pointers).
#include "dataset.hpp"

#include <cmath>
#include <string>

#include "cancel_token.hpp"
#include "capi_support.hpp"
#include "emotion.hpp"
#include "tokenizer.hpp"

namespace emopiano::capi {

const Dataset& dataset_of(const emopiano_dataset* handle) {
  require(handle, "dataset");
  return handle->dataset;
}

namespace {

emopiano_dataset_params default_dataset_params() {
  const DatasetOptions defaults;
  emopiano_dataset_params p{};
  p.struct_size = sizeof(p);
  p.threads = defaults.threads;
  p.apply_sustain_pedal = defaults.midi.apply_sustain_pedal ? 1 : 0;
  p.exclude_drums = defaults.midi.exclude_drums ? 1 : 0;
  p.validation_fraction = defaults.validation_fraction;
  p.test_fraction = defaults.test_fraction;
  return p;
}

void check_fraction(double value, const char* name) {
  if (!std::isfinite(value) || value < 0 || value >= 1)
    throw Error(ErrorCode::invalid_argument, std::string(name) + " must be in [0, 1), not " + std::to_string(value));
}

DatasetOptions to_options(const emopiano_dataset_params* params) {
  const auto p = read_params(params, kDatasetParamsV1, default_dataset_params(), "dataset params");
  DatasetOptions o;
  o.tokenizer = tokenizer_config_from(p.tokenizer_config_json);
  if (p.cache_dir) o.cache_dir = p.cache_dir;
  if (p.threads < 0)
    throw Error(ErrorCode::invalid_argument, "threads must be >= 0 (0 = all cores), not " + std::to_string(p.threads));
  o.threads = p.threads;
  o.midi.apply_sustain_pedal = flag(p.apply_sustain_pedal, "apply_sustain_pedal");
  o.midi.exclude_drums = flag(p.exclude_drums, "exclude_drums");
  check_fraction(p.validation_fraction, "validation_fraction");
  check_fraction(p.test_fraction, "test_fraction");
  if (p.validation_fraction + p.test_fraction >= 1)
    throw Error(ErrorCode::invalid_argument, "validation_fraction + test_fraction must be below 1");
  o.validation_fraction = p.validation_fraction;
  o.test_fraction = p.test_fraction;
  o.progress = progress_adapter(p.progress, p.progress_user_data);
  if (p.cancel) o.cancel = p.cancel->token;
  return o;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_dataset_params_init(emopiano_dataset_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kDatasetParamsV1, default_dataset_params(), "params"); });
}

int emopiano_dataset_load(emopiano_dataset** out, const char* root, const emopiano_dataset_params* params) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const std::string dir(require_string(root, "root"));
    Dataset dataset = Dataset::load(dir, to_options(params));
    *out = new emopiano_dataset{std::move(dataset)};
  });
}

void emopiano_dataset_free(emopiano_dataset* dataset) { delete dataset; }

int emopiano_dataset_count(size_t* out_count, const emopiano_dataset* dataset, int32_t split) {
  return guarded([&] {
    require(out_count, "out_count");
    const Dataset& d = dataset_of(dataset);
    if (split == EMOPIANO_SPLIT_ALL) {
      *out_count = d.items().size();
      return;
    }
    if (split < EMOPIANO_SPLIT_TRAIN || split > EMOPIANO_SPLIT_TEST)
      throw Error(ErrorCode::invalid_argument, "split " + std::to_string(split) + " is not an emopiano_split (-1..2)");
    *out_count = d.split(static_cast<Split>(split)).size();
  });
}

int emopiano_dataset_skipped_count(size_t* out_count, const emopiano_dataset* dataset) {
  return guarded([&] {
    require(out_count, "out_count");
    *out_count = dataset_of(dataset).skipped().size();
  });
}

int emopiano_dataset_item_at(emopiano_dataset_item* out, const emopiano_dataset* dataset, size_t index) {
  return guarded([&] {
    require(out, "out");
    const auto& items = dataset_of(dataset).items();
    if (index >= items.size())
      throw Error(ErrorCode::invalid_argument, "item index " + std::to_string(index) + " is out of range (" +
                                                   std::to_string(items.size()) + " items)");
    const DatasetItem& item = items[index];
    emopiano_dataset_item value{};
    value.quadrant = from_quadrant(item.label);
    value.split = static_cast<int32_t>(item.split);
    value.name = item.name.c_str();
    value.path = item.path.c_str();
    value.tokens = item.tokens.data();
    value.token_count = item.tokens.size();
    fill_out_struct(out, value, kItemV1, "out");
  });
}

}  // extern "C"
