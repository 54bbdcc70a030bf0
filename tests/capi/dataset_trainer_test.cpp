// Datasets and training through the C ABI on a tiny corpus built in code:
// loading with progress and cancellation, items, a short run with callbacks,
// cancel with checkpoint and resume, and argument errors.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "capi/capi_fixtures.hpp"
#include "emopiano/tokenizer.hpp"
#include "train/tiny_corpus.hpp"

namespace {

using emopiano::test::melody;
using emopiano::test::write_corpus;

const std::vector<int> kScale = {60, 62, 64, 65, 67, 69, 71, 72};
const std::vector<int> kArpeggio = {57, 60, 64, 69, 64, 60};

constexpr const char* kTrainableModel =
    R"({"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 64, "max_bars": 32, "dropout": 0})";

std::filesystem::path corpus() {
  return write_corpus("capi-corpus", {{"a", melody(kScale, 6), "Q1", "train"},
                                      {"b", melody(kArpeggio, 5), "Q3", "train"},
                                      {"c", melody(kArpeggio, 3), "Q3", "val"},
                                      {"d", melody(kScale, 2), "Q4", "test"}});
}

emopiano_dataset_params quiet_params() {
  emopiano_dataset_params p;
  EXPECT_EQ(emopiano_dataset_params_init(&p, sizeof p), EMOPIANO_OK);
  p.cache_dir = "none";
  p.threads = 1;
  return p;
}

struct Counter {
  int calls = 0;
  int stop_after = -1;
  std::string last_stage;
};

int count_progress(const emopiano_progress* p, void* user_data) {
  auto* c = static_cast<Counter*>(user_data);
  ++c->calls;
  c->last_stage = p->stage;
  return c->stop_after < 0 || c->calls < c->stop_after;
}

TEST(CapiDataset, LoadCountsAndItems) {
  const auto csv = corpus();
  auto p = quiet_params();
  Counter progress;
  p.progress = count_progress;
  p.progress_user_data = &progress;
  emopiano_dataset* d = nullptr;
  ASSERT_C_OK(emopiano_dataset_load(&d, csv.c_str(), &p));
  EXPECT_GT(progress.calls, 0);
  EXPECT_EQ(progress.last_stage, "tokenize");

  size_t n = 0;
  ASSERT_C_OK(emopiano_dataset_count(&n, d, EMOPIANO_SPLIT_ALL));
  EXPECT_EQ(n, 4u);
  ASSERT_C_OK(emopiano_dataset_count(&n, d, EMOPIANO_SPLIT_TRAIN));
  EXPECT_EQ(n, 2u);
  ASSERT_C_OK(emopiano_dataset_count(&n, d, EMOPIANO_SPLIT_VALIDATION));
  EXPECT_EQ(n, 1u);
  ASSERT_C_OK(emopiano_dataset_skipped_count(&n, d));
  EXPECT_EQ(n, 0u);
  EXPECT_C_ERROR(emopiano_dataset_count(&n, d, 3), EMOPIANO_ERROR_INVALID_ARGUMENT, "split 3");

  const auto tok = emopiano::Tokenizer::create();
  bool saw_c = false;
  for (size_t i = 0; i < 4; ++i) {
    emopiano_dataset_item item{};
    item.struct_size = sizeof item;
    ASSERT_C_OK(emopiano_dataset_item_at(&item, d, i));
    if (std::string(item.name) != "c") continue;
    saw_c = true;
    EXPECT_EQ(item.quadrant, EMOPIANO_Q3);
    EXPECT_EQ(item.split, EMOPIANO_SPLIT_VALIDATION);
    EXPECT_NE(std::string(item.path).find("c.mid"), std::string::npos);
    const auto expected = tok->encode(emopiano::read_midi_file(item.path), emopiano::Quadrant::Q3);
    EXPECT_EQ(std::vector<int32_t>(item.tokens, item.tokens + item.token_count), expected);
  }
  EXPECT_TRUE(saw_c);
  emopiano_dataset_item item{};
  item.struct_size = sizeof item;
  EXPECT_C_ERROR(emopiano_dataset_item_at(&item, d, 4), EMOPIANO_ERROR_INVALID_ARGUMENT, "out of range");
  item.struct_size = 0;
  EXPECT_C_ERROR(emopiano_dataset_item_at(&item, d, 0), EMOPIANO_ERROR_INVALID_ARGUMENT, "struct_size 0");
  emopiano_dataset_free(d);
  emopiano_dataset_free(nullptr);
}

