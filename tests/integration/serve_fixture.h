// A pool made with the real `spur init` on a port range of its own, and the
// real `spur serve` daemon on it: started, stopped, killed and restarted by
// the test. Teardown stops the daemon (SIGTERM, then SIGKILL) and every
// postgres under the pool, and removes everything, also when a test fails.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "harness.h"
#include "http/message.h"

namespace spur::testing {

struct ServePoolOptions {
  // "copy": a plain directory on the host filesystem. "reflink": an XFS
  // (reflink=1) image made by `spur init --image` (needs root).
  std::string driver = "copy";
  std::string image_size = "4G";
  bool sample_data = true;
  std::vector<std::string> init_args;  // more `spur init` arguments, e.g. {"--pg", "a=b"}
};

class ServeFixture {
 public:
  explicit ServeFixture(const ServePoolOptions& options = {});
  ~ServeFixture();
  ServeFixture(const ServeFixture&) = delete;
  ServeFixture& operator=(const ServeFixture&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& pool() const { return pool_; }
  int port_base() const { return port_base_; }

  // Starts `spur --pool P serve --listen 127.0.0.1:PORT args...` with `env`
  // added to its environment and waits until /healthz answers over TCP.
  // False, with the reason and the daemon's log in error(), when the daemon
  // exits first or does not answer within 30 s. The TCP port stays the same
  // across restarts.
  bool Start(const std::map<std::string, std::string>& env = {},
             const std::vector<std::string>& args = {});
  // SIGTERM, then SIGKILL after 15 s. Returns how it ended (exit code, or
  // 128 + signal); -1 when no daemon runs.
  int Stop();
  // kill -9 and reap; returns 128 + SIGKILL (or how it had ended already).
  int Kill();
  // Waits up to `timeout_ms` for the daemon to end by itself. Its exit code
  // (128 + signal when killed), or -1 while it still runs.
  int WaitExit(int timeout_ms);
  bool running() const { return pid_ > 0; }
  // Everything the daemon has written to stdout and stderr (all runs).
  std::string Log() const;

  std::string http_url() const {
    return (tls_ca_.empty() ? "http://" : "https://") + std::string("127.0.0.1:") +
           std::to_string(http_port_);
  }
  // From now on the daemon is reached over https, trusting PEM CA `ca_file`
  // (start it with --tls or --tls-cert/--tls-key).
  void UseTls(const std::string& ca_file) { tls_ca_ = ca_file; }
  std::string unix_url() const { return "unix://" + pool_ + "/spur.sock"; }

  // spur --pool P args... (the local pool, no server).
  CliResult Run(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) const;
  // spur --server URL [--token T] args...
  CliResult Remote(const std::string& server, const std::string& token,
                   const std::vector<std::string>& args) const;

  struct Token {
    int64_t id = 0;
    std::string secret;
  };
  // A token made with `spur --pool P --json token create`; a failure fails the test.
  Token MakeToken(const std::string& role, const std::string& owner) const;

  // One HTTP request to the daemon over TCP, with "Authorization: Bearer
  // `token`" unless `token` is empty, and a JSON Content-Type when there is a
  // body and `headers` names none. Unavailable when nothing answers.
  Result<http::Response> TryCall(const std::string& method, const std::string& target,
                                 const std::string& token, const std::string& body = "",
                                 std::map<std::string, std::string> headers = {}) const;
  // TryCall that fails the test when nothing answers (and returns status 0).
  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& token, const std::string& body = "",
                      std::map<std::string, std::string> headers = {}) const;
  // The same over the pool's Unix socket, without a token (admin as root).
  http::Response Admin(const std::string& method, const std::string& target,
                       const std::string& body = "") const;
  // Admin() with a JSON answer (null when the status is not 2xx or the body not JSON).
  nlohmann::json AdminJson(const std::string& method, const std::string& target,
                           const std::string& body = "") const;

  // `spur repo add NAME --forge FORGE --config <yaml>` with kWebhookSecret;
  // a failure fails the test.
  void AddRepo(const std::string& name, const std::string& forge, const std::string& yaml) const;

  // The branches as the running daemon lists them (admin view).
  nlohmann::json Branches() const;
  std::vector<std::string> BranchNames() const;
  // Every record of P/audit.log, oldest first, read from the file itself (so
  // it works while no daemon runs and reconciles nothing).
  nlohmann::json AuditRecords() const;
  // Entries of P/data/branches that belong to no listed branch.
  std::vector<std::string> OrphanDataDirs() const;
  // The webhook delivery with this id as GET /deliveries shows it (null if none).
  nlohmann::json Delivery(const std::string& delivery_id) const;
  // Waits up to `timeout_s` until the delivery is stored and no longer pending.
  nlohmann::json WaitDelivery(const std::string& delivery_id, int timeout_s = 90) const;

 private:
  std::unique_ptr<TempDir> dir_;
  std::string pool_, log_path_, error_;
  int port_base_ = 0;
  std::string tls_ca_;  // set by UseTls
  int http_port_ = 0;
  pid_t pid_ = -1;
  bool ok_ = false;
};

// Webhook deliveries shaped like the ones the forges send.
inline constexpr char kWebhookSecret[] = "whsec-0123456789abcdef-spur-tests";

// A GitHub `pull_request` event ("opened", "synchronize", "closed", ...) for
// `repo` ("owner/name").
std::string GitHubPullRequestBody(const std::string& repo, const std::string& action, int number,
                                  const std::string& head_sha, bool merged = false);
// GitHub's headers for `body`, signed (X-Hub-Signature-256) with `secret`.
std::map<std::string, std::string> GitHubHeaders(const std::string& body,
                                                 const std::string& delivery,
                                                 const std::string& secret = kWebhookSecret);
// A GitLab "Merge Request Hook" event ("open", "update", "merge", ...);
// `oldrev` set on an update means new commits were pushed.
std::string GitLabMergeRequestBody(const std::string& project, const std::string& action, int iid,
                                   const std::string& last_commit, const std::string& oldrev = "");
// GitLab's headers: the secret token as sent, and the event UUID.
std::map<std::string, std::string> GitLabHeaders(const std::string& uuid,
                                                 const std::string& token = kWebhookSecret);

// A TCP port nothing listens on (from the kernel's ephemeral range).
int FreeTcpPort();
// The first of `count` consecutive free TCP ports, chosen at random below the
// ephemeral range so that pools of concurrent test runs rarely meet.
int FreePortRange(int count);

// Polls `condition` every 100 ms until it holds or `timeout_s` passes.
bool WaitFor(const std::function<bool()>& condition, int timeout_s);

}  // namespace spur::testing
