// Issue 13, item 1: TLS from a clean pool, with real processes only. The
// pool's own CA issues the certificate; `spur serve --tls` speaks https to a
// remote CLI that trusts the exported CA; branches require TLS on TCP and
// libpq connects with sslmode=verify-full.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <string>

#include "os/fs.h"
#include "pg/conn.h"
#include "serve_fixture.h"

namespace spur::testing {
namespace {

// An IPv4 address of this host outside 127.0.0.0/8, or "" when it has none.
std::string NonLoopbackAddress() {
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return "";
  std::string found;
  for (ifaddrs* a = all; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = "";
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) found = text;
  }
  ::freeifaddrs(all);
  return found;
}

class PoolTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "image pools need root";
    serve_ = std::make_unique<ServeFixture>();
    ASSERT_TRUE(serve_->ok()) << serve_->error();
  }
  void TearDown() override { serve_.reset(); }
  // The CA exported with `spur tls ca`, as a client gets it.
  std::string ExportCa() {
    CliResult ca = serve_->Run({"tls", "ca"});
    EXPECT_EQ(ca.exit_code, 0) << ca.err;
    const std::string path = dir_.path() + "/spur-ca.pem";
    EXPECT_TRUE(os::WriteFileAtomic(path, ca.out).ok());
    return path;
  }
  TempDir dir_;
  std::unique_ptr<ServeFixture> serve_;
};

TEST_F(PoolTlsTest, BranchesRequireTlsAndVerifyFullConnects) {
  EXPECT_EQ(serve_->Run({"tls", "ca"}).exit_code, 3) << "no CA before init";
  EXPECT_EQ(serve_->Run({"tls", "branches", "on"}).exit_code, 5) << "no certificate yet";
  EXPECT_EQ(serve_->Run({"tls", "init", "--name", "bad name"}).exit_code, 2);
  CliResult init = serve_->Run({"--json", "tls", "init", "--name", "db.spur.test"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const auto names = init.json()["names"];
  EXPECT_NE(names.dump().find("DNS:db.spur.test"), std::string::npos) << names.dump();
  EXPECT_NE(names.dump().find("IP:127.0.0.1"), std::string::npos) << names.dump();
  const std::string ca = ExportCa();
  CliResult on = serve_->Run({"tls", "branches", "on"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  EXPECT_NE(on.out.find("main"), std::string::npos) << "main runs without it: " << on.out;

  // An address of this host off loopback, so that plain TCP can be tried
  // from elsewhere than loopback (where spur's proxy connects in plain text).
  const std::string outside = NonLoopbackAddress();
  if (!outside.empty()) {
    ASSERT_EQ(serve_->Run({"config", "set", "listen_addresses", "127.0.0.1," + outside}).exit_code,
              0);
  }
  CliResult made = serve_->Run({"branch", "create", "secure"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string uri = made.out.substr(0, made.out.find('\n'));
  ASSERT_NE(uri.find("?sslmode=require"), std::string::npos) << uri;
  EXPECT_EQ(QueryValue(uri, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
  const std::string base = uri.substr(0, uri.find('?'));
  EXPECT_EQ(QueryValue(base + "?sslmode=verify-full&sslrootcert=" + ca, "SELECT 1"), "1");
  // Without TLS the branch refuses, even with the right password, from any
  // address but loopback's own (where spur's proxy connects in plain text:
  // channel binding cannot pass a proxy that terminates TLS).
  if (!outside.empty()) {
    std::string off_loopback = base;
    off_loopback.replace(off_loopback.find("@127.0.0.1:"), 11, "@" + outside + ":");
    EXPECT_FALSE(pg::Connection::Open(off_loopback + "?sslmode=disable").ok());
    EXPECT_EQ(QueryValue(off_loopback + "?sslmode=require", "SELECT 1"), "1");
  }
  EXPECT_EQ(QueryValue(base + "?sslmode=disable", "SELECT 1"), "1");
  // A CA the branch's certificate does not chain to fails verify-full.
  const std::string other = dir_.path() + "/other.pem";
  ASSERT_TRUE(os::WriteFileAtomic(other, "").ok());
  EXPECT_FALSE(pg::Connection::Open(base + "?sslmode=verify-full&sslrootcert=" + other).ok());

  // A branch still running with an older spur's pg_hba.conf (TLS-only,
  // without the loopback lines the proxy needs) is upgraded by the next
  // command's reconcile, and says so rather than claiming a broken start.
  const std::string data =
      serve_->Run({"--json", "branch", "show", "secure"}).json()["data_directory"];
  const std::string hba = data + "/pg_hba.conf";
  const std::string older =
      "# Written by spur. The socket directory is private to the pool's owner;\n"
      "# TCP needs TLS and a password (SCRAM).\n"
      "local     all           all                 trust\n"
      "local     replication   all                 trust\n"
      "hostnossl all           all   0.0.0.0/0     reject\n"
      "hostnossl all           all   ::/0          reject\n"
      "hostssl   all           all   0.0.0.0/0     scram-sha-256\n"
      "hostssl   all           all   ::/0          scram-sha-256\n";
  ASSERT_TRUE(os::WriteFileAtomic(hba, older, 0600).ok());
  CliResult listed = serve_->Run({"branch", "list"});
  EXPECT_NE(listed.err.find("rewrote pg_hba.conf of branch \"secure\", written by an older spur"),
            std::string::npos)
      << listed.err;
  EXPECT_NE(*os::ReadFile(hba), older);
  EXPECT_EQ(QueryValue(base + "?sslmode=disable", "SELECT 1"), "1") << "loopback, as the proxy";

  // Off again: from the next start, plain TCP is accepted.
  ASSERT_EQ(serve_->Run({"tls", "branches", "off"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "stop", "secure"}).exit_code, 0);
  ASSERT_EQ(serve_->Run({"branch", "start", "secure"}).exit_code, 0);
  EXPECT_EQ(QueryValue(base + "?sslmode=disable", "SELECT 1"), "1");
}

TEST_F(PoolTlsTest, ServeTlsSpeaksHttpsToARemoteCliThatTrustsThePoolCa) {
  ASSERT_EQ(serve_->Run({"tls", "init"}).exit_code, 0);
  const std::string ca = ExportCa();
  serve_->UseTls(ca);
  ASSERT_TRUE(serve_->Start({}, {"--tls"})) << serve_->error();
  const auto dev = serve_->MakeToken("developer", "alice");
  const std::string url = serve_->http_url();
  ASSERT_EQ(url.rfind("https://", 0), 0u) << url;
  CliResult list = serve_->Remote(url, dev.secret, {"--cacert", ca, "--json", "branch", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("\"main\""), std::string::npos) << list.out;
  // Without the CA: refused, saying how to trust it; nothing sent in clear.
  CliResult untrusted = serve_->Remote(url, dev.secret, {"branch", "list"});
  EXPECT_EQ(untrusted.exit_code, 6) << untrusted.err;
  EXPECT_NE(untrusted.err.find("--cacert"), std::string::npos) << untrusted.err;
  // Plain http to the https port is not served.
  CliResult plain = serve_->Remote("http" + url.substr(5), dev.secret, {"branch", "list"});
  EXPECT_NE(plain.exit_code, 0);
  // The Unix socket stays plain for the operator.
  EXPECT_EQ(serve_->Remote(serve_->unix_url(), "", {"branch", "list"}).exit_code, 0);
}

TEST_F(PoolTlsTest, ServeTlsWithoutACertificateFailsAtStartSayingWhatToRun) {
  CliResult r = serve_->Run({"serve", "--tls", "--listen", "none"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("spur tls init"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace spur::testing
