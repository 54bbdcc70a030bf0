// A small CSV reader for dataset label and split files: comma separated,
// double quotes around fields that hold commas, CRLF or LF line ends.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emopiano::detail {

struct CsvRow {
  int line = 0;  // 1-based line number in the file, for error messages
  std::vector<std::string> fields;
};

// Splits one line into fields (quotes removed, "" inside quotes = one quote).
std::vector<std::string> parse_csv_line(std::string_view line);

// Reads every non-blank line. Throws Error(io) naming the file when it cannot be read.
std::vector<CsvRow> read_csv_file(const std::filesystem::path& path);

// Index of the column whose header equals `name` (case-insensitive, trimmed).
std::optional<size_t> csv_column(const CsvRow& header, std::string_view name);

}  // namespace emopiano::detail
