// VaeConfig and VaeTrainerConfig <-> JSON, validation, and the beta schedule.
#include <cmath>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "emopiano/vae.hpp"
#include "vae/vae_config_keys.hpp"

namespace emopiano {

namespace {

nlohmann::json parse_object(std::string_view text, const char* what, const std::set<std::string>& keys) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::format, fmt::format("{}: malformed JSON: {}", what, e.what()));
  }
  if (!j.is_object()) throw Error(ErrorCode::format, fmt::format("{}: expected a JSON object", what));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!keys.count(it.key())) throw Error(ErrorCode::format, fmt::format("{}: unknown key \"{}\"", what, it.key()));
  }
  return j;
}

template <typename T>
void read(const nlohmann::json& j, const char* what, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  const bool ok = std::is_same_v<T, std::string> ? it->is_string()
                  : std::is_same_v<T, bool>      ? it->is_boolean()
                  : std::is_integral_v<T>        ? it->is_number_integer()
                                                 : it->is_number();
  if (!ok) throw Error(ErrorCode::format, fmt::format("{}: \"{}\" has the wrong type ({})", what, key, it->dump()));
  out = it->get<T>();
}

const char* bf16_name(Bf16Mode m) {
  switch (m) {
    case Bf16Mode::on: return "on";
    case Bf16Mode::off: return "off";
    case Bf16Mode::automatic: break;
  }
  return "auto";
}

[[noreturn]] void bad(const char* what, const std::string& why) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", what, why));
}

}  // namespace

// ---- VaeConfig ---------------------------------------------------------------

std::string VaeConfig::to_json() const {
  nlohmann::json j = {{"encoder_layers", encoder_layers},
                      {"decoder_layers", decoder_layers},
                      {"d_model", d_model},
                      {"n_heads", n_heads},
                      {"d_ff", d_ff},
                      {"latent_dim", latent_dim},
                      {"segment_bars", segment_bars},
                      {"max_segment_tokens", max_segment_tokens},
                      {"dropout", dropout}};
  // Options added after the first VAE files are written only when used, so a
  // file that does not use them stays readable by the builds before them.
  if (latent_tokens != 0) j["latent_tokens"] = latent_tokens;
  if (latent_every_block) j["latent_every_block"] = true;
  if (encoder_summary_tokens != 0) j["encoder_summary_tokens"] = encoder_summary_tokens;
  return j.dump();
}

namespace vae {

const std::set<std::string>& config_keys() {
  static const std::set<std::string> keys = {"encoder_layers",
                                             "decoder_layers",
                                             "d_model",
                                             "n_heads",
                                             "d_ff",
                                             "latent_dim",
                                             "segment_bars",
                                             "max_segment_tokens",
                                             "dropout",
                                             "latent_tokens",
                                             "latent_every_block",
                                             "encoder_summary_tokens"};
  return keys;
}

}  // namespace vae

VaeConfig VaeConfig::from_json(std::string_view text) {
  const char* what = "VAE config";
  auto j = parse_object(text, what, vae::config_keys());
  VaeConfig c;
  read(j, what, "encoder_layers", c.encoder_layers);
  read(j, what, "decoder_layers", c.decoder_layers);
  read(j, what, "d_model", c.d_model);
  read(j, what, "n_heads", c.n_heads);
  read(j, what, "d_ff", c.d_ff);
  read(j, what, "latent_dim", c.latent_dim);
  read(j, what, "segment_bars", c.segment_bars);
  read(j, what, "max_segment_tokens", c.max_segment_tokens);
  read(j, what, "dropout", c.dropout);
  read(j, what, "latent_tokens", c.latent_tokens);
  read(j, what, "latent_every_block", c.latent_every_block);
  read(j, what, "encoder_summary_tokens", c.encoder_summary_tokens);
  c.validate();
  return c;
}

