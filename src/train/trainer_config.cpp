// TrainerConfig <-> JSON and validation; the learning-rate schedule.
#include <cmath>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"

namespace emopiano {

namespace {

const char* bf16_name(Bf16Mode m) {
  switch (m) {
    case Bf16Mode::on: return "on";
    case Bf16Mode::off: return "off";
    case Bf16Mode::automatic: break;
  }
  return "auto";
}

Bf16Mode parse_bf16(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? Bf16Mode::on : Bf16Mode::off;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "auto") return Bf16Mode::automatic;
    if (s == "on" || s == "true") return Bf16Mode::on;
    if (s == "off" || s == "false") return Bf16Mode::off;
  }
  throw Error(ErrorCode::invalid_argument,
              fmt::format("trainer config: \"bf16\" must be \"auto\", \"on\" or \"off\", not {}", v.dump()));
}

template <typename T>
void read(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("trainer config: \"{}\" has the wrong type ({})", key, it->dump()));
  }
}

}  // namespace

std::string TrainerConfig::to_json() const {
  nlohmann::json j = {
      {"epochs", epochs},
      {"max_steps", max_steps},
      {"max_minutes", max_minutes},
      {"batch_size", batch_size},
      {"learning_rate", learning_rate},
      {"weight_decay", weight_decay},
      {"adam_beta1", adam_beta1},
      {"adam_beta2", adam_beta2},
      {"warmup_steps", warmup_steps},
      {"min_lr_ratio", min_lr_ratio},
      {"grad_clip", grad_clip},
      {"transpose_min", transpose_min},
      {"transpose_max", transpose_max},
      {"emotion_dropout", emotion_dropout},
      {"join_probability", join_probability},
      {"join_inside", join_inside},
      {"checkpoint_every", checkpoint_every},
      {"eval_every", eval_every},
      {"log_every", log_every},
      {"seed", seed},
      {"threads", threads},
      {"bf16", bf16_name(bf16)},
      {"log_path", log_path.string()},
      {"checkpoint_dir", checkpoint_dir.string()},
      {"dataset_name", dataset_name},
  };
  return j.dump();
}

TrainerConfig TrainerConfig::from_json(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::format, fmt::format("trainer config: malformed JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::format, "trainer config: expected a JSON object");
  static const std::set<std::string> known = {"epochs",           "max_steps",
                                              "max_minutes",      "batch_size",
                                              "learning_rate",    "weight_decay",
                                              "adam_beta1",       "adam_beta2",
                                              "warmup_steps",     "min_lr_ratio",
                                              "grad_clip",        "transpose_min",
                                              "transpose_max",    "emotion_dropout",
                                              "join_probability", "join_inside",
                                              "checkpoint_every", "eval_every",
                                              "log_every",        "seed",
                                              "threads",          "bf16",
                                              "log_path",         "checkpoint_dir",
                                              "dataset_name"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    // A misspelt key would silently train with a default: refuse it.
    if (!known.count(it.key()))
      throw Error(ErrorCode::invalid_argument, fmt::format("trainer config: unknown key \"{}\"", it.key()));
  }
  TrainerConfig c;
  read(j, "epochs", c.epochs);
  read(j, "max_steps", c.max_steps);
  read(j, "max_minutes", c.max_minutes);
  read(j, "batch_size", c.batch_size);
  read(j, "learning_rate", c.learning_rate);
  read(j, "weight_decay", c.weight_decay);
  read(j, "adam_beta1", c.adam_beta1);
  read(j, "adam_beta2", c.adam_beta2);
  read(j, "warmup_steps", c.warmup_steps);
  read(j, "min_lr_ratio", c.min_lr_ratio);
  read(j, "grad_clip", c.grad_clip);
  read(j, "transpose_min", c.transpose_min);
  read(j, "transpose_max", c.transpose_max);
  read(j, "emotion_dropout", c.emotion_dropout);
  read(j, "join_probability", c.join_probability);
  read(j, "join_inside", c.join_inside);
  read(j, "checkpoint_every", c.checkpoint_every);
  read(j, "eval_every", c.eval_every);
  read(j, "log_every", c.log_every);
  read(j, "seed", c.seed);
  read(j, "threads", c.threads);
  if (auto it = j.find("bf16"); it != j.end()) c.bf16 = parse_bf16(*it);
  std::string path;
  if (j.contains("log_path")) {
    read(j, "log_path", path);
    c.log_path = path;
  }
  if (j.contains("checkpoint_dir")) {
    read(j, "checkpoint_dir", path);
    c.checkpoint_dir = path;
  }
  read(j, "dataset_name", c.dataset_name);
  c.validate();
  return c;
}

void TrainerConfig::validate() const {
  auto fail = [](const std::string& m) { throw Error(ErrorCode::invalid_argument, "trainer config: " + m); };
  if (max_steps < 0) fail("max_steps must be >= 0");
  if (max_steps == 0 && epochs <= 0) fail("set epochs > 0 or max_steps > 0");
  if (!(max_minutes >= 0.0) || !std::isfinite(max_minutes)) fail("max_minutes must be >= 0");
  if (batch_size < 1 || batch_size > 4096) fail(fmt::format("batch_size {} is not in 1..4096", batch_size));
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) fail("learning_rate must be > 0");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) fail("weight_decay must be >= 0");
  if (!(adam_beta1 >= 0.0 && adam_beta1 < 1.0)) fail("adam_beta1 must be in [0, 1)");
  if (!(adam_beta2 >= 0.0 && adam_beta2 < 1.0)) fail("adam_beta2 must be in [0, 1)");
  if (warmup_steps < 0) fail("warmup_steps must be >= 0");
  if (!(min_lr_ratio >= 0.0 && min_lr_ratio <= 1.0)) fail("min_lr_ratio must be in [0, 1]");
  if (!(grad_clip >= 0.0) || !std::isfinite(grad_clip)) fail("grad_clip must be >= 0");
  if (transpose_min > transpose_max) fail("transpose_min must be <= transpose_max");
  if (transpose_min < -24 || transpose_max > 24) fail("transposition is limited to +-24 semitones");
  if (!(emotion_dropout >= 0.0 && emotion_dropout <= 1.0)) fail("emotion_dropout must be in [0, 1]");
  if (!(join_probability >= 0.0 && join_probability <= 1.0)) fail("join_probability must be in [0, 1]");
  if (!(join_inside >= 0.0 && join_inside <= 1.0)) fail("join_inside must be in [0, 1]");
  if (checkpoint_every < 0 || eval_every < 0) fail("checkpoint_every and eval_every must be >= 0");
  if (log_every < 1) fail("log_every must be >= 1");
  if (threads < 0) fail("threads must be >= 0");
}

double learning_rate_at(const TrainerConfig& c, int64_t step, int64_t total_steps) {
  if (step < 0) step = 0;
  // Warm-up reaches the peak at the end of step warmup_steps - 1, so the
  // first update is already non-zero.
  if (step < c.warmup_steps)
    return c.learning_rate * static_cast<double>(step + 1) / static_cast<double>(c.warmup_steps);
  const double min_lr = c.learning_rate * c.min_lr_ratio;
  const int64_t decay_steps = total_steps - c.warmup_steps;
  if (decay_steps <= 0) return c.learning_rate;
  double t = static_cast<double>(step - c.warmup_steps) / static_cast<double>(decay_steps);
  if (t > 1.0) t = 1.0;
  const double pi = 3.14159265358979323846;
  return min_lr + 0.5 * (c.learning_rate - min_lr) * (1.0 + std::cos(pi * t));
}

}  // namespace emopiano
