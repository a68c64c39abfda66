// A pool on a given driver, made with the real `spur init`, torn down after.
#pragma once

#include <memory>
#include <string>

#include "harness.h"

namespace spur::testing {

class PoolFixture {
 public:
  // driver: "reflink" (XFS image via --image), "btrfs" (btrfs loop image),
  // "copy" (plain directory on the host filesystem).
  // `image` is the size of the sparse XFS image of a "reflink" pool.
  explicit PoolFixture(const std::string& driver, bool sample_data = true,
                       const std::string& image = "2G");
  ~PoolFixture();

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& pool() const { return pool_; }

  // spur --pool <pool> args...
  CliResult Run(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) const;
  std::string Uri(const std::string& branch) const;
  nlohmann::json Show(const std::string& branch) const;
  // Superuser conninfo over the branch's socket.
  std::string SuperuserConninfo(const std::string& branch, const std::string& db = "app") const;

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<LoopFilesystem> fs_;
  std::string pool_, error_;
  bool ok_ = false;
};

}  // namespace spur::testing
