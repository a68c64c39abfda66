// A prepared SQLite statement with typed binds and column reads (RAII).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur::catalog {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, like SQLite's.
  Statement& Bind(int i, const std::string& v);
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, const std::optional<int64_t>& v);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion (for writes).
  Status Run();

  std::string Text(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;
};

// Steps `s` to the end, turning each row into a T with `read(s)`.
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& s, Reader read) {
  std::vector<T> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(read(s));
  }
}

}  // namespace spur::catalog
