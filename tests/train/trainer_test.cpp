// The training loop end to end on tiny models and tiny data: it learns,
// resumes exactly, checkpoints on cancel, honours the time budget, and the
// bf16 path agrees with float32.
#include <gtest/gtest.h>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_impl.hpp"
#include "model/torch_runtime.hpp"
#include "train/checkpoint.hpp"
#include "train/tiny_corpus.hpp"
#include "train/window_batcher.hpp"

namespace emopiano {
namespace {

ModelConfig tiny_trainer_model(float dropout) {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = 64;
  c.n_heads = 2;
  c.d_ff = 128;
  c.context_length = 64;
  c.dropout = dropout;
  c.max_bars = 32;
  return c;
}

const std::vector<int> kScale = {60, 62, 64, 65, 67, 69, 71, 72};
const std::vector<int> kArpeggio = {57, 60, 64, 69, 64, 60};

// One melody to train on and the same melody (another file) to validate on.
std::filesystem::path memorise_corpus() {
  return test::write_corpus("train-memorise", {{"a", test::melody(kScale, 4), "Q1", "train"},
                                               {"a_copy", test::melody(kScale, 4), "Q1", "val"}});
}

std::filesystem::path two_piece_corpus() {
  return test::write_corpus("train-two", {{"a", test::melody(kScale, 6), "Q1", "train"},
                                          {"b", test::melody(kArpeggio, 5), "Q3", "train"},
                                          {"c", test::melody(kArpeggio, 3), "Q3", "val"}});
}

TrainerConfig quick_trainer_config(int64_t steps) {
  TrainerConfig c;
  c.max_steps = steps;
  c.batch_size = 8;
  c.learning_rate = 3e-3;
  c.warmup_steps = 10;
  c.min_lr_ratio = 0.1;
  c.transpose_min = 0;
  c.transpose_max = 0;
  c.checkpoint_every = 0;
  c.bf16 = Bf16Mode::off;
  c.seed = 5;
  // One thread: these models are too small to gain from two, and OpenMP's
  // spinning workers crawl when the machine is busy with other work.
  c.threads = 1;
  return c;
}

// Entropy (nats) of the piece's own token frequencies: what a model that
// ignores context can reach at best.
double unigram_entropy(const std::vector<int32_t>& tokens) {
  std::map<int32_t, double> counts;
  for (size_t i = 1; i < tokens.size(); ++i) counts[tokens[i]] += 1;
  double n = static_cast<double>(tokens.size() - 1), h = 0;
  for (auto& [id, c] : counts) h -= c / n * std::log(c / n);
  return h;
}

TEST(Trainer, TinyModelMemorisesATinyPiece) {
  Dataset ds = test::load_corpus(memorise_corpus());
  ASSERT_EQ(ds.split(Split::train).size(), 1u);
  Model model = Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 1);
  Trainer trainer(model, ds, quick_trainer_config(300));
  const EvalMetrics before = trainer.evaluate();
  TrainResult r = trainer.run();
  const double h = unigram_entropy(ds.split(Split::train)[0]->tokens);
  // Untrained, the loss is about ln(vocab); a model that memorised the piece
  // predicts it from context, far below the context-free floor (the piece's
  // unigram entropy, about 2.5 nats here).
  EXPECT_NEAR(before.loss, std::log(static_cast<double>(model.tokenizer().vocab_size())), 1.0);
  EXPECT_GT(h, 1.5);
  EXPECT_LT(r.validation.loss, 0.2 * h) << "unigram entropy " << h;
  EXPECT_GT(r.validation.accuracy, 0.9);
  EXPECT_NEAR(r.validation.perplexity, std::exp(r.validation.loss), 1e-9);
  EXPECT_EQ(r.steps, 300);
  EXPECT_EQ(r.validation.tokens, static_cast<int64_t>(ds.split(Split::validation)[0]->tokens.size()) - 1);
  EXPECT_GT(r.tokens_seen, 0);
  EXPECT_LE(r.best_validation_loss, r.validation.loss);
}

TEST(Trainer, MetadataRecordsTheRun) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 2);
  TrainerConfig cfg = quick_trainer_config(12);
  cfg.dataset_name = "tiny";
  Trainer trainer(model, ds, cfg);
  TrainResult r = trainer.run();
  EXPECT_EQ(model.metadata_json(), "{}");  // the trainer trained its own copy
  Model trained = trainer.model();
  auto meta = nlohmann::json::parse(trained.metadata_json());
  EXPECT_EQ(meta["dataset"]["name"], "tiny");
  EXPECT_EQ(meta["dataset"]["train_pieces"], 2);
  EXPECT_EQ(meta["dataset"]["validation_pieces"], 1);
  EXPECT_EQ(meta["training"]["steps"], 12);
  EXPECT_EQ(meta["training"]["tokens_seen"], r.tokens_seen);
  EXPECT_DOUBLE_EQ(meta["validation"]["loss"].get<double>(), r.validation.loss);
  EXPECT_EQ(meta["config"]["model"]["d_model"], 64);
  EXPECT_EQ(meta["config"]["train"]["max_steps"], 12);
  // The metadata travels with the model file.
  auto path = test::temp_dir("train-meta") / "m.pt";
  trained.save(path);
  auto loaded = nlohmann::json::parse(Model::load(path).metadata_json());
  EXPECT_EQ(loaded["training"]["steps"], 12);
}

