#include "pool_fixture.h"

namespace spur::testing {

PoolFixture::PoolFixture(const std::string& driver, bool sample_data, const std::string& image)
    : dir_(std::make_unique<TempDir>()) {
  std::vector<std::string> args;
  if (driver == "btrfs") {
    fs_ = std::make_unique<LoopFilesystem>("btrfs", dir_->path());
    if (!fs_->ok()) {
      error_ = "btrfs loop filesystem: " + fs_->error();
      return;
    }
    pool_ = fs_->mountpoint() + "/pool";
    args = {"--pool", pool_, "init", "--driver", "btrfs"};
  } else if (driver == "reflink") {
    pool_ = dir_->path() + "/pool";
    args = {"--pool", pool_, "init", "--image", image};
  } else {
    pool_ = dir_->path() + "/pool";
    args = {"--pool", pool_, "init", "--driver", "copy"};
  }
  if (!sample_data) args.push_back("--no-sample-data");
  CliResult r = Spur(args);
  if (r.exit_code != 0) {
    error_ = "spur init failed: " + r.err;
    return;
  }
  ok_ = true;
}

PoolFixture::~PoolFixture() {
  // Stop postgres before the loop filesystems go (TempDir also checks).
  if (!pool_.empty()) StopPostgresUnder(pool_);
  fs_.reset();
  dir_.reset();
}

CliResult PoolFixture::Run(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) const {
  std::vector<std::string> all = {"--pool", pool_};
  all.insert(all.end(), args.begin(), args.end());
  return Spur(all, env);
}

std::string PoolFixture::Uri(const std::string& branch) const {
  CliResult r = Run({"uri", branch});
  std::string s = r.out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

nlohmann::json PoolFixture::Show(const std::string& branch) const {
  return Run({"--json", "branch", "show", branch}).json();
}

std::string PoolFixture::SuperuserConninfo(const std::string& branch, const std::string& db) const {
  nlohmann::json j = Show(branch);
  if (!j.is_object() || !j.contains("socket_dir")) return "";
  return "host=" + j["socket_dir"].get<std::string>() +
         " port=" + std::to_string(j["port"].get<int>()) + " user=postgres dbname=" + db;
}

}  // namespace spur::testing
