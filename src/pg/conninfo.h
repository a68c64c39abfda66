// Connection strings given by users (libpq URLs or key=value conninfo):
// checking, redacting for display, and handing them to client programs
// (pg_dump, pg_restore) without putting a password on a command line.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spur::pg {

// The keyword/value pairs libpq reads from `conninfo` (PQconninfoParse), only
// those set. InvalidArgument with libpq's reason when it cannot be parsed.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ParseConninfo(
    const std::string& conninfo);

// `conninfo` for people: host, port, user and database, password hidden,
// e.g. "postgres://app:***@db.internal:5432/shop".
std::string RedactConninfo(const std::string& conninfo);

// A 0600 pg_service.conf holding one service, removed on destruction.
// Client programs get the connection via env() and dsn().
class ServiceFile {
 public:
  // Writes `conninfo` as service "spur" to `path`.
  [[nodiscard]] static Result<ServiceFile> Write(const std::string& path,
                                                 const std::string& conninfo);
  ServiceFile(ServiceFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ServiceFile& operator=(ServiceFile&&) = delete;
  ~ServiceFile();
  // Environment for the client program: PGSERVICEFILE.
  std::pair<std::string, std::string> env() const { return {"PGSERVICEFILE", path_}; }
  // What to pass as -d / dbname.
  static std::string dsn() { return "service=spur"; }

 private:
  explicit ServiceFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace spur::pg
