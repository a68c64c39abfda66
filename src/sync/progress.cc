#include "sync/progress.h"

#include <cstdio>

#include "common/units.h"

namespace spur::sync {
namespace {

std::string Count(int64_t n) {
  char buf[32];
  if (n >= 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  } else if (n >= 10000) {
    std::snprintf(buf, sizeof buf, "%.0fk", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  }
  return buf;
}

}  // namespace

std::string FormatProgress(const Progress& p, double elapsed_s) {
  const int64_t bytes = p.bytes.load();
  std::string line = "data: " + std::to_string(p.tables_done.load()) + "/" +
                     std::to_string(p.tables_total) + " tables, " + Count(p.rows.load()) +
                     " rows, " + FormatBytes(static_cast<uint64_t>(bytes));
  if (p.bytes_estimate > 0) {
    line += " of ~" + FormatBytes(static_cast<uint64_t>(p.bytes_estimate));
  }
  if (elapsed_s > 0.5 && bytes > 0) {
    double rate = static_cast<double>(bytes) / elapsed_s;
    line += ", " + FormatBytes(static_cast<uint64_t>(rate)) + "/s";
    if (p.bytes_estimate > bytes) {
      line += ", ETA " + FormatDuration(static_cast<int64_t>(
                             static_cast<double>(p.bytes_estimate - bytes) / rate + 0.5));
    }
  }
  return line;
}

}  // namespace spur::sync
