// Training across the C ABI: a Trainer driven by one thread, C callbacks for
// progress and metrics, a cancel token settable from any thread.
#include <memory>
#include <string>

#include "cancel_token.hpp"
#include "capi_support.hpp"
#include "dataset.hpp"
#include "emopiano/trainer.hpp"
#include "model.hpp"

struct emopiano_trainer {
  emopiano::Trainer trainer;
};

namespace emopiano::capi {
namespace {

emopiano_trainer_params default_trainer_params() {
  emopiano_trainer_params p{};
  p.struct_size = sizeof(p);
  return p;
}

emopiano_train_metrics to_c_metrics(const EpochMetrics& m) {
  emopiano_train_metrics out{};
  out.struct_size = sizeof(out);
  out.epoch = m.epoch;
  out.step = m.step;
  out.train_loss = m.train_loss;
  out.validation_loss = m.validation.loss;
  out.validation_perplexity = m.validation.perplexity;
  out.validation_accuracy = m.validation.accuracy;
  out.validation_tokens = m.validation.tokens;
  out.learning_rate = m.learning_rate;
  out.tokens_per_second = m.tokens_per_second;
  out.elapsed_seconds = m.elapsed_seconds;
  return out;
}

struct TrainerSetup {
  TrainerConfig config;
  TrainerHooks hooks;
};

TrainerSetup to_setup(const emopiano_trainer_params* params) {
  const auto p = read_params(params, kTrainerParamsV1, default_trainer_params(), "trainer params");
  TrainerSetup s;
  if (p.config_json && *p.config_json) s.config = TrainerConfig::from_json(p.config_json);
  s.config.validate();
  s.hooks.progress = progress_adapter(p.progress, p.progress_user_data);
  if (p.on_metrics) {
    auto fn = p.on_metrics;
    void* user_data = p.metrics_user_data;
    s.hooks.on_metrics = [fn, user_data](const EpochMetrics& m) {
      const emopiano_train_metrics c = to_c_metrics(m);
      fn(&c, user_data);
    };
  }
  if (p.cancel) s.hooks.cancel = p.cancel->token;
  return s;
}

emopiano_trainer& trainer_of(emopiano_trainer* handle) {
  require(handle, "trainer");
  return *handle;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_trainer_params_init(emopiano_trainer_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kTrainerParamsV1, default_trainer_params(), "params"); });
}

int emopiano_trainer_create(emopiano_trainer** out, emopiano_model* model, const emopiano_dataset* dataset,
                            const emopiano_trainer_params* params) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const Model& m = model_of(model);
    const Dataset& d = dataset_of(dataset);
    TrainerSetup s = to_setup(params);
    Trainer trainer(m, d, s.config, std::move(s.hooks));
    *out = new emopiano_trainer{std::move(trainer)};
  });
}

int emopiano_trainer_resume(emopiano_trainer** out, const char* checkpoint_dir, const emopiano_dataset* dataset,
                            const emopiano_trainer_params* params) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const std::string dir(require_string(checkpoint_dir, "checkpoint_dir"));
    const Dataset& d = dataset_of(dataset);
    TrainerSetup s = to_setup(params);
    Trainer trainer = Trainer::resume(dir, d, s.config, std::move(s.hooks));
    *out = new emopiano_trainer{std::move(trainer)};
  });
}

void emopiano_trainer_free(emopiano_trainer* trainer) { delete trainer; }

int emopiano_trainer_run(emopiano_train_result* out, emopiano_trainer* trainer) {
  return guarded([&] {
    if (out) check_struct_size(out->struct_size, kResultV1, sizeof(*out), "out");
    const TrainResult r = trainer_of(trainer).trainer.run();
    if (!out) return;
    emopiano_train_result value{};
    value.bf16 = r.bf16 ? 1 : 0;
    value.steps = r.steps;
    value.epochs = r.epochs;
    value.tokens_seen = r.tokens_seen;
    value.train_seconds = r.train_seconds;
    value.validation_loss = r.validation.loss;
    value.validation_perplexity = r.validation.perplexity;
    value.validation_accuracy = r.validation.accuracy;
    value.validation_tokens = r.validation.tokens;
    value.best_validation_loss = r.best_validation_loss;
    value.stopped_by_time = r.stopped_by_time ? 1 : 0;
    value.best_validation_step = r.best_validation_step;
    fill_out_struct(out, value, kResultV1, "out");
  });
}

int emopiano_trainer_evaluate(emopiano_train_metrics* out, emopiano_trainer* trainer) {
  return guarded([&] {
    require(out, "out");
    check_struct_size(out->struct_size, kMetricsV1, sizeof(*out), "out");
    emopiano_trainer& t = trainer_of(trainer);
    EpochMetrics m;
    m.validation = t.trainer.evaluate();
    m.step = t.trainer.step();
    const int64_t per_epoch = t.trainer.steps_per_epoch();
    m.epoch = per_epoch > 0 ? static_cast<int>(m.step / per_epoch) : 0;
    fill_out_struct(out, to_c_metrics(m), kMetricsV1, "out");
  });
}

int emopiano_trainer_progress(int64_t* out_step, int64_t* out_total_steps, const emopiano_trainer* trainer) {
  return guarded([&] {
    require(trainer, "trainer");
    if (out_step) *out_step = trainer->trainer.step();
    if (out_total_steps) *out_total_steps = trainer->trainer.total_steps();
  });
}

int emopiano_trainer_model(emopiano_model** out, const emopiano_trainer* trainer) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(trainer, "trainer");
    *out = new emopiano_model{trainer->trainer.model()};
  });
}

}  // extern "C"
