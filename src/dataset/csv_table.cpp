#include "dataset/csv_table.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::detail {

namespace {

std::string trimmed_lower(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string> parse_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r' && c != '\n') {
      fields.back() += c;
    }
  }
  return fields;
}

std::vector<CsvRow> read_csv_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, fmt::format("cannot read '{}'", path.string()));
  std::vector<CsvRow> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    // A UTF-8 byte order mark would otherwise stick to the first header name.
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back({number, parse_csv_line(line)});
  }
  if (in.bad()) throw Error(ErrorCode::io, fmt::format("error while reading '{}'", path.string()));
  return rows;
}

std::optional<size_t> csv_column(const CsvRow& header, std::string_view name) {
  std::string want = trimmed_lower(name);
  for (size_t i = 0; i < header.fields.size(); ++i)
    if (trimmed_lower(header.fields[i]) == want) return i;
  return std::nullopt;
}

}  // namespace emopiano::detail
