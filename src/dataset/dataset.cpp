#include "emopiano/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "dataset/dataset_layout.hpp"
#include "dataset/token_cache.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

namespace fs = std::filesystem;

const char* split_name(Split s) noexcept {
  switch (s) {
    case Split::train: return "train";
    case Split::validation: return "validation";
    case Split::test: return "test";
  }
  return "unknown";
}

namespace {

// What one worker produced for one entry.
struct Outcome {
  std::vector<int32_t> tokens;
  std::string error;  // non-empty: the file is skipped for this reason
  bool cache_hit = false;
};

std::vector<uint8_t> read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::io, fmt::format("error while reading '{}'", path.string()));
  return bytes;
}

detail::TokenCache open_cache(const fs::path& requested) {
  if (requested == "none") return detail::TokenCache({});
  if (!requested.empty()) return detail::TokenCache(requested);
  // The default location is a convenience: when it cannot be created, load without a cache.
  try {
    return detail::TokenCache(detail::default_cache_dir());
  } catch (const Error&) {
    return detail::TokenCache({});
  }
}

}  // namespace

Dataset Dataset::load(const fs::path& root, const DatasetOptions& options) {
  options.tokenizer.validate();
  // Checked up front so bad fractions fail before any work, not per file.
  detail::split_by_name("", options.validation_fraction, options.test_fraction);

  detail::DatasetLayout layout = detail::scan_dataset_layout(root);
  const detail::TokenCache cache = open_cache(options.cache_dir);
  const std::string tokenizer_json = options.tokenizer.to_json();
  const auto& entries = layout.entries;
  const size_t total = entries.size();

  std::vector<Outcome> outcomes(total);
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> hits{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable progressed;

  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<size_t>(total, 1))));
  // One tokenizer per thread: encode() is const, but nothing promises it keeps
  // no scratch state. Created here so a bad config throws on this thread.
  std::vector<std::unique_ptr<Tokenizer>> tokenizers;
  for (int t = 0; t < threads; ++t) tokenizers.push_back(Tokenizer::create(options.tokenizer));

  auto worker = [&](Tokenizer* tokenizer) {
    for (;;) {
      if (stop.load() || options.cancel.cancelled()) return;
      size_t i = next.fetch_add(1);
      if (i >= total) return;
      const detail::LayoutEntry& e = entries[i];
      Outcome& out = outcomes[i];
      try {
        std::vector<uint8_t> bytes = read_file_bytes(e.path);
        // What the tokens depend on besides the file: the tokenizer, whether
        // there is a label, and the key annotation.
        std::string context = tokenizer_json;
        if (!e.labelled) context += "\nunlabelled";
        if (!e.key_annotation.empty()) {
          const auto annotation = read_file_bytes(e.key_annotation);
          context += "\nkeys:" + std::string(annotation.begin(), annotation.end());
        }
        uint64_t key = detail::TokenCache::key(context, options.midi, e.label, bytes.data(), bytes.size());
        if (auto cached = cache.load(key)) {
          out.tokens = std::move(*cached);
          out.cache_hit = true;
          hits.fetch_add(1);
        } else {
          Score score = read_midi_bytes(bytes.data(), bytes.size(), options.midi, e.path.string());
          if (!e.key_annotation.empty()) score.keys = detail::read_key_annotation(e.key_annotation, score);
          out.tokens = tokenizer->encode(score, e.labelled ? std::optional<Quadrant>(e.label) : std::nullopt);
          cache.store(key, out.tokens);
        }
      } catch (const std::exception& ex) {
        out.tokens.clear();
        out.error = ex.what();
        if (out.error.empty()) out.error = "unknown error";
      }
      done.fetch_add(1);
      progressed.notify_one();
    }
  };

  // Workers tokenize; this thread only reports progress, so the callback is
  // never called from two threads at once.
  const auto start = std::chrono::steady_clock::now();
  auto report = [&](int64_t n) {
    if (!options.progress) return;
    ProgressInfo info;
    info.stage = "tokenize";
    info.done = n;
    info.total = static_cast<int64_t>(total);
    info.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    info.detail = fmt::format("{} thread{}, {} from cache", threads, threads == 1 ? "" : "s", hits.load());
    bool go_on = true;
    try {
      go_on = options.progress(info);
    } catch (...) {
      stop.store(true);
      throw;
    }
    if (!go_on) stop.store(true);
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  try {
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker, tokenizers[t].get());
    report(0);
    int64_t reported = 0;
    while (reported < static_cast<int64_t>(total) && !stop.load() && !options.cancel.cancelled()) {
      std::unique_lock<std::mutex> lock(mutex);
      progressed.wait_for(lock, std::chrono::milliseconds(50));
      lock.unlock();
      int64_t n = done.load();
      if (n != reported) {
        reported = n;
        report(n);
      }
    }
  } catch (...) {
    stop.store(true);
    for (auto& th : pool) th.join();
    throw;
  }
  for (auto& th : pool) th.join();

  if (stop.load() || options.cancel.cancelled())
    throw Error(ErrorCode::cancelled,
                fmt::format("loading '{}' cancelled after {} of {} files", root.string(), done.load(), total));

  Dataset ds;
  ds.layout_ = layout.kind;
  ds.skipped_ = std::move(layout.skipped);
  ds.items_.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    const detail::LayoutEntry& e = entries[i];
    if (!outcomes[i].error.empty()) {
      ds.skipped_.push_back({e.path, std::move(outcomes[i].error)});
      continue;
    }
    if (outcomes[i].cache_hit) ++ds.cache_hits_;
    DatasetItem item;
    item.name = e.name;
    item.path = e.path;
    item.label = e.label;
    item.labelled = e.labelled;
    item.split = e.split ? *e.split : detail::split_by_name(e.name, options.validation_fraction, options.test_fraction);
    item.tokens = std::move(outcomes[i].tokens);
    ds.items_.push_back(std::move(item));
  }
  std::sort(ds.skipped_.begin(), ds.skipped_.end(),
            [](const SkippedFile& a, const SkippedFile& b) { return a.path < b.path; });
  return ds;
}

std::vector<const DatasetItem*> Dataset::split(Split s) const {
  std::vector<const DatasetItem*> out;
  for (const auto& item : items_)
    if (item.split == s) out.push_back(&item);
  return out;
}

int64_t Dataset::total_tokens() const noexcept {
  int64_t n = 0;
  for (const auto& item : items_) n += static_cast<int64_t>(item.tokens.size());
  return n;
}

}  // namespace emopiano
