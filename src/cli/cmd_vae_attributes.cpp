// emopiano vae-attributes --vae VAE.pt --data DIR: computes the musical
// attribute vectors (density, pitch range, syncopation, mode) of a trained
// VAE from a collection's training segments and writes them into the file.
#include <cmath>

#include <fmt/core.h>

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/process_control.hpp"
#include "cli/progress_bar.hpp"
#include "cli/weights_option.hpp"
#include "emopiano/dataset.hpp"
#include "emopiano/error.hpp"
#include "emopiano/sampler.hpp"
#include "emopiano/vae_attributes.hpp"

namespace emopiano::cli {
namespace {

int run(int argc, char** argv) {
  Args args("vae-attributes", "",
            "Compute a VAE's musical attribute vectors (MusicVAE): for note density, pitch range,\n"
            "syncopation and mode, the mean latent of the training segments in the attribute's top\n"
            "quartile minus that of its bottom quartile. Written into the VAE file (atomically), or\n"
            "to --out.");
  args.option("vae", "FILE", "VAE file to read (and to write unless --out is given)");
  args.option("data", "DIR", "the collection it was trained on (its train split is used)");
  args.option("out", "FILE", "write the VAE with its attribute vectors here instead");
  add_weights_option(args);
  args.option("threads", "N", "compute threads, 0 = all cores", "1");
  args.option("cache", "DIR|none", "token cache folder, or 'none'");
  args.positionals(0, 0);
  if (int rc = args.parse(argc, argv); rc >= 0) return rc;
  const WeightStorage weights = weights_option(args);
  restart_with_tuned_runtime(false);
  for (const char* required : {"vae", "data"}) {
    if (args.get(required).empty()) {
      fmt::print(stderr, "emopiano vae-attributes: --{} is required (see --help)\n", required);
      return 2;
    }
  }
  set_compute_threads(static_cast<int>(args.get_int("threads")));
  const EmotionVae vae = EmotionVae::load(args.get("vae"));
  ProgressBar bar;
  DatasetOptions options;
  options.tokenizer = vae.tokenizer().config();
  options.cache_dir = args.get("cache");
  options.progress = bar.callback();
  const Dataset dataset = Dataset::load(args.get("data"), options);
  bar.finish();
  const EmotionVae with = with_attribute_vectors(vae, dataset, bar.callback());
  bar.finish();
  const std::string out = args.get("out").empty() ? args.get("vae") : args.get("out");
  with.save(out, weights);
  for (int a = 0; a < kVaeAttributeCount; ++a) {
    double norm = 0;
    for (float v : attribute_vector(with, VaeAttribute(a))) norm += static_cast<double>(v) * v;
    fmt::print("{:<12} vector norm {:.3f}\n", vae_attribute_name(VaeAttribute(a)), std::sqrt(norm));
  }
  fmt::print("VAE with attribute vectors written to {}\n", out);
  return 0;
}

CommandRegistrar registrar("vae-attributes", "compute a VAE's musical attribute vectors from its training data", run);

}  // namespace
}  // namespace emopiano::cli
