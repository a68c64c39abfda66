// Integration-test harness: real filesystems on loop images, real postgres,
// the real spur binary. Everything a fixture creates is torn down in its
// destructor, also when the test fails.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "os/process.h"
#include "pg/conn.h"

namespace spur::testing {

// A fresh directory under /var/tmp (removed, with anything mounted below it
// unmounted and any postgres below it stopped, on destruction).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A filesystem on a sparse loop image mounted at `mountpoint()`.
// kind: "xfs" (reflink=1) or "btrfs". Needs root.
class LoopFilesystem {
 public:
  LoopFilesystem(const std::string& kind, const std::string& dir);
  ~LoopFilesystem();
  bool ok() const { return ok_; }
  const std::string& mountpoint() const { return mountpoint_; }
  const std::string& error() const { return error_; }

 private:
  std::string image_, mountpoint_, error_;
  bool ok_ = false;
};

// Stops every postgres whose data directory lies under `dir`.
void StopPostgresUnder(const std::string& dir);

struct CliResult {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json json() const;  // stdout parsed (null when not JSON)
};

// Runs the spur binary under test with `args` (no shell).
CliResult Spur(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});

// Runs `sql` on `uri`; a failure fails the test.
void Exec(const std::string& uri, const std::string& sql);
// First column of the first row of `sql` on `uri`.
std::string QueryValue(const std::string& uri, const std::string& sql);
// First column of every row of `sql` on `uri` (NULL as "").
std::vector<std::string> QueryRows(const std::string& uri, const std::string& sql);

// Runs a PostgreSQL client binary (pgbench, pg_amcheck...) from the server's bindir.
os::RunOutput RunPgTool(const std::string& tool, const std::vector<std::string>& args);

bool IsRoot();

// A TCP connection to 127.0.0.1:`port` that has sent `bytes` (the caller
// closes it); -1 when the connection is refused.
int RawSend(int port, const std::string& bytes = "");

}  // namespace spur::testing