void VaeConfig::validate() const {
  const char* what = "VAE config";
  if (encoder_layers < 1 || encoder_layers > 64)
    bad(what, fmt::format("encoder_layers = {} must be in 1..64", encoder_layers));
  if (decoder_layers < 1 || decoder_layers > 64)
    bad(what, fmt::format("decoder_layers = {} must be in 1..64", decoder_layers));
  if (d_model < 1 || d_model > 8192) bad(what, fmt::format("d_model = {} must be in 1..8192", d_model));
  if (n_heads < 1 || d_model % n_heads != 0)
    bad(what, fmt::format("n_heads = {} must be >= 1 and divide d_model = {}", n_heads, d_model));
  if (d_ff < 1 || d_ff > 65536) bad(what, fmt::format("d_ff = {} must be in 1..65536", d_ff));
  if (latent_dim < 1 || latent_dim > 4096) bad(what, fmt::format("latent_dim = {} must be in 1..4096", latent_dim));
  if (segment_bars < 1 || segment_bars > 64) bad(what, fmt::format("segment_bars = {} must be in 1..64", segment_bars));
  if (max_segment_tokens < 8 || max_segment_tokens > 16384)
    bad(what, fmt::format("max_segment_tokens = {} must be in 8..16384", max_segment_tokens));
  if (!(dropout >= 0.0f && dropout < 1.0f)) bad(what, fmt::format("dropout = {} must be in [0, 1)", dropout));
  if (latent_tokens < 0 || latent_tokens > 64)
    bad(what, fmt::format("latent_tokens = {} must be in 0..64", latent_tokens));
  if (encoder_summary_tokens < 0 || encoder_summary_tokens > 64)
    bad(what, fmt::format("encoder_summary_tokens = {} must be in 0..64", encoder_summary_tokens));
}

bool VaeConfig::operator==(const VaeConfig& o) const {
  return encoder_layers == o.encoder_layers && decoder_layers == o.decoder_layers && d_model == o.d_model &&
         n_heads == o.n_heads && d_ff == o.d_ff && latent_dim == o.latent_dim && segment_bars == o.segment_bars &&
         max_segment_tokens == o.max_segment_tokens && dropout == o.dropout && latent_tokens == o.latent_tokens &&
         latent_every_block == o.latent_every_block && encoder_summary_tokens == o.encoder_summary_tokens;
}

// ---- VaeTrainerConfig --------------------------------------------------------

std::string VaeTrainerConfig::to_json() const {
  nlohmann::json j = {{"max_steps", max_steps},
                      {"max_minutes", max_minutes},
                      {"batch_size", batch_size},
                      {"learning_rate", learning_rate},
                      {"weight_decay", weight_decay},
                      {"warmup_steps", warmup_steps},
                      {"min_lr_ratio", min_lr_ratio},
                      {"grad_clip", grad_clip},
                      {"max_beta", max_beta},
                      {"beta_rate", beta_rate},
                      {"free_bits", free_bits},
                      {"word_dropout", word_dropout},
                      {"transpose_min", transpose_min},
                      {"transpose_max", transpose_max},
                      {"checkpoint_every", checkpoint_every},
                      {"eval_every", eval_every},
                      {"log_every", log_every},
                      {"seed", seed},
                      {"threads", threads},
                      {"bf16", bf16_name(bf16)},
                      {"log_path", log_path.string()},
                      {"checkpoint_dir", checkpoint_dir.string()},
                      {"dataset_name", dataset_name}};
  return j.dump();
}

VaeTrainerConfig VaeTrainerConfig::from_json(std::string_view text) {
  const char* what = "VAE trainer config";
  auto j =
      parse_object(text, what, {"max_steps",    "max_minutes",    "batch_size",    "learning_rate", "weight_decay",
                                "warmup_steps", "min_lr_ratio",   "grad_clip",     "max_beta",      "beta_rate",
                                "free_bits",    "word_dropout",   "transpose_min", "transpose_max", "checkpoint_every",
                                "eval_every",   "log_every",      "seed",          "threads",       "bf16",
                                "log_path",     "checkpoint_dir", "dataset_name"});
  VaeTrainerConfig c;
  read(j, what, "max_steps", c.max_steps);
  read(j, what, "max_minutes", c.max_minutes);
  read(j, what, "batch_size", c.batch_size);
  read(j, what, "learning_rate", c.learning_rate);
  read(j, what, "weight_decay", c.weight_decay);
  read(j, what, "warmup_steps", c.warmup_steps);
  read(j, what, "min_lr_ratio", c.min_lr_ratio);
  read(j, what, "grad_clip", c.grad_clip);
  read(j, what, "max_beta", c.max_beta);
  read(j, what, "beta_rate", c.beta_rate);
  read(j, what, "free_bits", c.free_bits);
  read(j, what, "word_dropout", c.word_dropout);
  read(j, what, "transpose_min", c.transpose_min);
  read(j, what, "transpose_max", c.transpose_max);
  read(j, what, "checkpoint_every", c.checkpoint_every);
  read(j, what, "eval_every", c.eval_every);
  read(j, what, "log_every", c.log_every);
  read(j, what, "seed", c.seed);
  read(j, what, "threads", c.threads);
  if (auto it = j.find("bf16"); it != j.end()) {
    const std::string s = it->is_string() ? it->get<std::string>() : it->dump();
    if (s == "auto")
      c.bf16 = Bf16Mode::automatic;
    else if (s == "on" || s == "true")
      c.bf16 = Bf16Mode::on;
    else if (s == "off" || s == "false")
      c.bf16 = Bf16Mode::off;
    else
      bad(what, fmt::format("\"bf16\" must be \"auto\", \"on\" or \"off\", not {}", it->dump()));
  }
  std::string path;
  if (j.contains("log_path")) {
    read(j, what, "log_path", path);
    c.log_path = path;
  }
  if (j.contains("checkpoint_dir")) {
    read(j, what, "checkpoint_dir", path);
    c.checkpoint_dir = path;
  }
  read(j, what, "dataset_name", c.dataset_name);
  c.validate();
  return c;
}

