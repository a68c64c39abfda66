#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "os/fs.h"
#include "os/mount.h"
#include "pg/installation.h"
#include "pg/instance.h"

namespace spur::testing {
namespace {

std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mounts");
  std::string dev, mnt, rest;
  while (in >> dev >> mnt && std::getline(in, rest)) {
    if (mnt.rfind(dir, 0) == 0) out.push_back(mnt);
  }
  // Deepest first.
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

bool IsRoot() { return ::geteuid() == 0; }

TempDir::TempDir() {
  char tmpl[] = "/var/tmp/spur-it-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  path_ = made ? made : "";
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  StopPostgresUnder(path_);
  for (const auto& m : MountsUnder(path_)) os::Unmount(m).IgnoreError();
  os::RemoveTree(path_).IgnoreError();
}

void StopPostgresUnder(const std::string& dir) {
  // Walk /proc for postmasters whose cwd (their data directory) is under dir.
  auto pids = os::ListDir("/proc");
  if (!pids.ok()) return;
  for (const auto& p : *pids) {
    if (p.find_first_not_of("0123456789") != std::string::npos) continue;
    char cwd[4096];
    ssize_t n = ::readlink(("/proc/" + p + "/cwd").c_str(), cwd, sizeof cwd - 1);
    if (n <= 0) continue;
    cwd[n] = '\0';
    std::string c = cwd;
    if (c.rfind(dir, 0) != 0) continue;
    if (os::PathExists(c + "/postmaster.pid")) pg::Stop(c, 10).IgnoreError();
  }
}

LoopFilesystem::LoopFilesystem(const std::string& kind, const std::string& dir) {
  image_ = dir + "/" + kind + ".img";
  mountpoint_ = dir + "/" + kind;
  if (!IsRoot()) {
    error_ = "needs root";
    return;
  }
  { std::ofstream f(image_); }
  if (::truncate(image_.c_str(), 2LL << 30) != 0) {
    error_ = "truncate failed";
    return;
  }
  std::vector<std::string> mkfs =
      kind == "btrfs" ? std::vector<std::string>{"mkfs.btrfs", "-q", image_}
                      : std::vector<std::string>{"mkfs.xfs", "-q", "-m", "reflink=1", image_};
  auto r = os::RunChecked(mkfs);
  if (!r.ok()) {
    error_ = r.status().message();
    return;
  }
  Status m = os::MountImage(image_, mountpoint_);
  if (!m.ok()) {
    error_ = m.message();
    return;
  }
  ::chmod(mountpoint_.c_str(), 0755);
  ok_ = true;
}

LoopFilesystem::~LoopFilesystem() {
  if (!ok_) return;
  StopPostgresUnder(mountpoint_);
  for (const auto& m : MountsUnder(mountpoint_)) os::Unmount(m).IgnoreError();
}

nlohmann::json CliResult::json() const { return nlohmann::json::parse(out, nullptr, false); }

CliResult Spur(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {SPUR_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  os::RunOptions opts;
  opts.env = env;
  auto r = os::Run(argv, opts);
  CliResult out;
  if (!r.ok()) {
    out.err = r.status().message();
    return out;
  }
  out.exit_code = r->exit_code;
  out.out = r->out;
  out.err = r->err;
  return out;
}

void Exec(const std::string& uri, const std::string& sql) {
  auto c = pg::Connection::Open(uri);
  ASSERT_TRUE(c.ok()) << uri << ": " << c.status().message();
  Status st = c->Exec(sql);
  EXPECT_TRUE(st.ok()) << sql << ": " << st.message();
}

std::string QueryValue(const std::string& uri, const std::string& sql) {
  auto c = pg::Connection::Open(uri);
  EXPECT_TRUE(c.ok()) << uri << ": " << c.status().message();
  if (!c.ok()) return "";
  auto v = c->QueryValue(sql);
  EXPECT_TRUE(v.ok()) << sql << ": " << v.status().message();
  return v.ok() ? *v : "";
}

std::vector<std::string> QueryRows(const std::string& uri, const std::string& sql) {
  std::vector<std::string> out;
  auto c = pg::Connection::Open(uri);
  EXPECT_TRUE(c.ok()) << uri << ": " << c.status().message();
  if (!c.ok()) return out;
  auto rows = c->Query(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().message();
  if (!rows.ok()) return out;
  for (const auto& r : *rows) out.push_back(r.empty() || !r[0] ? "" : *r[0]);
  return out;
}

os::RunOutput RunPgTool(const std::string& tool, const std::vector<std::string>& args) {
  auto inst = pg::FindInstallation("");
  std::vector<std::string> argv = {inst.ok() ? inst->Binary(tool) : tool};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = os::Run(argv);
  if (!r.ok()) {
    os::RunOutput o;
    o.err = r.status().message();
    return o;
  }
  return *r;
}

int RawSend(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  if (!bytes.empty()) {
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  return fd;
}

}  // namespace spur::testing
