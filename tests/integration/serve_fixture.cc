#include "serve_fixture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>
#include <thread>

#include "common/crypto.h"
#include "http/client.h"
#include "os/fs.h"
#include "os/net.h"

extern char** environ;

namespace spur::testing {
namespace {

// A PR's updated_at as the forge writes it, `ago_s` seconds before now: spur
// refuses events older than its replay retention, so fixtures must be fresh.
std::string ForgeNow(int ago_s, bool gitlab) {
  const time_t t = ::time(nullptr) - ago_s;
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[40];
  ::strftime(buf, sizeof buf, gitlab ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

using Clock = std::chrono::steady_clock;

// How a reaped child ended: its exit code, or 128 + the signal.
int Ended(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> EnvironmentWith(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // The daemon under test must not inherit a crash point or a server meant for another run.
  env.erase("SPUR_CRASH_POINT");
  env.erase("SPUR_SERVER");
  env.erase("SPUR_TOKEN");
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

Result<http::Response> Send(const std::string& url, const std::string& method,
                            const std::string& target,
                            const std::map<std::string, std::string>& headers,
                            const std::string& body, const std::string& ca_file = "") {
  auto client = http::HttpClient::FromUrl(url, ca_file);
  if (!client.ok()) return client.status();
  return client->Call(method, target, headers, body, 120000);
}

}  // namespace

int FreeTcpPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

int FreePortRange(int count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(10000, 30000 - count);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int base = pick(rng);
    bool free = true;
    for (int p = base; free && p < base + count; ++p) free = os::TcpPortFree(p);
    if (free) return base;
  }
  return 20000;
}

bool WaitFor(const std::function<bool()>& condition, int timeout_s) {
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

ServeFixture::ServeFixture(const ServePoolOptions& o) : dir_(std::make_unique<TempDir>()) {
  pool_ = dir_->path() + "/pool";
  log_path_ = dir_->path() + "/serve.log";
  port_base_ = FreePortRange(150);
  http_port_ = FreeTcpPort();
  std::vector<std::string> args = {"--pool", pool_, "init", "--port-base",
                                   std::to_string(port_base_)};
  if (o.driver == "reflink") {
    if (!IsRoot()) {
      error_ = "image pools need root";
      return;
    }
    args.insert(args.end(), {"--image", o.image_size});
  } else {
    args.insert(args.end(), {"--driver", o.driver});
  }
  if (!o.sample_data) args.push_back("--no-sample-data");
  args.insert(args.end(), o.init_args.begin(), o.init_args.end());
  CliResult r = Spur(args);
  if (r.exit_code != 0) {
    error_ = "spur init failed: " + r.err;
    return;
  }
  ok_ = true;
}

ServeFixture::~ServeFixture() {
  Stop();
  // The daemon leaves branches running; stop them before the image goes.
  if (!pool_.empty()) StopPostgresUnder(pool_);
  dir_.reset();
}

bool ServeFixture::Start(const std::map<std::string, std::string>& env,
                         const std::vector<std::string>& args) {
  if (pid_ > 0) {
    error_ = "the daemon is already running";
    return false;
  }
  std::vector<std::string> argv = {
      SPUR_BINARY, "--pool", pool_, "serve", "--listen", "127.0.0.1:" + std::to_string(http_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envs = EnvironmentWith(env);
  std::vector<char*> argp = Pointers(argv), envp = Pointers(envs);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error_ = std::string("posix_spawn spur serve: ") + std::strerror(rc);
    return false;
  }
  pid_ = pid;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    auto r = Send(http_url(), "GET", "/healthz", {}, "", tls_ca_);
    if (r.ok() && r->status == 200) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "spur serve exited with " + std::to_string(Ended(status)) + ":\n" + Log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "spur serve did not answer /healthz within 30 s:\n" + Log();
  Stop();
  return false;
}

int ServeFixture::WaitExit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Ended(status);
    }
    if (Clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ServeFixture::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int ended = WaitExit(15000);
  if (ended >= 0) return ended;
  return Kill();
}

int ServeFixture::Kill() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return Ended(status);
}

std::string ServeFixture::Log() const {
  auto text = os::ReadFile(log_path_);
  return text.ok() ? *text : "";
}

CliResult ServeFixture::Run(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) const {
  std::vector<std::string> all = {"--pool", pool_};
  all.insert(all.end(), args.begin(), args.end());
  return Spur(all, env);
}

CliResult ServeFixture::Remote(const std::string& server, const std::string& token,
                               const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--server", server};
  if (!token.empty()) all.insert(all.end(), {"--token", token});
  all.insert(all.end(), args.begin(), args.end());
  return Spur(all);
}

ServeFixture::Token ServeFixture::MakeToken(const std::string& role,
                                            const std::string& owner) const {
  CliResult r = Run({"--json", "token", "create", "--role", role, "--owner", owner});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = r.json();
  Token t;
  if (j.is_object() && j.contains("token")) {
    t.id = j["id"].get<int64_t>();
    t.secret = j["token"].get<std::string>();
  } else {
    ADD_FAILURE() << "token create printed no token: " << r.out;
  }
  return t;
}

Result<http::Response> ServeFixture::TryCall(const std::string& method, const std::string& target,
                                             const std::string& token, const std::string& body,
                                             std::map<std::string, std::string> headers) const {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!body.empty() && !headers.count("Content-Type")) headers["Content-Type"] = "application/json";
  return Send(http_url(), method, target, headers, body, tls_ca_);
}

http::Response ServeFixture::Call(const std::string& method, const std::string& target,
                                  const std::string& token, const std::string& body,
                                  std::map<std::string, std::string> headers) const {
  auto r = TryCall(method, target, token, body, std::move(headers));
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << r.status().message();
    http::Response none;
    none.status = 0;
    return none;
  }
  return *r;
}

http::Response ServeFixture::Admin(const std::string& method, const std::string& target,
                                   const std::string& body) const {
  std::map<std::string, std::string> headers;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  auto r = Send(unix_url(), method, target, headers, body);
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << " (unix socket): " << r.status().message();
    http::Response none;
    none.status = 0;
    return none;
  }
  return *r;
}

nlohmann::json ServeFixture::AdminJson(const std::string& method, const std::string& target,
                                       const std::string& body) const {
  http::Response r = Admin(method, target, body);
  if (r.status < 200 || r.status >= 300) return nullptr;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

void ServeFixture::AddRepo(const std::string& name, const std::string& forge,
                           const std::string& yaml) const {
  const std::string path = dir_->path() + "/" + forge + "-" + std::to_string(yaml.size()) + ".yaml";
  ASSERT_TRUE(os::WriteFileAtomic(path, yaml).ok());
  CliResult r = Run({"repo", "add", name, "--forge", forge, "--config", path},
                    {{"SPUR_WEBHOOK_SECRET", kWebhookSecret}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

nlohmann::json ServeFixture::Branches() const {
  nlohmann::json j = AdminJson("GET", "/branches?no_usage=true");
  EXPECT_TRUE(j.is_array()) << "GET /branches failed";
  return j.is_array() ? j : nlohmann::json::array();
}

std::vector<std::string> ServeFixture::BranchNames() const {
  std::vector<std::string> names;
  for (const auto& b : Branches()) names.push_back(b["name"].get<std::string>());
  return names;
}

nlohmann::json ServeFixture::AuditRecords() const {
  nlohmann::json out = nlohmann::json::array();
  auto text = os::ReadFile(pool_ + "/audit.log");
  EXPECT_TRUE(text.ok()) << text.status().message();
  std::stringstream in(text.ok() ? *text : "");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(j);  // a torn last line is no record
  }
  return out;
}

std::vector<std::string> ServeFixture::OrphanDataDirs() const {
  std::set<std::string> known;
  for (const auto& b : Branches()) known.insert(b["data_directory"].get<std::string>());
  std::vector<std::string> orphans;
  auto names = os::ListDir(pool_ + "/data/branches");
  for (const auto& n : names.ok() ? *names : std::vector<std::string>{}) {
    const std::string path = pool_ + "/data/branches/" + n;
    if (!known.count(path)) orphans.push_back(path);
  }
  return orphans;
}

nlohmann::json ServeFixture::Delivery(const std::string& delivery_id) const {
  nlohmann::json list = AdminJson("GET", "/deliveries?limit=1000");
  if (!list.is_array()) return nullptr;
  for (const auto& d : list) {
    if (d["delivery_id"] == delivery_id) return d;
  }
  return nullptr;
}

nlohmann::json ServeFixture::WaitDelivery(const std::string& delivery_id, int timeout_s) const {
  nlohmann::json d;
  WaitFor(
      [&] {
        d = Delivery(delivery_id);
        return d.is_object() && d["state"] != "pending";
      },
      timeout_s);
  return d;
}

std::string GitHubPullRequestBody(const std::string& repo, const std::string& action, int number,
                                  const std::string& head_sha, bool merged) {
  const std::string n = std::to_string(number);
  const std::string owner = repo.substr(0, repo.find('/'));
  const std::string api = "https://api.github.com/repos/" + repo;
  const bool closed = action == "closed";
  nlohmann::json user = {{"login", "octocat"},
                         {"id", 583231},
                         {"node_id", "MDQ6VXNlcjU4MzIzMQ=="},
                         {"avatar_url", "https://avatars.githubusercontent.com/u/583231?v=4"},
                         {"html_url", "https://github.com/octocat"},
                         {"type", "User"},
                         {"site_admin", false}};
  nlohmann::json repository = {
      {"id", 1296269},
      {"node_id", "MDEwOlJlcG9zaXRvcnkxMjk2MjY5"},
      {"name", repo.substr(repo.find('/') + 1)},
      {"full_name", repo},
      {"private", true},
      {"owner", {{"login", owner}, {"id", 9919}, {"type", "Organization"}, {"site_admin", false}}},
      {"html_url", "https://github.com/" + repo},
      {"url", api},
      {"fork", false},
      {"created_at", "2024-03-01T09:00:00Z"},
      {"pushed_at", "2026-01-05T10:00:00Z"},
      {"default_branch", "main"},
      {"visibility", "private"}};
  nlohmann::json pr = {
      {"url", api + "/pulls/" + n},
      {"id", 1800000000 + number},
      {"node_id", "PR_kwDOABCDEF5" + n},
      {"html_url", "https://github.com/" + repo + "/pull/" + n},
      {"diff_url", "https://github.com/" + repo + "/pull/" + n + ".diff"},
      {"number", number},
      {"state", closed ? "closed" : "open"},
      {"locked", false},
      {"title", "Add the migrated table"},
      {"user", user},
      {"body", "Adds `migrated`.\r\n\r\nCloses #3"},
      {"created_at", "2026-01-05T10:00:00Z"},
      {"updated_at", ForgeNow(0, false)},
      {"closed_at", closed ? nlohmann::json("2026-01-05T11:00:00Z") : nlohmann::json()},
      {"merged_at", merged ? nlohmann::json("2026-01-05T11:00:00Z") : nlohmann::json()},
      {"merge_commit_sha",
       merged ? nlohmann::json("e5bd3914e2e596debea16f433f57875b5b90bcd6") : nlohmann::json()},
      {"assignees", nlohmann::json::array()},
      {"labels", nlohmann::json::array()},
      {"draft", false},
      {"head",
       {{"label", owner + ":feature/migrated"},
        {"ref", "feature/migrated"},
        {"sha", head_sha},
        {"user", user},
        {"repo", repository}}},
      {"base",
       {{"label", owner + ":main"},
        {"ref", "main"},
        {"sha", "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
        {"user", user},
        {"repo", repository}}},
      {"author_association", "MEMBER"},
      {"merged", merged},
      {"mergeable", nullptr},
      {"comments", 0},
      {"commits", 2},
      {"additions", 12},
      {"deletions", 1},
      {"changed_files", 2}};
  nlohmann::json event = {{"action", action},
                          {"number", number},
                          {"pull_request", pr},
                          {"repository", repository},
                          {"organization", {{"login", owner}, {"id", 9919}}},
                          {"sender", user}};
  if (action == "synchronize") {
    event["before"] = "0000000000000000000000000000000000000001";
    event["after"] = head_sha;
  }
  return event.dump();
}

std::map<std::string, std::string> GitHubHeaders(const std::string& body,
                                                 const std::string& delivery,
                                                 const std::string& secret) {
  return {{"Content-Type", "application/json"},
          {"User-Agent", "GitHub-Hookshot/2f9d1c4"},
          {"X-GitHub-Event", "pull_request"},
          {"X-GitHub-Delivery", delivery},
          {"X-GitHub-Hook-ID", "421337"},
          {"X-GitHub-Hook-Installation-Target-Type", "repository"},
          {"X-Hub-Signature-256", "sha256=" + HmacSha256Hex(secret, body)}};
}

std::string GitLabMergeRequestBody(const std::string& project, const std::string& action, int iid,
                                   const std::string& last_commit, const std::string& oldrev) {
  const std::string web = "https://gitlab.example.com/" + project;
  nlohmann::json user = {{"id", 1},
                         {"name", "Administrator"},
                         {"username", "root"},
                         {"avatar_url", "https://gitlab.example.com/uploads/user/avatar/1.png"},
                         {"email", "[REDACTED]"}};
  nlohmann::json proj = {{"id", 15},
                         {"name", project.substr(project.find('/') + 1)},
                         {"description", ""},
                         {"web_url", web},
                         {"git_ssh_url", "git@gitlab.example.com:" + project + ".git"},
                         {"git_http_url", web + ".git"},
                         {"namespace", project.substr(0, project.find('/'))},
                         {"visibility_level", 0},
                         {"path_with_namespace", project},
                         {"default_branch", "main"}};
  nlohmann::json attrs = {
      {"id", 9000 + iid},
      {"iid", iid},
      {"target_branch", "main"},
      {"source_branch", "feature/migrated"},
      {"source_project_id", 15},
      {"target_project_id", 15},
      {"author_id", 1},
      {"assignee_ids", nlohmann::json::array()},
      {"title", "Add the migrated table"},
      {"created_at", "2026-01-05 10:00:00 UTC"},
      {"updated_at", ForgeNow(0, true)},
      {"state", action == "merge"   ? "merged"
                : action == "close" ? "closed"
                                    : "opened"},
      {"merge_status", "unchecked"},
      {"description", "Adds the migrated table"},
      {"url", web + "/-/merge_requests/" + std::to_string(iid)},
      {"source", proj},
      {"target", proj},
      {"last_commit",
       {{"id", last_commit},
        {"message", "Add the migrated table\n"},
        {"title", "Add the migrated table"},
        {"timestamp", "2026-01-05T10:04:00+00:00"},
        {"url", web + "/-/commit/" + last_commit},
        {"author", {{"name", "Administrator"}, {"email", "admin@example.com"}}}}},
      {"work_in_progress", false},
      {"draft", false},
      {"action", action}};
  if (!oldrev.empty()) attrs["oldrev"] = oldrev;
  nlohmann::json event = {
      {"object_kind", "merge_request"},
      {"event_type", "merge_request"},
      {"user", user},
      {"project", proj},
      {"object_attributes", attrs},
      {"labels", nlohmann::json::array()},
      {"changes", action == "update"
                      ? nlohmann::json{{"updated_at", {ForgeNow(240, true), ForgeNow(0, true)}}}
                      : nlohmann::json::object()},
      {"repository", {{"name", proj["name"]}, {"url", proj["git_ssh_url"]}, {"homepage", web}}}};
  return event.dump();
}

std::map<std::string, std::string> GitLabHeaders(const std::string& uuid,
                                                 const std::string& token) {
  return {{"Content-Type", "application/json"},
          {"User-Agent", "GitLab/17.7.0"},
          {"X-Gitlab-Event", "Merge Request Hook"},
          {"X-Gitlab-Event-UUID", uuid},
          {"X-Gitlab-Webhook-UUID", "8f0c3f55-3c1d-4d0a-9e38-1b7e0b0c2a11"},
          {"X-Gitlab-Instance", "https://gitlab.example.com"},
          {"X-Gitlab-Token", token}};
}

}  // namespace spur::testing