TEST(CapiDataset, ErrorsAndCancellation) {
  const auto csv = corpus();
  auto p = quiet_params();
  emopiano_dataset* d = reinterpret_cast<emopiano_dataset*>(0x1);
  const auto empty = emopiano::test::temp_dir("capi-empty");
  EXPECT_C_ERROR(emopiano_dataset_load(&d, empty.c_str(), &p), EMOPIANO_ERROR_NOT_FOUND, "");
  EXPECT_EQ(d, nullptr);
  EXPECT_C_ERROR(emopiano_dataset_load(&d, nullptr, &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "root");

  emopiano_cancel_token* token = nullptr;
  ASSERT_C_OK(emopiano_cancel_token_new(&token));
  ASSERT_C_OK(emopiano_cancel_token_cancel(token));
  p.cancel = token;
  EXPECT_EQ(emopiano_dataset_load(&d, csv.c_str(), &p), EMOPIANO_ERROR_CANCELLED);
  emopiano_cancel_token_free(token);

  p = quiet_params();
  p.threads = -2;
  EXPECT_C_ERROR(emopiano_dataset_load(&d, csv.c_str(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "threads");
  p = quiet_params();
  p.validation_fraction = 0.7;
  p.test_fraction = 0.5;
  EXPECT_C_ERROR(emopiano_dataset_load(&d, csv.c_str(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT, "below 1");
  p = quiet_params();
  p.tokenizer_config_json = "{bad";
  EXPECT_EQ(emopiano_dataset_load(&d, csv.c_str(), &p), EMOPIANO_ERROR_FORMAT);
  EXPECT_EQ(d, nullptr);
}

struct MetricsLog {
  std::vector<emopiano_train_metrics> reports;
};

void log_metrics(const emopiano_train_metrics* m, void* user_data) {
  static_cast<MetricsLog*>(user_data)->reports.push_back(*m);
}

std::string train_config(int64_t steps, const std::filesystem::path& checkpoints) {
  nlohmann::json j = {{"max_steps", steps},
                      {"batch_size", 4},
                      {"learning_rate", 3e-3},
                      {"warmup_steps", 2},
                      {"transpose_min", 0},
                      {"transpose_max", 0},
                      {"checkpoint_every", 0},
                      {"bf16", "off"},
                      {"seed", 5},
                      {"threads", 1},
                      {"checkpoint_dir", checkpoints.string()}};
  return j.dump();
}

// The tiny corpus as a dataset and an untrained model, both freed with it.
struct TrainingInputs {
  emopiano_dataset* dataset = nullptr;
  emopiano_model* model = nullptr;
  TrainingInputs() {
    auto dp = quiet_params();
    if (emopiano_dataset_load(&dataset, corpus().c_str(), &dp) == EMOPIANO_OK)
      emopiano_model_create(&model, kTrainableModel, nullptr, 3);
  }
  ~TrainingInputs() {
    emopiano_model_free(model);
    emopiano_dataset_free(dataset);
  }
  bool ready() const { return dataset && model; }
};

TEST(CapiTrainer, RunReportsAndTrainsItsOwnCopy) {
  TrainingInputs inputs;
  ASSERT_TRUE(inputs.ready()) << emopiano_last_error();
  emopiano_dataset* d = inputs.dataset;
  emopiano_model* model = inputs.model;

  const auto dir = emopiano::test::temp_dir("capi-train");
  const std::string config = train_config(12, dir / "ckpt");
  emopiano_trainer_params tp;
  ASSERT_C_OK(emopiano_trainer_params_init(&tp, sizeof tp));
  tp.config_json = config.c_str();
  Counter progress;
  MetricsLog metrics;
  tp.progress = count_progress;
  tp.progress_user_data = &progress;
  tp.on_metrics = log_metrics;
  tp.metrics_user_data = &metrics;
  emopiano_trainer* trainer = nullptr;
  ASSERT_C_OK(emopiano_trainer_create(&trainer, model, d, &tp));

  emopiano_train_metrics before{};
  before.struct_size = sizeof before;
  ASSERT_C_OK(emopiano_trainer_evaluate(&before, trainer));
  EXPECT_GT(before.validation_tokens, 0);
  EXPECT_TRUE(std::isfinite(before.validation_loss));

  emopiano_train_result result{};
  result.struct_size = sizeof result;
  ASSERT_C_OK(emopiano_trainer_run(&result, trainer));
  EXPECT_EQ(result.steps, 12);
  EXPECT_GT(result.tokens_seen, 0);
  EXPECT_EQ(result.bf16, 0);
  EXPECT_LT(result.validation_loss, before.validation_loss);
  EXPECT_GT(progress.calls, 0);
  ASSERT_FALSE(metrics.reports.empty());
  EXPECT_EQ(metrics.reports.back().step, 12);
  EXPECT_EQ(metrics.reports.back().struct_size, sizeof(emopiano_train_metrics));
  EXPECT_DOUBLE_EQ(metrics.reports.back().validation_loss, result.validation_loss);
  // The best validation among the reports, and its weights beside the checkpoints.
  const auto best = std::min_element(metrics.reports.begin(), metrics.reports.end(), [](const auto& a, const auto& b) {
    return a.validation_loss < b.validation_loss;
  });
  EXPECT_EQ(result.best_validation_step, best->step);
  EXPECT_DOUBLE_EQ(result.best_validation_loss, best->validation_loss);
  EXPECT_TRUE(std::filesystem::exists(dir / "ckpt" / "best_model.pt"));
  int64_t step = 0, total = 0;
  ASSERT_C_OK(emopiano_trainer_progress(&step, &total, trainer));
  EXPECT_EQ(step, 12);
  EXPECT_EQ(total, 12);

  // Evaluating again gives the final validation loss. The trainer trained
  // its own copy: the caller's handle is untouched (samplers may go on using
  // it), and emopiano_trainer_model gives the trained weights with the
  // metadata of the run.
  emopiano_train_metrics after{};
  after.struct_size = sizeof after;
  ASSERT_C_OK(emopiano_trainer_evaluate(&after, trainer));
  EXPECT_NEAR(after.validation_loss, result.validation_loss, 1e-9);
  char* meta = nullptr;
  ASSERT_C_OK(emopiano_model_metadata_json(&meta, model));
  EXPECT_EQ(std::string(meta), "{}");
  emopiano_free(meta);
  emopiano_model* trained = nullptr;
  ASSERT_C_OK(emopiano_trainer_model(&trained, trainer));
  ASSERT_C_OK(emopiano_model_metadata_json(&meta, trained));
  EXPECT_NE(std::string(meta).find("\"training\""), std::string::npos) << meta;
  emopiano_free(meta);
  int64_t pc = 0, pc2 = 0;
  ASSERT_C_OK(emopiano_model_parameter_count(&pc, trained));
  ASSERT_C_OK(emopiano_model_parameter_count(&pc2, model));
  EXPECT_EQ(pc, pc2);
  emopiano_model_free(trained);

  emopiano_trainer_free(trainer);
  emopiano_trainer_free(nullptr);
}

// A caller built against ABI v1 passes the smaller struct: it gets the v1
// fields, and nothing past them is written.
TEST(CapiTrainer, AV1SizedResultGetsTheV1FieldsOnly) {
  TrainingInputs inputs;
  ASSERT_TRUE(inputs.ready()) << emopiano_last_error();
  emopiano_dataset* d = inputs.dataset;
  emopiano_model* model = inputs.model;
  const std::string config = train_config(2, emopiano::test::temp_dir("capi-train-v1") / "ckpt");
  emopiano_trainer_params tp;
  ASSERT_C_OK(emopiano_trainer_params_init(&tp, sizeof tp));
  tp.config_json = config.c_str();
  emopiano_trainer* trainer = nullptr;
  ASSERT_C_OK(emopiano_trainer_create(&trainer, model, d, &tp));
  emopiano_train_result result{};
  result.struct_size = offsetof(emopiano_train_result, best_validation_step);
  result.best_validation_step = -7;
  ASSERT_C_OK(emopiano_trainer_run(&result, trainer));
  EXPECT_EQ(result.steps, 2);
  EXPECT_GT(result.best_validation_loss, 0.0);
  EXPECT_EQ(result.best_validation_step, -7);
  emopiano_trainer_free(trainer);
}

TEST(CapiTrainer, CancelCheckpointsAndResumeFinishes) {
  TrainingInputs inputs;
  ASSERT_TRUE(inputs.ready()) << emopiano_last_error();
  emopiano_dataset* d = inputs.dataset;
  emopiano_model* model = inputs.model;
  const auto dir = emopiano::test::temp_dir("capi-train");
  const auto checkpoints = dir / "ckpt";
  const std::string config = train_config(10, checkpoints);

  emopiano_trainer_params tp;
  ASSERT_C_OK(emopiano_trainer_params_init(&tp, sizeof tp));
  tp.config_json = config.c_str();
  Counter progress;
  progress.stop_after = 4;  // the fourth report cancels
  tp.progress = count_progress;
  tp.progress_user_data = &progress;
  emopiano_trainer* trainer = nullptr;
  ASSERT_C_OK(emopiano_trainer_create(&trainer, model, d, &tp));
  emopiano_train_result result{};
  result.struct_size = sizeof result;
  EXPECT_C_ERROR(emopiano_trainer_run(&result, trainer), EMOPIANO_ERROR_CANCELLED, "");
  int64_t stopped_at = 0;
  ASSERT_C_OK(emopiano_trainer_progress(&stopped_at, nullptr, trainer));
  EXPECT_GT(stopped_at, 0);
  EXPECT_LT(stopped_at, 10);
  emopiano_trainer_free(trainer);

  tp.progress = nullptr;
  emopiano_trainer* resumed = nullptr;
  ASSERT_C_OK(emopiano_trainer_resume(&resumed, checkpoints.c_str(), d, &tp));
  int64_t step = 0;
  ASSERT_C_OK(emopiano_trainer_progress(&step, nullptr, resumed));
  EXPECT_EQ(step, stopped_at);
  ASSERT_C_OK(emopiano_trainer_run(nullptr, resumed));
  ASSERT_C_OK(emopiano_trainer_progress(&step, nullptr, resumed));
  EXPECT_EQ(step, 10);
  emopiano_trainer_free(resumed);
}

TEST(CapiTrainer, RejectsBadArguments) {
  TrainingInputs inputs;
  ASSERT_TRUE(inputs.ready()) << emopiano_last_error();
  emopiano_dataset* d = inputs.dataset;
  emopiano_model* model = inputs.model;
  emopiano_trainer* t = reinterpret_cast<emopiano_trainer*>(0x1);
  emopiano_trainer_params tp;
  ASSERT_C_OK(emopiano_trainer_params_init(&tp, sizeof tp));
  tp.config_json = R"({"batch_size": 0})";
  EXPECT_EQ(emopiano_trainer_create(&t, model, d, &tp), EMOPIANO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
  tp.config_json = R"({"no_such_key": 1})";
  EXPECT_EQ(emopiano_trainer_create(&t, model, d, &tp), EMOPIANO_ERROR_INVALID_ARGUMENT);
  tp.config_json = "[1,";
  EXPECT_EQ(emopiano_trainer_create(&t, model, d, &tp), EMOPIANO_ERROR_FORMAT);
  EXPECT_C_ERROR(emopiano_trainer_create(&t, nullptr, d, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "model");
  EXPECT_C_ERROR(emopiano_trainer_create(&t, model, nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "dataset");
  const auto nowhere = emopiano::test::temp_dir("capi-train") / "none";
  EXPECT_NE(emopiano_trainer_resume(&t, nowhere.c_str(), d, nullptr), EMOPIANO_OK);
  EXPECT_EQ(t, nullptr);
  EXPECT_C_ERROR(emopiano_trainer_run(nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "trainer");
  emopiano_train_metrics m{};
  m.struct_size = sizeof m;
  EXPECT_C_ERROR(emopiano_trainer_evaluate(&m, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "trainer");
  EXPECT_C_ERROR(emopiano_trainer_model(nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "out");
}

}  // namespace
