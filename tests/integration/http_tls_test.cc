// HttpServer and HttpClient over TLS, with a CA and certificates made for the
// test (openssl): verification, refusals, and the deadlines a TLS client
// cannot get around.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "harness.h"
#include "http/client.h"
#include "http/server.h"
#include "test_certs.h"

namespace spur::testing {
namespace {

using http::HttpClient;
using http::HttpServer;
using http::Peer;
using http::Request;
using http::Response;

Response Echo(const Request& r, const Peer& peer) {
  Response out;
  out.content_type = "text/plain";
  out.body = r.method + " " + r.path + " " + r.body + (peer.unix_socket ? " unix" : " tcp");
  return out;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = MakeTestCerts(dir_.path(), {"DNS:localhost", "IP:127.0.0.1"});
    ASSERT_TRUE(certs_.error.empty()) << certs_.error;
  }
  HttpServer::Options TlsOptions() const {
    HttpServer::Options o;
    o.tls_cert_file = certs_.server_cert;
    o.tls_key_file = certs_.server_key;
    return o;
  }
  Result<Response> Get(const std::string& url, const std::string& ca,
                       const std::string& body = "") {
    auto c = HttpClient::FromUrl(url, ca);
    if (!c.ok()) return c.status();
    return c->Call(body.empty() ? "GET" : "POST", "/ping", {}, body, 5000);
  }
  TempDir dir_;
  TestCerts certs_;
};

TEST_F(HttpTlsTest, ServesHttpsToAClientThatVerifiesTheCertificate) {
  TempDir sock;
  HttpServer::Options o = TlsOptions();
  o.unix_path = sock.path() + "/spur.sock";
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  const std::string port = std::to_string(server.port());
  for (const char* host : {"127.0.0.1", "localhost"}) {
    // A body larger than one TLS record (16 KiB) arrives whole.
    const std::string body(100000, 'x');
    Result<Response> r = Get(std::string("https://") + host + ":" + port, certs_.ca_cert, body);
    ASSERT_TRUE(r.ok()) << host << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /ping " + body + " tcp");
  }
  // The Unix socket stays plain: the kernel says who is on the other end.
  Result<Response> local = Get("unix://" + o.unix_path, "");
  ASSERT_TRUE(local.ok()) << local.status().message();
  EXPECT_EQ(local->body, "GET /ping  unix");
}

TEST_F(HttpTlsTest, ClientRefusesAnUnknownCaAndACertificateForAnotherName) {
  HttpServer server(TlsOptions());
  ASSERT_TRUE(server.Start(Echo).ok());
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  Result<Response> system_store = Get(url, "");
  ASSERT_FALSE(system_store.ok());
  EXPECT_EQ(system_store.status().code(), Code::kUnavailable);
  EXPECT_NE(system_store.status().message().find("--cacert"), std::string::npos)
      << system_store.status().message();
  Result<Response> other = Get(url, certs_.other_ca_cert);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("TLS handshake"), std::string::npos)
      << other.status().message();
  // Signed by the trusted CA, but for other names.
  TempDir other_dir;
  TestCerts wrong = MakeTestCerts(other_dir.path(), {"DNS:db.example.com"});
  ASSERT_TRUE(wrong.error.empty()) << wrong.error;
  HttpServer::Options o;
  o.tls_cert_file = wrong.server_cert;
  o.tls_key_file = wrong.server_key;
  HttpServer misnamed(o);
  ASSERT_TRUE(misnamed.Start(Echo).ok());
  Result<Response> mismatch =
      Get("https://127.0.0.1:" + std::to_string(misnamed.port()), wrong.ca_cert);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("mismatch"), std::string::npos)
      << mismatch.status().message();
  EXPECT_EQ(HttpClient::FromUrl(url, dir_.path() + "/missing.pem")
                ->Call("GET", "/", {}, "", 5000)
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(HttpTlsTest, PlainHttpAndStalledHandshakesAreClosedUnserved) {
  HttpServer::Options o = TlsOptions();
  o.idle_timeout_ms = 300;
  std::atomic<int> handled{0};
  HttpServer server(o);
  ASSERT_TRUE(server
                  .Start([&](const Request& r, const Peer& p) {
                    ++handled;
                    return Echo(r, p);
                  })
                  .ok());
  // Plain HTTP to the TLS port: not a handshake, closed.
  auto plain = HttpClient::FromUrl("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->Call("GET", "/ping", {}, "", 3000).ok());
  // A client that connects and never finishes the handshake is closed after
  // the idle deadline, like one that sends nothing.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string partial("\x16\x03\x01\x00\xff\x01", 6);  // a ClientHello that never ends
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), 6);
  const auto started = std::chrono::steady_clock::now();
  char buf[64];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  const auto waited = std::chrono::steady_clock::now() - started;
  ::close(fd);
  EXPECT_LT(waited, std::chrono::seconds(5)) << "a stalled handshake held the connection";
  EXPECT_EQ(handled, 0);
  // And the server still serves.
  Result<Response> ok = Get("https://127.0.0.1:" + std::to_string(server.port()), certs_.ca_cert);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(handled, 1);
}

TEST_F(HttpTlsTest, BadCertificateOrKeyFilesAreRefusedAtStartNamingTheFile) {
  TempDir other_dir;
  TestCerts other = MakeTestCerts(other_dir.path(), {"DNS:localhost"});
  ASSERT_TRUE(other.error.empty()) << other.error;
  struct Case {
    std::string cert, key, expect;
  };
  const std::vector<Case> cases = {
      {certs_.server_cert, "", "both a certificate and its key"},
      {"", certs_.server_key, "both a certificate and its key"},
      {dir_.path() + "/nope.crt", certs_.server_key, "nope.crt"},
      {certs_.server_cert, dir_.path() + "/nope.key", "nope.key"},
      {certs_.server_cert, other.server_key, "mismatch"},
      {certs_.server_key, certs_.server_key, "server.key"},
  };
  for (const Case& c : cases) {
    HttpServer::Options o;
    o.tls_cert_file = c.cert;
    o.tls_key_file = c.key;
    HttpServer server(o);
    Status st = server.Start(Echo);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << c.cert << " " << c.key;
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace spur::testing