TEST(Trainer, ResumeGivesTheSameWeightsAsAStraightRun) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  TrainerConfig cfg = quick_trainer_config(30);
  cfg.transpose_min = -3;  // the window sampler's generator must be restored
  cfg.transpose_max = 3;
  cfg.eval_every = 7;  // validation in between must not disturb anything

  TrainerConfig a = cfg;
  a.checkpoint_dir = test::temp_dir("train-straight");
  Trainer straight_run(Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 3), ds, a);  // dropout too
  straight_run.run();
  Model straight = straight_run.model();

  Model interrupted = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 3);
  TrainerConfig b = cfg;
  b.checkpoint_dir = test::temp_dir("train-resumed");
  TrainerHooks stop_halfway;
  stop_halfway.progress = [](const ProgressInfo& p) { return !(p.stage == "train" && p.done == 15); };
  try {
    Trainer(interrupted, ds, b, stop_halfway).run();
    FAIL() << "expected Error(cancelled)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  // Scramble the global generator, as a new process would have it.
  torch::manual_seed(999);
  torch::rand({100});
  Trainer resumed = Trainer::resume(b.checkpoint_dir, ds, b);
  EXPECT_EQ(resumed.step(), 15);
  TrainResult r = resumed.run();
  EXPECT_EQ(r.steps, 30);

  auto p1 = impl_of(straight).net->named_parameters();
  auto p2 = impl_of(resumed.model()).net->named_parameters();
  ASSERT_EQ(p1.size(), p2.size());
  for (size_t i = 0; i < p1.size(); ++i) {
    EXPECT_TRUE(torch::allclose(p1[i].value(), p2[i].value(), 0.0, 1e-6)) << p1.keys()[i];
    EXPECT_TRUE(torch::equal(p1[i].value(), p2[i].value())) << p1.keys()[i] << " differs (not bitwise)";
  }
  // And a resumed run is not trivially equal to a run that ignored the checkpoint.
  Model fresh = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 3);
  EXPECT_FALSE(torch::equal(impl_of(fresh).net->parameters()[0], p2[0].value()));
}

TEST(Trainer, CancelSavesACheckpointAndThrowsCancelled) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 4);
  TrainerConfig cfg = quick_trainer_config(100);
  cfg.checkpoint_dir = test::temp_dir("train-cancel") / "ck";
  cfg.log_path = cfg.checkpoint_dir.parent_path() / "log.jsonl";
  TrainerHooks hooks;
  int calls = 0;
  hooks.progress = [&](const ProgressInfo& p) {
    if (p.stage == "train" && ++calls == 3) hooks.cancel.cancel();  // as another thread would
    return true;
  };
  Trainer trainer(model, ds, cfg, hooks);
  try {
    trainer.run();
    FAIL() << "expected Error(cancelled)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
    EXPECT_NE(std::string(e.what()).find(cfg.checkpoint_dir.string()), std::string::npos) << e.what();
  }
  train::TrainerState s = train::read_checkpoint_state(cfg.checkpoint_dir);
  EXPECT_EQ(s.step, 3);
  EXPECT_TRUE(std::filesystem::exists(cfg.checkpoint_dir / s.optimizer_file));
  Model saved = Model::load(cfg.checkpoint_dir / s.model_file);
  Model trained = trainer.model();
  auto a = impl_of(trained).net->parameters(), b = impl_of(saved).net->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));
  // The log has one JSON object per line, ending with the cancellation.
  std::ifstream log(cfg.log_path);
  std::string line, last;
  int lines = 0;
  while (std::getline(log, line)) {
    EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
    last = line;
    ++lines;
  }
  EXPECT_GE(lines, 3);
  EXPECT_EQ(nlohmann::json::parse(last)["event"], "cancelled");
}

