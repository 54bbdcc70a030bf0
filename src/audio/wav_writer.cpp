// A 16-bit PCM RIFF/WAVE writer: the one format every player reads.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/atomic_file.hpp"
#include "emopiano/audio.hpp"
#include "emopiano/error.hpp"

namespace emopiano {
namespace {

void put_u32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u16(std::string& b, uint16_t v) {
  b.push_back(static_cast<char>(v & 0xFF));
  b.push_back(static_cast<char>(v >> 8));
}

}  // namespace

void write_wav_file(const AudioBuffer& audio, const std::filesystem::path& path) {
  if (audio.channels < 1 || audio.channels > 8 || audio.sample_rate <= 0)
    throw Error(ErrorCode::invalid_argument, "write_wav_file: bad channel count or sample rate");
  uint64_t data_bytes = audio.samples.size() * 2;
  if (data_bytes > 0xFFFFFFFFull - 44)
    throw Error(ErrorCode::invalid_argument, "write_wav_file: audio too long for a WAV file");
  std::string b;
  b.reserve(44 + data_bytes);
  b += "RIFF";
  put_u32(b, static_cast<uint32_t>(36 + data_bytes));
  b += "WAVEfmt ";
  put_u32(b, 16);
  put_u16(b, 1);  // PCM
  put_u16(b, static_cast<uint16_t>(audio.channels));
  put_u32(b, static_cast<uint32_t>(audio.sample_rate));
  put_u32(b, static_cast<uint32_t>(audio.sample_rate * audio.channels * 2));
  put_u16(b, static_cast<uint16_t>(audio.channels * 2));
  put_u16(b, 16);
  b += "data";
  put_u32(b, static_cast<uint32_t>(data_bytes));
  for (float s : audio.samples) {
    float c = std::isfinite(s) ? std::clamp(s, -1.0f, 1.0f) : 0.0f;
    put_u16(b, static_cast<uint16_t>(static_cast<int16_t>(std::lround(c * 32767.0f))));
  }

  detail::write_file_atomically(path, b);
}

}  // namespace emopiano
