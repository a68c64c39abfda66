#include "cli/table.h"

#include <algorithm>

namespace spur::cli {
namespace {

size_t g_max_cell_width = Table::kDefaultMaxCellWidth;

bool StartsCodePoint(unsigned char c) { return (c & 0xC0) != 0x80; }

// Display width: counts UTF-8 code points, not bytes.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += StartsCodePoint(c);
  return n;
}

// `s` cut to `max` code points, the last of them "…", when it is longer.
std::string Fit(const std::string& s, size_t max) {
  if (max == 0 || Width(s) <= max) return s;
  size_t points = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (StartsCodePoint(static_cast<unsigned char>(s[i])) && points++ == max - 1) break;
  }
  return s.substr(0, i) + "\xe2\x80\xa6";
}

}  // namespace

void Table::SetMaxCellWidth(size_t width) { g_max_cell_width = width; }

void Table::Print(std::FILE* out) const {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows_.size());
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    cells.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      cells.back().push_back(Fit(row[i], g_max_cell_width));
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], Width(cells.back()[i]));
    }
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

}  // namespace spur::cli