TEST(Trainer, LaterCheckpointsReplaceEarlierFiles) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 6);
  TrainerConfig cfg = quick_trainer_config(9);
  cfg.checkpoint_every = 4;
  cfg.checkpoint_dir = test::temp_dir("train-ckpt");
  Trainer(model, ds, cfg).run();
  train::TrainerState s = train::read_checkpoint_state(cfg.checkpoint_dir);
  EXPECT_EQ(s.step, 9);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(cfg.checkpoint_dir)) {
    ++files;
    EXPECT_EQ(e.path().extension() == ".tmp", false) << e.path();
  }
  // The newest checkpoint (9) and the previous one (8) are kept; step 4's files went.
  // Both states, model-9.pt, optimizer-9.pt, model-8.pt, optimizer-8.pt and best_model.pt.
  EXPECT_EQ(files, 7);
  EXPECT_TRUE(std::filesystem::exists(cfg.checkpoint_dir / CheckpointFiles::best_model));
  EXPECT_FALSE(std::filesystem::exists(cfg.checkpoint_dir / "model-4.pt"));
}

// Trained on one melody and validated on another: memorising the first
// raises the loss on the second after a while, so the run's best is not its end.
std::filesystem::path overfitting_corpus() {
  return test::write_corpus(
      "train-overfit", {{"a", test::melody(kScale, 4), "Q1", "train"}, {"b", test::melody(kArpeggio, 4), "Q1", "val"}});
}

TrainerConfig overfitting_config(const std::filesystem::path& checkpoint_dir) {
  TrainerConfig cfg = quick_trainer_config(80);
  cfg.eval_every = 5;
  cfg.checkpoint_every = 20;
  cfg.checkpoint_dir = checkpoint_dir;
  return cfg;
}

EvalMetrics validate(const Model& model, const Dataset& ds) {
  return Trainer(model, ds, quick_trainer_config(1)).evaluate();
}

TEST(Trainer, KeepsTheWeightsOfTheBestValidation) {
  Dataset ds = test::load_corpus(overfitting_corpus());
  const TrainerConfig cfg = overfitting_config(test::temp_dir("train-best") / "ck");
  std::vector<std::pair<int64_t, double>> seen;
  TrainerHooks hooks;
  hooks.on_metrics = [&](const EpochMetrics& e) { seen.emplace_back(e.step, e.validation.loss); };
  TrainResult r = Trainer(Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 8), ds, cfg, hooks).run();

  ASSERT_FALSE(seen.empty());
  const auto lowest =
      std::min_element(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_LT(lowest->first, r.steps) << "the premise: validation rises before the end";
  EXPECT_GT(r.validation.loss, lowest->second + 0.05);
  EXPECT_EQ(r.best_validation_step, lowest->first);
  EXPECT_DOUBLE_EQ(r.best_validation_loss, lowest->second);
  ASSERT_EQ(r.best_model, cfg.checkpoint_dir / CheckpointFiles::best_model);

  // The file holds those weights: validated again, it gives the best loss, not the last.
  Model best = Model::load(r.best_model, LoadOptions{InferencePrecision::f32});
  EXPECT_NEAR(validate(best, ds).loss, lowest->second, 1e-5);
  auto meta = nlohmann::json::parse(best.metadata_json());
  EXPECT_EQ(meta["training"]["steps"], lowest->first);
  EXPECT_DOUBLE_EQ(meta["validation"]["loss"].get<double>(), lowest->second);
  // The checkpoint records the best too, for a resumed run to go on from.
  const train::TrainerState s = train::read_checkpoint_state(cfg.checkpoint_dir);
  EXPECT_EQ(s.best_validation_step, lowest->first);
}

TEST(Trainer, WithoutACheckpointDirectoryNoBestModelIsWritten) {
  Dataset ds = test::load_corpus(overfitting_corpus());
  TrainerConfig cfg = overfitting_config({});
  TrainResult r = Trainer(Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 8), ds, cfg).run();
  EXPECT_TRUE(r.best_model.empty());
  EXPECT_GT(r.best_validation_step, 0);  // still reported
}

