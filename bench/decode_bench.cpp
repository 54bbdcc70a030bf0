// The generation step against the memory it must read (docs/performance.md):
// for each precision, batch 1 and batch 2 (guidance's two rows), and cache
// positions from 0 to the context, the time of one network step, the bytes
// it reads (weights and K/V cache) and the bandwidth that implies, beside the
// machine's measured read bandwidth at the same working-set size and from
// DRAM: a roofline, not only a rate. A model of the same width with a
// longer context, made here with random weights, shows the cost at long
// positions. Batch 2's cost over batch 1's is measured in pairs, the two
// taken in turn within each repeat, and printed with the pairs' range. The
// random-weight models have the model's K/V heads, or with --kv-heads N
// share N among the query heads (grouped-query attention), and then a third
// table gives such a model at the model's context. With --window W the
// longer-context model attends through a sliding window of W positions
// (ModelConfig::attention_window). One thread. Prints tables.
//
//   bench_decode [--model FILE] [--positions 0,128,256,384,511] [--long-context 2048]
//                [--long-positions 1024,2047] [--precision both|bf16|f32] [--steps N]
//                [--repeats R] [--dram-mib M] [--kv-cache bf16|int8] [--kv-heads N] [--window W]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "kernels/attention_window.hpp"
#include "kernels/bf16_cache_attention.hpp"
#include "kernels/gemv.hpp"
#include "model/model_impl.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using emopiano::InferencePrecision;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
  return out;
}

std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Sums a buffer as 64-bit words; compiled for the widest vectors the CPU has.
__attribute__((target_clones("avx512f", "avx2", "default"))) uint64_t read_all(const uint64_t* p, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 ^ s1 ^ s2 ^ s3;
}

// Best read bandwidth (bytes/s) over a buffer of `bytes`, read again and
// again: from the caches when it fits them, from DRAM when it does not.
double read_bandwidth(size_t bytes) {
  std::vector<uint64_t> buffer(std::max<size_t>(bytes / 8, 64), 1);
  volatile uint64_t sink = 0;
  sink = sink + read_all(buffer.data(), buffer.size());  // first touch
  const size_t passes = std::max<size_t>(3, static_cast<size_t>(256e6 / static_cast<double>(bytes)));
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    for (size_t p = 0; p < passes; ++p) sink = sink + read_all(buffer.data(), buffer.size());
    best = std::min(best, since(t0) / static_cast<double>(passes));
  }
  return static_cast<double>(buffer.size() * 8) / best;
}

// Bytes of the weights one step reads: every matrix and vector of the
// blocks and the head (at 2 bytes a matrix value in bf16), and the six
// embedding rows of the new token.
double weight_bytes(const emopiano::Model& model, InferencePrecision precision) {
  auto& net = *impl_of(model).net;
  const double matrix_value = precision == InferencePrecision::bf16 ? 2.0 : 4.0;
  double bytes = 0;
  for (const auto& item : net.named_parameters(true)) {
    const std::string& name = item.key();
    const auto& p = item.value();
    if (name.find("embedding") != std::string::npos) continue;
    bytes += static_cast<double>(p.numel()) * (p.dim() == 2 ? matrix_value : 4.0);
  }
  return bytes + 6.0 * model.config().d_model * 4.0;
}

// Keys and values read at position `past` (the new token's included).
// The cache a step at `past` reads: its window's rows.
double cache_bytes(const emopiano::ModelConfig& c, InferencePrecision precision, emopiano::KvCacheStorage kv,
                   int64_t rows, int64_t past) {
  past -= emopiano::kernels::window_first_key(past, c.attention_window);
  const double head_dim = static_cast<double>(c.d_model / c.n_heads);
  const double kv_width = head_dim * c.kv_heads();
  const double value = precision == InferencePrecision::f32   ? 4.0
                       : kv == emopiano::KvCacheStorage::int8 ? (head_dim + 4.0) / head_dim
                                                              : 2.0;
  return static_cast<double>(c.n_layers) * 2.0 * static_cast<double>(rows) * static_cast<double>(past + 1) * kv_width *
         value;
}

