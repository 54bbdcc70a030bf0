// Shared pieces of the C ABI tests: RAII owners for what the library returns,
// a small hand-built piece as MIDI bytes, and status assertions that print
// the library's own message when they fail.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "emopiano.h"
#include "emopiano/midi.hpp"
#include "emopiano/score.hpp"

namespace emopiano::capi_test {

struct LibraryFree {
  void operator()(void* p) const { emopiano_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, LibraryFree>;

// C: Q1 happy chords over two bars at 120 BPM, with sustain pedal.
inline Score small_piece() {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos.push_back({0, 0.0, 120.0});
  s.time_signatures.push_back({0, 4, 4});
  const int chord[] = {60, 64, 67};
  for (int bar = 0; bar < 2; ++bar) {
    for (int beat = 0; beat < 4; ++beat) {
      const int64_t start = (bar * 4 + beat) * 480;
      for (int k = 0; k < 3; ++k) {
        Note n;
        n.pitch = chord[k] + (beat % 2) * 2;
        n.velocity = 60 + 10 * k;
        n.start_tick = start;
        n.end_tick = start + 240;
        s.notes.push_back(n);
      }
    }
  }
  s.pedal.push_back({0, 0.0, true, 127});
  s.pedal.push_back({1920, 0.0, false, 0});
  s.normalize();
  s.update_seconds();
  return s;
}

inline std::vector<uint8_t> small_piece_bytes() { return write_midi_bytes(small_piece()); }

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// The tiny untrained model the generation tests share (context 64, so long
// pieces slide the window), created once per process.
constexpr const char* kTinyModel =
    R"({"n_layers": 2, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 64, "max_bars": 16})";

inline emopiano_model* tiny_model() {
  static emopiano_model* model = [] {
    emopiano_model* m = nullptr;
    EXPECT_EQ(emopiano_model_create(&m, kTinyModel, nullptr, 5), EMOPIANO_OK) << emopiano_last_error();
    return m;
  }();
  return model;
}

}  // namespace emopiano::capi_test

#define EXPECT_C_OK(call)                                                               \
  do {                                                                                  \
    const int emopiano_status_ = (call);                                                \
    EXPECT_EQ(emopiano_status_, EMOPIANO_OK) << #call << ": " << emopiano_last_error(); \
  } while (0)

#define ASSERT_C_OK(call)                                                               \
  do {                                                                                  \
    const int emopiano_status_ = (call);                                                \
    ASSERT_EQ(emopiano_status_, EMOPIANO_OK) << #call << ": " << emopiano_last_error(); \
  } while (0)

// The call fails with `status` and leaves a message mentioning `needle`.
#define EXPECT_C_ERROR(call, status, needle)                                         \
  do {                                                                               \
    emopiano_clear_last_error();                                                     \
    const int emopiano_status_ = (call);                                             \
    EXPECT_EQ(emopiano_status_, (status)) << #call << ": " << emopiano_last_error(); \
    EXPECT_EQ(emopiano_last_error_code(), (status)) << #call;                        \
    EXPECT_NE(std::string(emopiano_last_error()).find(needle), std::string::npos)    \
        << #call << " said: " << emopiano_last_error();                              \
  } while (0)