// Trains until step 30, where it is cancelled (a checkpoint is written).
void stop_at_step_30(const Dataset& ds, const TrainerConfig& cfg) {
  TrainerHooks stop;
  stop.progress = [](const ProgressInfo& p) { return !(p.stage == "train" && p.done == 30); };
  EXPECT_THROW(Trainer(Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 8), ds, cfg, stop).run(), Error);
}

// A run stopped after it wrote a new best but before its next checkpoint:
// the resumed run keeps that best rather than overwrite it with a worse one.
TEST(Trainer, ResumeKeepsABestModelWrittenAfterTheCheckpoint) {
  Dataset ds = test::load_corpus(overfitting_corpus());
  const TrainerConfig cfg = overfitting_config(test::temp_dir("train-best-resume") / "ck");
  stop_at_step_30(ds, cfg);

  // Stand-in for a best that only the file knows: its loss beats every one this run can reach.
  const std::filesystem::path best_path = cfg.checkpoint_dir / CheckpointFiles::best_model;
  Model planted = Model::load(best_path, LoadOptions{InferencePrecision::f32});
  auto meta = nlohmann::json::parse(planted.metadata_json());
  meta["best_validation_loss"] = 1e-3;
  meta["training"]["steps"] = 33;
  planted.set_metadata_json(meta.dump());
  planted.save(best_path);

  TrainResult r = Trainer::resume(cfg.checkpoint_dir, ds, cfg).run();
  EXPECT_EQ(r.best_validation_step, 33);
  EXPECT_DOUBLE_EQ(r.best_validation_loss, 1e-3);
  EXPECT_EQ(nlohmann::json::parse(Model::load(best_path).metadata_json())["training"]["steps"], 33);
}

TEST(Trainer, ResumeRewritesADamagedBestModel) {
  Dataset ds = test::load_corpus(overfitting_corpus());
  const TrainerConfig cfg = overfitting_config(test::temp_dir("train-best-damaged") / "ck");
  stop_at_step_30(ds, cfg);
  const std::filesystem::path best_path = cfg.checkpoint_dir / CheckpointFiles::best_model;
  std::filesystem::resize_file(best_path, std::filesystem::file_size(best_path) / 2);

  TrainResult r = Trainer::resume(cfg.checkpoint_dir, ds, cfg).run();
  ASSERT_EQ(r.best_model, best_path);
  Model best = Model::load(best_path, LoadOptions{InferencePrecision::f32});
  EXPECT_NEAR(validate(best, ds).loss, r.best_validation_loss, 1e-5);
}

TEST(Trainer, StopsAtTheTimeBudget) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 7);
  TrainerConfig cfg = quick_trainer_config(1000000);
  cfg.max_minutes = 0.5 / 60.0;  // half a second
  cfg.checkpoint_dir = test::temp_dir("train-budget");
  auto start = std::chrono::steady_clock::now();
  Trainer trainer(model, ds, cfg);
  TrainResult r = trainer.run();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.stopped_by_time);
  EXPECT_GT(r.steps, 0);
  EXPECT_LT(r.steps, 1000000);
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(train::read_checkpoint_state(cfg.checkpoint_dir).step, r.steps);
  EXPECT_EQ(nlohmann::json::parse(trainer.model().metadata_json())["training"]["stopped_by_time"], true);
}

TEST(Trainer, TrainsItsOwnCopyAndLeavesItInEvalMode) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 6);
  std::vector<torch::Tensor> before;
  for (const auto& p : impl_of(model).net->parameters()) before.push_back(p.detach().clone());
  Trainer trainer(model, ds, quick_trainer_config(5));
  trainer.run();
  // The caller's model, which samplers may be reading, did not change.
  const auto after = impl_of(model).net->parameters();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i])) << i;
  EXPECT_FALSE(impl_of(model).net->is_training());
  // The trained copy moved, and is handed out in eval mode.
  Model trained = trainer.model();
  EXPECT_FALSE(impl_of(trained).net->is_training());
  EXPECT_FALSE(torch::equal(before[0], impl_of(trained).net->parameters()[0]));
}