struct Row {
  int64_t batch, position;
  double seconds, bytes;
  // Batch 2 only: the step's time over batch 1's, per repeat (median, lowest, highest).
  double ratio = 0, ratio_low = 0, ratio_high = 0;
  // Batch 1 only: the step's time over batch 1's at position 0, likewise.
  double from_zero = 0, from_zero_low = 0, from_zero_high = 0;
};

// One network step of `rows` sequences with `past` tokens cached, set up
// once and timed again and again.
class StepProbe {
 public:
  StepProbe(emopiano::EmotionTransformerImpl& net, const emopiano::Model& model, int64_t rows, int64_t past)
      : net_(net), past_(past) {
    c10::InferenceMode inference;
    const int64_t vocab = model.tokenizer().vocab_size();
    auto gen = at::detail::createCPUGenerator(past + 17);
    auto tokens = torch::randint(3, vocab, {rows, past + 1}, gen, torch::kLong);
    auto bars = torch::arange(past + 1, torch::kLong).div(32, "floor").expand({rows, past + 1}).contiguous();
    auto positions = torch::arange(past + 1, torch::kLong).remainder(16).expand({rows, past + 1}).contiguous();
    auto emotion = torch::full({rows, past + 1, 4}, 0.25f);
    if (past > 0) {
      net.forward_cached(tokens.slice(1, 0, past), bars.slice(1, 0, past), positions.slice(1, 0, past),
                         emotion.slice(1, 0, past), cache_);
    }
    // Contiguous, as the sampler builds each step's inputs: a slice of
    // two rows is not, and the step would copy it each time (four tensor
    // copies, about 5 us, that batch 1's slice does not pay).
    tokens_ = tokens.slice(1, past, past + 1).contiguous();
    bars_ = bars.slice(1, past, past + 1).contiguous();
    positions_ = positions.slice(1, past, past + 1).contiguous();
    emotion_ = emotion.slice(1, past, past + 1).contiguous();
  }

  // Median time of one step over `steps` steps.
  double median_step_seconds(int steps) {
    c10::InferenceMode inference;
    std::vector<double> times;
    for (int s = 0; s < steps; ++s) {
      cache_.length = past_;
      const auto t0 = Clock::now();
      net_.forward_cached(tokens_, bars_, positions_, emotion_, cache_);
      times.push_back(since(t0));
    }
    return median(times);
  }

  static double median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
  }

 private:
  emopiano::EmotionTransformerImpl& net_;
  int64_t past_;
  emopiano::KVCache cache_;
  torch::Tensor tokens_, bars_, positions_, emotion_;
};

// Batch 1 and batch 2 at each position, measured in turn within each repeat
// so that both see the machine in the same state: the ratio of a pair is
// steadier than that of two runs taken minutes apart. Batch 1 at position 0
// is measured in the same turns, for the cost of a position against the
// first.
std::vector<Row> paired_rows(emopiano::EmotionTransformerImpl& net, const emopiano::Model& model,
                             const std::vector<int64_t>& positions, int64_t context, int steps, int repeats,
                             const std::function<double(int64_t, int64_t)>& bytes) {
  std::vector<Row> ones, twos;
  StepProbe first(net, model, 1, 0);
  auto low = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  auto high = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  for (int64_t p : positions) {
    if (p >= context) continue;
    StepProbe one(net, model, 1, p), two(net, model, 2, p);
    std::vector<double> t1, t2, ratios, from_zero;
    for (int r = 0; r < repeats; ++r) {
      const double t0 = first.median_step_seconds(steps);
      t1.push_back(one.median_step_seconds(steps));
      t2.push_back(two.median_step_seconds(steps));
      ratios.push_back(t2.back() / t1.back());
      from_zero.push_back(t1.back() / t0);
    }
    Row row{1, p, StepProbe::median(t1), bytes(1, p)};
    row.from_zero = StepProbe::median(from_zero);
    row.from_zero_low = low(from_zero);
    row.from_zero_high = high(from_zero);
    ones.push_back(row);
    twos.push_back({2, p, StepProbe::median(t2), bytes(2, p), StepProbe::median(ratios), low(ratios), high(ratios)});
  }
  ones.insert(ones.end(), twos.begin(), twos.end());
  return ones;
}

