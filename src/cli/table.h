// A plain text table: columns padded to their widest cell (UTF-8 aware).
// Cells longer than the maximum cell width (60 characters unless changed with
// SetMaxCellWidth, which `--wide` does) are cut and end in "…", so one huge
// value cannot make every row as wide as itself; --json prints values whole.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace spur::cli {

class Table {
 public:
  static constexpr size_t kDefaultMaxCellWidth = 60;

  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Writes the table to `out` (stdout by default).
  void Print(std::FILE* out = stdout) const;

  // For every table printed from now on: the most characters a cell shows;
  // 0 is no limit. Not thread-safe (set once, from the command line).
  static void SetMaxCellWidth(size_t width);

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace spur::cli
