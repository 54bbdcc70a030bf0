// Piano roll as SVG: time runs left to right in ticks (so bars are evenly
// spaced whatever the tempo), pitch bottom to top, one rectangle per note,
// darker for louder.
#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "emopiano/error.hpp"
#include "emopiano/plot.hpp"

namespace emopiano {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kNoteNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

}  // namespace

std::string piano_roll_svg(const Score& score, const PianoRollOptions& o) {
  if (o.width < 200 || o.width > 20000 || o.height < 120 || o.height > 8000)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("piano roll size {}x{} is outside 200..20000 x 120..8000", o.width, o.height));
  const double left = 48, right = 12, top = o.title.empty() ? 12 : 32;
  const double pedal_h = o.show_pedal ? 14 : 0, bottom = 24 + pedal_h;
  const double plot_w = o.width - left - right, plot_h = o.height - top - bottom;

  int lo = 60, hi = 72;
  if (!score.notes.empty()) {
    lo = 127;
    hi = 0;
    for (const Note& n : score.notes) {
      lo = std::min(lo, n.pitch);
      hi = std::max(hi, n.pitch);
    }
  }
  lo = std::max(0, lo - 2);
  hi = std::min(127, hi + 2);
  int64_t tpb = std::max(1, score.ticks_per_beat);
  int num = 4, den = 4;
  if (!score.time_signatures.empty()) {
    num = score.time_signatures.front().numerator;
    den = std::max(1, score.time_signatures.front().denominator);
  }
  int64_t bar_ticks = std::max<int64_t>(1, tpb * num * 4 / den);
  int64_t end = std::max<int64_t>(score.end_tick(), bar_ticks);
  end = (end + bar_ticks - 1) / bar_ticks * bar_ticks;
  const double xs = plot_w / static_cast<double>(end);
  const double row = plot_h / (hi - lo + 1);
  auto x_of = [&](int64_t t) { return left + t * xs; };
  auto y_of = [&](int pitch) { return top + (hi - pitch) * row; };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"10\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      o.width, o.height, o.width, o.height);
  if (!o.title.empty())
    svg += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n", left, xml_escape(o.title));
  // Pitch axis: a shaded row for each black key, a label at every C.
  for (int p = lo; p <= hi; ++p) {
    int pc = p % 12;
    bool black = pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
    if (black)
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.2f}\" width=\"{:.1f}\" height=\"{:.2f}\" fill=\"#f2f2f2\"/>\n",
                         left, y_of(p), plot_w, row);
    if (pc == 0)
      svg += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}{}</text>\n", left - 4,
                         y_of(p) + row / 2 + 3, kNoteNames[pc], p / 12 - 1);
  }
  // Bar lines and numbers.
  int64_t bars = end / bar_ticks;
  int label_every = static_cast<int>(std::max<int64_t>(1, bars / 24));
  for (int64_t b = 0; b <= bars; ++b) {
    double x = x_of(b * bar_ticks);
    svg +=
        fmt::format("<line x1=\"{:.2f}\" y1=\"{}\" x2=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"#bbb\" stroke-width=\"1\"/>\n",
                    x, top, x, top + plot_h);
    if (b < bars && b % label_every == 0)
      svg += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\">{}</text>\n", x + 2, top + plot_h + 12, b + 1);
  }
  // Notes: velocity 1..127 maps to lightness, louder is darker.
  for (const Note& n : score.notes) {
    double shade = std::clamp(n.velocity, 1, 127) / 127.0;
    int light = static_cast<int>(std::lround(85 - 55 * shade));
    double w = std::max(1.0, (std::max(n.end_tick, n.start_tick + 1) - n.start_tick) * xs);
    svg += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"hsl(220,70%,{}%)\"><title>{}{} "
        "v{}</title></rect>\n",
        x_of(n.start_tick), y_of(n.pitch), w, std::max(1.0, row - 0.5), light, kNoteNames[n.pitch % 12],
        n.pitch / 12 - 1, n.velocity);
  }
  // Sustain pedal: a bar under the roll wherever the pedal is down.
  if (o.show_pedal) {
    double y = top + plot_h + 16;
    int64_t down_at = -1;
    auto band = [&](int64_t a, int64_t b) {
      svg += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"6\" fill=\"#d08030\"/>\n", x_of(a),
                         y, std::max(1.0, (b - a) * xs));
    };
    for (const PedalEvent& p : score.pedal) {
      if (p.down && down_at < 0) down_at = p.tick;
      if (!p.down && down_at >= 0) {
        band(down_at, p.tick);
        down_at = -1;
      }
    }
    if (down_at >= 0) band(down_at, end);
    svg += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">ped</text>\n", left - 4, y + 6);
  }
  svg += "</svg>\n";
  return svg;
}

void write_piano_roll_svg(const Score& score, const std::filesystem::path& path, const PianoRollOptions& options) {
  detail::write_file_atomically(path, piano_roll_svg(score, options));
}

}  // namespace emopiano
