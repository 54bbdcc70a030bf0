#include "cli/beat_options.hpp"

#include <algorithm>
#include <vector>

#include <fmt/core.h>

namespace emopiano::cli {

void add_beat_options(Args& args) {
  const BeatTrackingOptions d;
  args.option("metre", "N", "beats per bar: 0 detects 3 or 4", "0");
  args.option("prior-bpm", "BPM", "tempo the tracker expects most", fmt::format("{:g}", d.prior_bpm));
  args.option("min-bpm", "BPM", "slowest tempo searched", fmt::format("{:g}", d.min_bpm));
  args.option("max-bpm", "BPM", "fastest tempo searched", fmt::format("{:g}", d.max_bpm));
}

BeatTrackingOptions beat_options(const Args& args) {
  BeatTrackingOptions o;
  o.metre = static_cast<int>(args.get_int("metre"));
  o.prior_bpm = args.get_double("prior-bpm");
  o.min_bpm = args.get_double("min-bpm");
  o.max_bpm = args.get_double("max-bpm");
  o.validate();
  return o;
}

double median_bpm(const BeatMap& map) {
  if (map.bpm.empty()) return 0.0;
  std::vector<double> v = map.bpm;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace emopiano::cli