TEST(Trainer, LeavesTheHostsRandomGeneratorAndThreadCountAlone) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  Model model = Model::create(tiny_trainer_model(0.1f), TokenizerConfig{}, 7);  // dropout draws
  set_compute_threads(1);
  TrainerConfig cfg = quick_trainer_config(4);
  cfg.threads = 2;
  torch::manual_seed(42);
  const torch::Tensor expected = torch::rand({8});
  torch::manual_seed(42);
  Trainer(model, ds, cfg).run();
  // The host's next draws are what they would have been without training.
  EXPECT_TRUE(torch::equal(torch::rand({8}), expected));
  EXPECT_EQ(at::get_num_threads(), 1);
}

TEST(Trainer, RefusesADatasetWithoutTrainingPieces) {
  auto csv = test::write_corpus("train-empty", {{"v", test::melody(kScale, 2), "Q2", "val"}});
  Dataset ds = test::load_corpus(csv);
  Model model = Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 1);
  try {
    Trainer(model, ds, quick_trainer_config(5));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

TEST(Trainer, ResumeFromAMissingCheckpointIsNotFound) {
  Dataset ds = test::load_corpus(two_piece_corpus());
  try {
    Trainer::resume(test::temp_dir("train-nockpt"), ds, quick_trainer_config(5));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
}

TEST(Bf16, AutocastLossMatchesFloat32) {
  if (!detail::cpu_has_fast_bf16()) GTEST_SKIP() << "no fast bf16 on this CPU: " << detail::cpu_features().describe();
  Dataset ds = test::load_corpus(two_piece_corpus());
  ModelConfig mc = tiny_trainer_model(0.0f);
  mc.d_model = 128;
  mc.d_ff = 512;
  Model model = Model::create(mc, TokenizerConfig{}, 8);
  const Tokenizer& tok = model.tokenizer();
  std::vector<train::TrainingPiece> pieces;
  for (const auto* item : ds.split(Split::train))
    pieces.push_back(train::make_training_piece(tok, item->tokens, item->label));
  train::WindowBatcher batcher(pieces, mc.context_length, tok.pad_id(), mc.max_bars - 1, nullptr);
  train::Batch b = batcher.make_batch(batcher.evaluation_windows());
  auto t = [&](std::vector<int64_t>& v) { return torch::from_blob(v.data(), {b.rows, b.length}, torch::kLong); };
  auto emotion = torch::from_blob(b.emotion.data(), {b.rows, b.length, 4}, torch::kFloat);
  auto& net = impl_of(model).net;
  net->eval();
  torch::NoGradGuard no_grad;
  auto loss_of = [&](const torch::Tensor& logits) {
    return torch::nn::functional::cross_entropy(
               logits.reshape({-1, logits.size(-1)}).to(torch::kFloat), t(b.targets).reshape({-1}),
               torch::nn::functional::CrossEntropyFuncOptions().ignore_index(tok.pad_id()))
        .item<double>();
  };
  double fp32 = loss_of(net->forward(t(b.tokens), t(b.bars), t(b.positions), emotion));
  torch::Tensor logits16;
  {
    detail::Bf16Autocast autocast(true);
    logits16 = net->forward(t(b.tokens), t(b.bars), t(b.positions), emotion);
  }
  EXPECT_EQ(logits16.scalar_type(), torch::kBFloat16);  // autocast really ran the head in bf16
  double bf16 = loss_of(logits16);
  // bf16 keeps 8 bits of mantissa: relative error per value ~0.4%; the mean
  // loss agrees far better than that.
  EXPECT_NEAR(bf16, fp32, 0.01 * fp32) << "fp32 " << fp32 << " bf16 " << bf16;
  EXPECT_FALSE(at::autocast::is_cpu_enabled());  // the guard restored the state
}

TEST(Bf16, TrainingWithAutocastLearns) {
  if (!detail::cpu_has_fast_bf16()) GTEST_SKIP() << "no fast bf16 on this CPU";
  Dataset ds = test::load_corpus(memorise_corpus());
  Model model = Model::create(tiny_trainer_model(0.0f), TokenizerConfig{}, 9);
  TrainerConfig cfg = quick_trainer_config(150);
  cfg.bf16 = Bf16Mode::on;
  Trainer trainer(model, ds, cfg);
  const double before = trainer.evaluate().loss;
  TrainResult r = trainer.run();
  EXPECT_TRUE(r.bf16);
  EXPECT_LT(r.validation.loss, 0.5 * before);
  // Weights stay float32: autocast casts copies.
  Model trained = trainer.model();
  for (auto& p : impl_of(trained).net->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat);
}

}  // namespace
}  // namespace emopiano