void print_table(const std::string& title, const std::vector<Row>& rows, double l_bandwidth, double dram_bandwidth) {
  fmt::print("\n{}\n", title);
  fmt::print("{:>6} {:>9} {:>10} {:>10} {:>9} {:>9} {:>8} {:>8} {:>10} {:>12} {:>9}\n", "batch", "position", "step us",
             "tokens/s", "MB/step", "GB/s", "of cache", "of DRAM", "x batch 1", "pairs' range", "x pos 0");
  for (const Row& r : rows) {
    const double bandwidth = r.bytes / r.seconds;
    // Guidance's two rows make one token: tokens/s is steps/s either way.
    // Batch 1: its pairs' range is that of x pos 0; batch 2: of x batch 1.
    fmt::print("{:>6} {:>9} {:>10.1f} {:>10.0f} {:>9.2f} {:>9.1f} {:>7.0f}% {:>7.0f}% {:>10.2f} {:>12} {:>9}\n",
               r.batch, r.position, r.seconds * 1e6, 1.0 / r.seconds, r.bytes / 1e6, bandwidth / 1e9,
               100 * bandwidth / l_bandwidth, 100 * bandwidth / dram_bandwidth, r.batch == 1 ? 1.0 : r.ratio,
               r.batch == 1 ? fmt::format("{:.2f}-{:.2f}", r.from_zero_low, r.from_zero_high)
                            : fmt::format("{:.2f}-{:.2f}", r.ratio_low, r.ratio_high),
               r.batch == 1 ? fmt::format("{:.2f}", r.from_zero) : std::string());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, precision_arg = "both";
  auto kv = emopiano::KvCacheStorage::bf16;
  std::vector<int64_t> positions = {0, 64, 128, 256, 384, 511}, long_positions = {1024, 2047};
  int64_t long_context = 2048, dram_mib = 1024;
  int steps = 20, repeats = 5, kv_heads = 0, window = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      model_path = v;
    else if (k == "--positions")
      positions = parse_list(v);
    else if (k == "--long-context")
      long_context = std::stoll(v);
    else if (k == "--long-positions")
      long_positions = parse_list(v);
    else if (k == "--precision" && (v == "both" || v == "bf16" || v == "f32"))
      precision_arg = v;
    else if (k == "--steps")
      steps = std::stoi(v);
    else if (k == "--repeats")
      repeats = std::stoi(v);
    else if (k == "--dram-mib")
      dram_mib = std::stoll(v);
    else if (k == "--kv-heads")
      kv_heads = std::stoi(v);
    else if (k == "--window")
      window = std::stoi(v);
    else if (k == "--kv-cache" && (v == "bf16" || v == "int8"))
      kv = v == "int8" ? emopiano::KvCacheStorage::int8 : emopiano::KvCacheStorage::bf16;
    else {
      std::fprintf(stderr, "bench_decode: unknown option or value %s %s\n", k.c_str(), v.c_str());
      return 2;
    }
  }
  try {
    emopiano::set_compute_threads(1);
    const auto path = model_path.empty() ? emopiano::bundled_model_path() : std::filesystem::path(model_path);
    std::vector<InferencePrecision> precisions;
    if (precision_arg != "f32") precisions.push_back(InferencePrecision::bf16);
    if (precision_arg != "bf16") precisions.push_back(InferencePrecision::f32);

    const emopiano::Model probe = emopiano::Model::load(path, emopiano::LoadOptions{InferencePrecision::f32});
    const auto& c = probe.config();
    fmt::print("{}; 1 thread; load {}; GEMV kernel {}; attention kernel {}\n", cpu_name(), load_average(),
               emopiano::kernels::gemv_isa_name(emopiano::kernels::gemv_isa()),
               emopiano::kernels::bf16_cache_attention_kernel_name(emopiano::kernels::gemv_isa()));
    fmt::print("model {}: {} layers x {}, d_ff {}, context {}, vocabulary {}\n", path.string(), c.n_layers, c.d_model,
               c.d_ff, c.context_length, probe.tokenizer().vocab_size());
    const double dram = read_bandwidth(static_cast<size_t>(dram_mib) << 20);
    fmt::print("read bandwidth from a {} MiB buffer (DRAM unless the caches hold it): {:.1f} GB/s\n", dram_mib,
               dram / 1e9);

    for (InferencePrecision precision : precisions) {
      const char* name = precision == InferencePrecision::f32   ? "f32"
                         : kv == emopiano::KvCacheStorage::int8 ? "bf16, int8 K/V cache"
                                                                : "bf16";
      const emopiano::Model model = emopiano::Model::load(path, emopiano::LoadOptions{precision, kv});
      auto& net = *impl_of(model).net;
      const double weights = weight_bytes(model, precision);
      // The step's working set: weights and a cache half full.
      const double working = weights + cache_bytes(c, precision, kv, 1, c.context_length / 2);
      const double cached = read_bandwidth(static_cast<size_t>(working));
      const auto rows = paired_rows(net, model, positions, c.context_length, steps, repeats, [&](int64_t b, int64_t p) {
        return weights + cache_bytes(c, precision, kv, b, p);
      });
      print_table(fmt::format("{}, {}: weights {:.2f} MB; read bandwidth at the step's working set "
                              "({:.1f} MB): {:.1f} GB/s",
                              name, model_path.empty() ? "bundled model" : "the model", weights / 1e6, working / 1e6,
                              cached / 1e9),
                  rows, cached, dram);

      // The same width with random weights: grouped at the bundled context
      // (--kv-heads), and with a longer context.
      auto random_model_table = [&](int64_t context, const std::vector<int64_t>& at, int attention_window) {
        emopiano::ModelConfig rc = c;
        rc.context_length = static_cast<int>(context);
        rc.attention_window = attention_window;
        if (kv_heads > 0) rc.n_kv_heads = kv_heads;  // else the model's own
        emopiano::Model random = emopiano::Model::create(rc, probe.tokenizer().config(), 1);
        impl_of(random).net->prepare_generation(precision, kv);
        const double rw = weight_bytes(random, precision);
        const double r_working = rw + cache_bytes(rc, precision, kv, 1, context / 2);
        const double r_cached = read_bandwidth(static_cast<size_t>(r_working));
        const auto r_rows =
            paired_rows(*impl_of(random).net, random, at, context, steps, repeats,
                        [&](int64_t b, int64_t p) { return rw + cache_bytes(rc, precision, kv, b, p); });
        std::string heads =
            rc.kv_heads() == rc.n_heads ? "" : fmt::format(", {} K/V heads for {} heads", rc.kv_heads(), rc.n_heads);
        if (attention_window > 0) heads += fmt::format(", a sliding window of {}", attention_window);
        print_table(fmt::format("{}, the same width with context {}{} (random weights): weights {:.2f} MB; read "
                                "bandwidth at its working set ({:.1f} MB): {:.1f} GB/s",
                                name, context, heads, rw / 1e6, r_working / 1e6, r_cached / 1e9),
                    r_rows, r_cached, dram);
      };
      if (kv_heads > 0 && kv_heads != c.kv_heads()) random_model_table(c.context_length, positions, 0);
      random_model_table(long_context, long_positions, window);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_decode: %s\n", e.what());
    return 1;
  }
  return 0;
}