void VaeTrainerConfig::validate() const {
  const char* what = "VAE trainer config";
  if (max_steps < 1) bad(what, fmt::format("max_steps = {} must be >= 1", max_steps));
  if (!(max_minutes >= 0.0)) bad(what, fmt::format("max_minutes = {} must be >= 0", max_minutes));
  if (batch_size < 1 || batch_size > 4096) bad(what, fmt::format("batch_size = {} must be in 1..4096", batch_size));
  if (!(learning_rate > 0.0 && learning_rate < 1.0))
    bad(what, fmt::format("learning_rate = {} must be in (0, 1)", learning_rate));
  if (!(weight_decay >= 0.0)) bad(what, fmt::format("weight_decay = {} must be >= 0", weight_decay));
  if (warmup_steps < 0) bad(what, fmt::format("warmup_steps = {} must be >= 0", warmup_steps));
  if (!(min_lr_ratio >= 0.0 && min_lr_ratio <= 1.0))
    bad(what, fmt::format("min_lr_ratio = {} must be in [0, 1]", min_lr_ratio));
  if (!(grad_clip >= 0.0)) bad(what, fmt::format("grad_clip = {} must be >= 0", grad_clip));
  if (!(max_beta >= 0.0 && max_beta <= 100.0)) bad(what, fmt::format("max_beta = {} must be in [0, 100]", max_beta));
  if (!(beta_rate >= 0.0 && beta_rate < 1.0)) bad(what, fmt::format("beta_rate = {} must be in [0, 1)", beta_rate));
  if (!(free_bits >= 0.0)) bad(what, fmt::format("free_bits = {} must be >= 0", free_bits));
  if (!(word_dropout >= 0.0 && word_dropout < 1.0))
    bad(what, fmt::format("word_dropout = {} must be in [0, 1)", word_dropout));
  if (transpose_min > 0 || transpose_max < 0 || transpose_min < -24 || transpose_max > 24)
    bad(what,
        fmt::format("transpose range [{}, {}] must hold 0 and stay within [-24, 24]", transpose_min, transpose_max));
  if (checkpoint_every < 0 || eval_every < 0) bad(what, "checkpoint_every and eval_every must be >= 0");
  if (log_every < 1) bad(what, fmt::format("log_every = {} must be >= 1", log_every));
  if (threads < 0) bad(what, fmt::format("threads = {} must be >= 0", threads));
}

double vae_beta_at(const VaeTrainerConfig& config, int64_t step) {
  return config.max_beta * (1.0 - std::pow(config.beta_rate, static_cast<double>(std::max<int64_t>(step, 0))));
}

std::vector<double> kl_per_dimension(const LatentCode& code) {
  if (code.mean.size() != code.log_variance.size())
    throw Error(ErrorCode::invalid_argument, fmt::format("kl_per_dimension: {} means but {} log-variances",
                                                         code.mean.size(), code.log_variance.size()));
  std::vector<double> kl(code.mean.size());
  for (size_t i = 0; i < kl.size(); ++i) {
    const double m = code.mean[i], lv = code.log_variance[i];
    kl[i] = 0.5 * (m * m + std::exp(lv) - 1.0 - lv);
  }
  return kl;
}

}  // namespace emopiano
