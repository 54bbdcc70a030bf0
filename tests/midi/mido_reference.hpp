// An independent reader for cross-checks: python3-mido parses a MIDI file and
// prints its notes; our tests compare that with what we read or wrote.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace emopiano::test {

struct MidoNote {
  int pitch, velocity;
  long long start, end;  // absolute ticks
};

struct MidoFile {
  int ticks_per_beat = 0;
  std::vector<MidoNote> notes;  // sorted by (start, pitch)
};

inline std::string mido_python() {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    const std::string cmd = std::string(py) + " -c 'import mido' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

// Notes as mido sees them: note-on with velocity 0 is a note-off, a note-off
// closes the oldest sounding note of its key and channel (first in, first out).
inline std::optional<MidoFile> read_with_mido(const std::filesystem::path& path) {
  const std::string py = mido_python();
  if (py.empty()) return std::nullopt;
  const char* script =
      "import sys, mido\n"
      "m = mido.MidiFile(sys.argv[1])\n"
      "print(m.ticks_per_beat)\n"
      "out = []\n"
      "for tr in m.tracks:\n"
      "  t = 0; open_ = {}\n"
      "  for msg in tr:\n"
      "    t += msg.time\n"
      "    if msg.type == 'note_on' and msg.velocity > 0:\n"
      "      open_.setdefault((msg.channel, msg.note), []).append((t, msg.velocity))\n"
      "    elif msg.type in ('note_on', 'note_off'):\n"
      "      q = open_.get((msg.channel, msg.note))\n"
      "      if q:\n"
      "        s, v = q.pop(0); out.append((s, msg.note, v, t))\n"
      "for s, p, v, e in sorted(out): print(p, v, s, e)\n";
  // A script file of this process's own: tests run in parallel (ctest -j), and
  // one process rewriting a shared script while another runs it gave the
  // other an empty file.
  const auto script_path =
      std::filesystem::temp_directory_path() / ("emopiano_mido_notes_" + std::to_string(getpid()) + ".py");
  if (FILE* f = std::fopen(script_path.c_str(), "w")) {
    std::fputs(script, f);
    std::fclose(f);
  }
  const std::string cmd = py + " '" + script_path.string() + "' '" + path.string() + "'";
  std::string text;
  {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    if (!pipe) return std::nullopt;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe.get())) text.append(buf, n);
  }
  std::error_code ec;
  std::filesystem::remove(script_path, ec);
  std::istringstream in(text);
  MidoFile file;
  in >> file.ticks_per_beat;
  MidoNote n{};
  while (in >> n.pitch >> n.velocity >> n.start >> n.end) file.notes.push_back(n);
  return file;
}

}  // namespace emopiano::test
