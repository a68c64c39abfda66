// A standalone cluster made with initdb, as a user would have one: the
// "production" side of import and sync tests. Started in the constructor,
// stopped in the destructor (also when the test fails); its files live under
// the directory it is given, which the caller removes (TempDir).
#pragma once

#include <string>

#include "common/status.h"
#include "pg/instance.h"

namespace spur::testing {

class SourceCluster {
 public:
  // initdb + start under `dir`/source, on a port free for TCP and for the
  // unix socket, picked from a range that pool tests do not use. ok() tells
  // whether it runs.
  explicit SourceCluster(const std::string& dir);
  ~SourceCluster();
  SourceCluster(const SourceCluster&) = delete;
  SourceCluster& operator=(const SourceCluster&) = delete;

  bool ok() const { return ok_; }
  // libpq conninfo for the superuser over the unix socket, to database `db`.
  std::string Url(const std::string& db = "postgres") const;
  // Same as Url("postgres").
  std::string Superuser() const { return Url(); }
  // CREATE DATABASE `name` (an identifier; quoted here). Internal on failure.
  [[nodiscard]] Status CreateDatabase(const std::string& name) const;
  const pg::InstanceSpec& spec() const { return spec_; }

 private:
  bool Init(const std::string& dir);

  pg::InstanceSpec spec_;
  bool ok_ = false;
};

}  // namespace spur::testing
