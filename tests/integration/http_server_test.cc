// HttpServer and HttpClient over real sockets: TCP on a free port and a Unix
// socket in a temporary directory.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "http/client.h"
#include "http/server.h"
#include "os/fs.h"

namespace spur::testing {
namespace {

using http::HttpClient;
using http::HttpServer;
using http::Peer;
using http::Request;
using http::Response;

// Answers with "METHOD PATH q=QUERY[q] BODY".
Response Echo(const Request& r, const Peer&) {
  Response out;
  out.content_type = "text/plain";
  auto q = r.query.find("q");
  out.body = r.method + " " + r.path + " q=" + (q == r.query.end() ? "" : q->second) + " " + r.body;
  return out;
}

HttpClient Client(const std::string& url) {
  Result<HttpClient> c = HttpClient::FromUrl(url);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::move(c).value();
}

std::string TcpUrl(const HttpServer& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

// Reads until `fd` closes (or, with `until`, until `until` has arrived).
std::string RawRead(int fd, const std::string& until = "") {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((until.empty() || out.find(until) == std::string::npos) &&
         (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends `bytes` on a fresh TCP connection to `port` and returns all it gets back.
std::string RawExchange(int port, const std::string& bytes) {
  const int fd = RawSend(port, bytes);
  if (fd < 0) return "connect failed";
  std::string out = RawRead(fd);
  ::close(fd);
  return out;
}

TEST(HttpServer, ServesOverTcpAndUnixSocket) {
  TempDir dir;
  HttpServer::Options o;
  o.unix_path = dir.path() + "/spur.sock";
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  ASSERT_GT(server.port(), 0);
  struct stat st {};
  ASSERT_EQ(::stat(o.unix_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  for (const std::string& url : {TcpUrl(server), "unix://" + o.unix_path}) {
    HttpClient client = Client(url);
    Result<Response> r = client.Call("POST", "/branches/a%20b?q=" + http::UrlEncode("x&y"),
                                     {{"Content-Type", "application/json"}}, "{}");
    ASSERT_TRUE(r.ok()) << url << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "text/plain");
    EXPECT_EQ(r->body, "POST /branches/a b q=x&y {}");
    Result<Response> head = client.Call("HEAD", "/x", {}, "");
    ASSERT_TRUE(head.ok()) << head.status().message();
    EXPECT_EQ(head->body, "");
    EXPECT_EQ(head->headers.at("content-length"),
              std::to_string(std::string("HEAD /x q= ").size()));
  }
  Result<Response> based = Client(TcpUrl(server) + "/api/v1/").Call("GET", "/pools", {}, "");
  ASSERT_TRUE(based.ok());
  EXPECT_EQ(based->body, "GET /api/v1/pools q= ");
  server.Stop();
  EXPECT_NE(::stat(o.unix_path.c_str(), &st), 0) << "socket file left behind";
}

TEST(HttpServer, FiftyConcurrentClientsAllAnsweredCorrectly) {
  HttpServer::Options o;
  o.threads = 4;
  HttpServer server(o);
  ASSERT_TRUE(server
                  .Start([](const Request& r, const Peer& p) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    return Echo(r, p);
                  })
                  .ok());
  const HttpClient client = Client(TcpUrl(server));
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 50; ++i) {
    answers.push_back(std::async(std::launch::async, [&client, i] {
      const std::string body(static_cast<size_t>(i) * 1000, static_cast<char>('a' + i % 26));
      Result<Response> r = client.Call("PUT", "/n/" + std::to_string(i), {}, body);
      if (!r.ok()) return r.status().message();
      const std::string want = "PUT /n/" + std::to_string(i) + " q= " + body;
      return r->status == 200 && r->body == want ? std::string("ok") : "wrong answer " + r->body;
    }));
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(answers[static_cast<size_t>(i)].get(), "ok") << i;
}

TEST(HttpServer, BodyTooLargeGets413) {
  HttpServer::Options o;
  o.max_body = 1024;
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  const HttpClient client = Client(TcpUrl(server));
  for (size_t size : {size_t{1025}, size_t{4} << 20}) {
    Result<Response> r = client.Call("POST", "/", {}, std::string(size, 'x'));
    ASSERT_TRUE(r.ok()) << size << ": " << r.status().message();
    EXPECT_EQ(r->status, 413) << size;
    EXPECT_NE(r->body.find("\"code\":\"body_too_large\""), std::string::npos) << r->body;
  }
  Result<Response> fits = client.Call("POST", "/", {}, std::string(1024, 'x'));
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 200);
}

TEST(HttpServer, GarbageGets400AndTruncatedRequestsGet408) {
  HttpServer::Options o;
  o.idle_timeout_ms = 300;
  o.header_timeout_ms = 300;
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  std::string answer = RawExchange(server.port(), "hello there\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("{\"error\":{\"code\":\"bad_request\""), std::string::npos) << answer;
  answer =
      RawExchange(server.port(), "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 501 ", 0), 0u) << answer;
  answer = RawExchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  EXPECT_EQ(RawExchange(server.port(), ""), "");  // silent client: closed without an answer
  answer = RawExchange(server.port(), "GET /fine HTTP/1.0\r\n\r\n");
  EXPECT_NE(answer.find("\r\n\r\nGET /fine q= "), std::string::npos) << answer;
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  HttpServer server(HttpServer::Options{});
  ASSERT_TRUE(server.Start(Echo).ok());
  const int fd = RawSend(server.port(),
                         "POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_GE(fd, 0);
  EXPECT_EQ(RawRead(fd, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_EQ(::send(fd, "data", 4, MSG_NOSIGNAL), 4);
  const std::string answer = RawRead(fd);
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("\r\n\r\nPOST /up q= data"), std::string::npos) << answer;
}

TEST(HttpServer, FullQueueGets503AndQueuedRequestsAreServed) {
  HttpServer::Options o;
  o.threads = 1;  // one worker, so 16 connections may wait
  HttpServer server(o);
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  ASSERT_TRUE(server
                  .Start([&](const Request& r, const Peer& p) {
                    if (first.exchange(false)) {
                      entered.set_value();
                      released.wait();
                    }
                    return Echo(r, p);
                  })
                  .ok());
  const std::string request = "GET /q HTTP/1.1\r\n\r\n";
  std::vector<int> fds = {RawSend(server.port(), request)};
  entered.get_future().wait();
  for (int i = 0; i < 16; ++i) fds.push_back(RawSend(server.port(), request));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all 16 read and queued
  // Accepted in order, so this one finds the queue full.
  const std::string busy = RawExchange(server.port(), request);
  EXPECT_EQ(busy.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << busy;
  EXPECT_NE(busy.find("\"code\":\"unavailable\""), std::string::npos) << busy;
  release.set_value();
  for (const int fd : fds) {
    ASSERT_GE(fd, 0);
    const std::string answer = RawRead(fd);
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  }
}

TEST(HttpServer, HandlerExceptionBecomes500Json) {
  HttpServer server(HttpServer::Options{});
  ASSERT_TRUE(
      server
          .Start([](const Request&, const Peer&) -> Response { throw std::runtime_error("boom"); })
          .ok());
  Result<Response> r = Client(TcpUrl(server)).Call("GET", "/", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_NE(r->body.find("{\"error\":{\"code\":\"internal\",\"message\":"), std::string::npos);
  EXPECT_NE(r->body.find("boom"), std::string::npos) << r->body;
}

TEST(HttpServer, PeerCredentialsOnUnixSocket) {
  TempDir dir;
  HttpServer::Options o;
  o.unix_path = dir.path() + "/spur.sock";
  HttpServer server(o);
  ASSERT_TRUE(server
                  .Start([](const Request&, const Peer& p) {
                    Response r;
                    r.body = std::string(p.unix_socket ? "unix " : "tcp ") +
                             (p.uid ? std::to_string(*p.uid) : "-") + " " +
                             (p.pid ? std::to_string(*p.pid) : "-") + " " + p.address;
                    return r;
                  })
                  .ok());
  Result<Response> r = Client("unix://" + o.unix_path).Call("GET", "/", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "unix " + std::to_string(::getuid()) + " " + std::to_string(::getpid()) + " " +
                         o.unix_path);
  r = Client(TcpUrl(server)).Call("GET", "/", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body.rfind("tcp - - 127.0.0.1:", 0), 0u) << r->body;
}

TEST(HttpServer, StaleUnixSocketIsReplaced) {
  TempDir dir;
  const std::string path = dir.path() + "/spur.sock";
  {  // A socket file nobody listens on, as a crashed server leaves it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  HttpServer::Options o;
  o.port = -1;
  o.unix_path = path;
  HttpServer server(o);
  Status started = server.Start(Echo);
  ASSERT_TRUE(started.ok()) << started.message();
  EXPECT_EQ(server.port(), -1);
  Result<Response> r = Client("unix://" + path).Call("GET", "/ok", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "GET /ok q= ");
}

TEST(HttpServer, NonSocketFileAtUnixPathIsLeftAlone) {
  TempDir dir;
  const std::string path = dir.path() + "/spur.sock";
  ASSERT_TRUE(os::WriteFileAtomic(path, "precious").ok());
  HttpServer::Options o;
  o.port = -1;
  o.unix_path = path;
  HttpServer server(o);
  EXPECT_EQ(server.Start(Echo).code(), Code::kFailedPrecondition);
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
}

TEST(HttpServer, SecondServerOnSameUnixPathFailsUnavailable) {
  TempDir dir;
  HttpServer::Options o;
  o.port = -1;
  o.unix_path = dir.path() + "/spur.sock";
  HttpServer first(o);
  ASSERT_TRUE(first.Start(Echo).ok());
  {
    HttpServer second(o);
    Status s = second.Start(Echo);
    EXPECT_EQ(s.code(), Code::kUnavailable);
    EXPECT_EQ(s.message(), "another server is listening on " + o.unix_path);
  }  // the failed server removes nothing
  Result<Response> r = Client("unix://" + o.unix_path).Call("GET", "/still", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, ListenErrorsAreOneLineWithAHint) {
  HttpServer first(HttpServer::Options{});
  ASSERT_TRUE(first.Start(Echo).ok());
  HttpServer::Options o;
  o.port = first.port();
  HttpServer second(o);
  Status s = second.Start(Echo);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "port " + std::to_string(first.port()) +
                             " on 127.0.0.1 is in use; pass --listen with another port");

  HttpServer::Options long_path;
  long_path.port = -1;
  long_path.unix_path = "/var/tmp/" + std::string(200, 'x') + ".sock";
  HttpServer third(long_path);
  s = third.Start(Echo);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("the limit is 107"), std::string::npos) << s.message();

  HttpServer::Options nothing;
  nothing.port = -1;
  EXPECT_EQ(HttpServer(nothing).Start(Echo).code(), Code::kInvalidArgument);
}

TEST(HttpServer, StopWhileASlowHandlerRunsCompletesTheRequest) {
  TempDir dir;
  HttpServer::Options o;
  o.unix_path = dir.path() + "/spur.sock";
  HttpServer server(o);
  std::promise<void> entered;
  ASSERT_TRUE(server
                  .Start([&entered](const Request& r, const Peer& p) {
                    entered.set_value();
                    std::this_thread::sleep_for(std::chrono::milliseconds(500));
                    return Echo(r, p);
                  })
                  .ok());
  const HttpClient client = Client(TcpUrl(server));
  auto call =
      std::async(std::launch::async, [&client] { return client.Call("GET", "/slow", {}, ""); });
  entered.get_future().wait();
  std::thread stopper([&server] { server.Stop(); });  // as a signal-handling thread would
  stopper.join();
  Result<Response> r = call.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /slow q= ");

  Result<Response> after = client.Call("GET", "/", {}, "", 2000);
  EXPECT_EQ(after.status().code(), Code::kUnavailable);
  struct stat st {};
  EXPECT_NE(::stat(o.unix_path.c_str(), &st), 0);
  server.Stop();  // idempotent
}

TEST(HttpServer, StopOfAnIdleServerIsQuick) {
  HttpServer server(HttpServer::Options{});
  ASSERT_TRUE(server.Start(Echo).ok());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // connected, never sends
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ::close(fd);
}

// Closes every descriptor in `fds` on destruction.
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (const int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

// GET `path` through `url` with a 2 s timeout: the status, or -1, and how long it took.
std::pair<int, std::chrono::milliseconds> TimedGet(const std::string& url,
                                                   const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  Result<Response> r = Client(url).Call("GET", path, {}, "", 2000);
  return {r.ok() ? r->status : -1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now() - start)};
}

TEST(HttpServer, SlowlorisConnectionsDoNotBlockHealthz) {
  HttpServer::Options o;
  o.max_connections_per_peer = 1000;  // the event loop, not the cap, is under test
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  Fds slow;
  for (int i = 0; i < 120; ++i) {
    slow.fds.push_back(RawSend(server.port(), "GET /slow HTTP/1.1\r\n"));
    ASSERT_GE(slow.fds.back(), 0);
  }
  std::atomic<bool> done{false};
  std::thread drip([&] {  // a header line every 2 s on each connection, for at most 6 s
    for (int round = 0; round < 3 && !done.load(); ++round) {
      for (int t = 0; t < 20 && !done.load(); ++t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      for (const int fd : slow.fds) ::send(fd, "X-Drip: 1\r\n", 11, MSG_NOSIGNAL);
    }
  });
  for (int i = 0; i < 9; ++i) {  // across two drips
    auto [status, took] = TimedGet(TcpUrl(server), "/healthz");
    EXPECT_EQ(status, 200) << "request " << i;
    EXPECT_LT(took, std::chrono::milliseconds(2000)) << "request " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  done.store(true);
  drip.join();
}

TEST(HttpServer, IdleConnectionsDoNotBlockHealthz) {
  HttpServer::Options o;
  o.max_connections_per_peer = 1000;
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  Fds idle;
  for (int i = 0; i < 160; ++i) {
    idle.fds.push_back(RawSend(server.port(), ""));
    ASSERT_GE(idle.fds.back(), 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto [status, took] = TimedGet(TcpUrl(server), "/healthz");
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST(HttpServer, UnixSocketServedWhileTcpFlooded) {
  TempDir dir;
  HttpServer::Options o;
  o.unix_path = dir.path() + "/spur.sock";
  o.max_connections = 100;
  o.max_connections_per_peer = 1000;  // as many loopback addresses would allow
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  Fds flood;
  for (int i = 0; i < 150; ++i) flood.fds.push_back(RawSend(server.port(), ""));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // TCP is full: the next one is refused with 503 at once.
  const std::string refused = RawExchange(server.port(), "GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 503 ", 0), 0u) << refused;
  // The operator's Unix socket (this test runs as root or as the server's own uid) still works.
  auto [status, took] = TimedGet("unix://" + o.unix_path, "/healthz");
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST(HttpServer, PerPeerConnectionCapReturns503) {
  HttpServer::Options o;
  o.max_connections_per_peer = 4;
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  Fds held;
  for (int i = 0; i < 4; ++i) held.fds.push_back(RawSend(server.port(), ""));
  const std::string refused = RawExchange(server.port(), "GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << refused;
  EXPECT_NE(refused.find("too many open connections"), std::string::npos) << refused;
  ::close(held.fds.back());  // one freed: the peer may connect again
  held.fds.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string served = RawExchange(server.port(), "GET /again HTTP/1.1\r\n\r\n");
  EXPECT_EQ(served.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << served;
}

TEST(HttpServer, HeaderDeadlineClosesSlowClient) {
  HttpServer::Options o;
  o.header_timeout_ms = 500;  // however steadily header lines keep coming
  HttpServer server(o);
  ASSERT_TRUE(server.Start(Echo).ok());
  const int fd = RawSend(server.port(), "GET / HTTP/1.1\r\n");
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  std::string answer;
  char buf[4096];
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(4)) {
    ::send(fd, "X-Drip: 1\r\n", 11, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) answer.append(buf, static_cast<size_t>(n));
    if (n == 0 || answer.find("\r\n\r\n") != std::string::npos) break;
  }
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(HttpServer, SlowHandlerDoesNotBlockOtherRequests) {
  HttpServer::Options o;
  o.threads = 1;
  o.quick_route = [](const Request& r) { return r.path == "/healthz"; };
  HttpServer server(o);
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(server
                  .Start([&](const Request& r, const Peer& p) {
                    if (r.path == "/slow") {
                      entered.set_value();
                      released.wait();
                    }
                    return Echo(r, p);
                  })
                  .ok());
  auto slow = std::async(std::launch::async,
                         [&] { return Client(TcpUrl(server)).Call("POST", "/slow", {}, "x"); });
  entered.get_future().wait();  // the only ordinary worker is taken
  for (int i = 0; i < 3; ++i) {
    auto [status, took] = TimedGet(TcpUrl(server), "/healthz");
    EXPECT_EQ(status, 200);
    EXPECT_LT(took, std::chrono::milliseconds(2000));
  }
  // Reading and queueing go on too: this one is answered once the worker is free.
  auto queued = std::async(std::launch::async,
                           [&] { return Client(TcpUrl(server)).Call("GET", "/q", {}, ""); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.set_value();
  Result<Response> r = slow.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "POST /slow q= x");
  r = queued.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "GET /q q= ");
}

TEST(HttpClient, UrlErrorsAndUnreachableServers) {
  EXPECT_TRUE(HttpClient::FromUrl("https://spur.example.com").ok());
  for (const char* bad : {"ftp://x", "http://", "http://h:0", "http://h:99999", "http://u@h",
                          "http://h/x?y=1", "unix://rel.sock", "127.0.0.1:7432", "http://[::1",
                          "https://", "https://u@h", "https://h:0"}) {
    EXPECT_EQ(HttpClient::FromUrl(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  TempDir dir;
  for (const std::string& url :
       {std::string("http://127.0.0.1:1"), "unix://" + dir.path() + "/none.sock"}) {
    Result<Response> r = Client(url).Call("GET", "/", {}, "");
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << url;
    EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("spur serve"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(Client("http://localhost:1").Call("GET", "no-slash", {}, "").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Client("http://localhost:1").Call("GET", "/", {{"X", "a\r\nB: c"}}, "").status().code(),
            Code::kInvalidArgument);
}

TEST(HttpClient, ResolvesHostNamesAndIpv6) {
  for (const std::string host : {"localhost", "::1"}) {
    HttpServer::Options o;
    o.host = host;
    HttpServer server(o);
    Status s = server.Start(Echo);
    if (host == "::1" && s.code() == Code::kInvalidArgument) continue;  // no IPv6 here
    ASSERT_TRUE(s.ok()) << host << ": " << s.message();
    const std::string url = host == "::1" ? "http://[::1]:" + std::to_string(server.port())
                                          : "http://localhost:" + std::to_string(server.port());
    Result<Response> r = Client(url).Call("GET", "/h", {}, "");
    ASSERT_TRUE(r.ok()) << url << ": " << r.status().message();
    EXPECT_EQ(r->body, "GET /h q= ");
  }
}

TEST(HttpClient, TimesOutOnASilentServer) {
  HttpServer server(HttpServer::Options{});
  ASSERT_TRUE(server
                  .Start([](const Request& r, const Peer& p) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(600));
                    return Echo(r, p);
                  })
                  .ok());
  Result<Response> r = Client(TcpUrl(server)).Call("GET", "/", {}, "", 100);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("in time"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace spur::testing
