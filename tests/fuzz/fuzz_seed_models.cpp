// Writes fuzzing seeds for fuzz_model_file: each weight file given (the
// bundled generator, classifier, VAE) is read and written again with its
// real header and tensor names but every dimension cut to at most 2, so a
// seed is a few kilobytes instead of megabytes; each generator seed is also
// written with its tensors labelled f16 and bf16, and its model config cut
// to the smallest network, whose weights fit the shrunk data (so the whole
// generator reader accepts it, not only the container). A file with no
// tensors is added. Every seed is a valid container with a correct CRC-32.
//   fuzz_seed_models OUTDIR FILE.pt...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "emopiano/error.hpp"
#include "model/model_file_header.hpp"
#include "model/tensor_container_layout.hpp"

namespace {

namespace d = emopiano::detail;

void save(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  if (!f) throw emopiano::Error(emopiano::ErrorCode::io, "cannot write " + path.string());
}

std::string shrunk(const d::TensorContainer& c, d::StoredDtype dtype, bool keep_dtype) {
  nlohmann::json header = c.header;
  for (const char* key : {"library_version", "data_size", "tensors"}) header.erase(key);
  if (header.contains("model") && header["model"].is_object()) {
    header["model"].update(
        {{"n_layers", 1}, {"d_model", 1}, {"n_heads", 1}, {"d_ff", 1}, {"context_length", 2}, {"max_bars", 1}});
  }
  std::vector<d::TensorBytes> tensors;
  for (const auto& t : c.tensors) {
    d::TensorBytes small{t.name, keep_dtype ? t.dtype : dtype, t.shape, c.data + t.offset};
    uint64_t elements = 1;
    for (auto& dim : small.shape) {
      dim = std::min<int64_t>(dim, 2);
      elements *= static_cast<uint64_t>(dim);
    }
    // The first bytes of the stored tensor, as many as the smaller one needs.
    if (elements * d::stored_dtype_bytes(small.dtype) > t.size) small.shape.assign(1, 0);
    tensors.push_back(small);
  }
  return d::build_tensor_container(header, tensors);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_seed_models OUTDIR FILE.pt...\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  int written = 0;
  try {
    save(out / "empty.pt",
         d::build_tensor_container({{"model", nlohmann::json::object()}, {"tokenizer", nlohmann::json::object()}}, {}));
    ++written;
    for (int i = 2; i < argc; ++i) {
      const std::filesystem::path path = argv[i];
      std::ifstream in(path, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      const d::TensorContainer c = d::read_tensor_container(bytes, path.string(), {});
      const std::string stem = path.stem().string();
      const std::string seed = shrunk(c, d::StoredDtype::f32, true);
      save(out / (stem + ".pt"), seed);
      ++written;
      if (c.header.contains("model")) {
        // A generator's seeds must pass its whole reader, not only the container.
        d::read_model_file(seed, stem + " seed");
        for (auto [suffix, dtype] :
             {std::pair{"-f16", d::StoredDtype::f16}, std::pair{"-bf16", d::StoredDtype::bf16}}) {
          const std::string labelled = shrunk(c, dtype, false);
          d::read_model_file(labelled, stem + suffix + " seed");
          save(out / (stem + suffix + ".pt"), labelled);
          ++written;
        }
      }
    }
  } catch (const emopiano::Error& e) {
    std::fprintf(stderr, "fuzz_seed_models: %s\n", e.what());
    return 1;
  }
  std::printf("%d model seeds\n", written);
  return 0;
}
