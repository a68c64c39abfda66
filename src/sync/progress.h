// Progress of a sync, shared by the copy workers (atomic counters) and shown
// by a reporter thread: tables, rows and bytes done, rate and ETA.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace spur::sync {

struct Progress {
  std::atomic<int64_t> tables_done{0};
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> bytes{0};  // COPY text bytes read from the source
  int64_t tables_total = 0;
  int64_t bytes_estimate = 0;  // sum of the source tables' sizes
};

// One status line, e.g.
// "data: 12/40 tables, 1.2M rows, 340 MiB of ~1.1 GiB, 41 MiB/s, ETA 19s".
std::string FormatProgress(const Progress& p, double elapsed_s);

}  // namespace spur::sync
