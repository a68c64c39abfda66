#include <gtest/gtest.h>

#include "proxy/handshake.h"
#include "wire_test_bytes.h"

namespace spur::proxy {
namespace {

namespace wire = pg::wire;
using Action = Handshake::Action;

using wire_test::U32;
const std::string kSsl = U32(8) + U32(wire::kSslRequestCode);
const std::string kGss = U32(8) + U32(wire::kGssEncRequestCode);
const std::string kStartup = wire::EncodeStartupMessage(0, {{"user", "app"}, {"database", "app"}});

std::string SqlstateOf(const std::string& error_response) {
  const size_t at = error_response.find(std::string("\0C", 2));
  return at == std::string::npos ? "" : error_response.substr(at + 2, 5);
}

TEST(ProxyHandshake, TlsThenStartup) {
  Handshake h({.tls_available = true, .tls_required = true});
  auto s = h.Feed(kSsl.substr(0, 5));
  EXPECT_EQ(s.action, Action::kNeedMore);
  s = h.Feed(kSsl.substr(5));
  ASSERT_EQ(s.action, Action::kStartTls);
  EXPECT_EQ(s.reply, "S");
  h.TlsStarted();
  s = h.Feed(kStartup + "p-bytes");
  ASSERT_EQ(s.action, Action::kStartup);
  EXPECT_EQ(*s.packet.Find("user"), "app");
  EXPECT_EQ(h.rest(), "p-bytes");
  EXPECT_EQ(h.Feed("x").action, Action::kRefuse);  // over
}

TEST(ProxyHandshake, GssDeclinedThenSslDeclinedWithoutACertificate) {
  Handshake h({.tls_available = false, .tls_required = false});
  auto s = h.Feed(kGss);
  ASSERT_EQ(s.action, Action::kReply);
  EXPECT_EQ(s.reply, "N");
  s = h.Feed(kSsl);
  ASSERT_EQ(s.action, Action::kReply);
  EXPECT_EQ(s.reply, "N");
  s = h.Feed(kStartup);
  EXPECT_EQ(s.action, Action::kStartup);
}

// CVE-2021-23214: plain-text bytes sent right behind an SSLRequest would be
// taken as coming through TLS.
TEST(ProxyHandshake, RefusesBytesInjectedAfterTheSslRequest) {
  Handshake together({.tls_available = true});
  auto s = together.Feed(kSsl + kStartup);
  ASSERT_EQ(s.action, Action::kRefuse);
  EXPECT_EQ(SqlstateOf(s.reply), "08P01");
  Handshake later({.tls_available = true});
  ASSERT_EQ(later.Feed(kSsl).action, Action::kStartTls);
  s = later.Feed(kStartup);  // before TlsStarted
  ASSERT_EQ(s.action, Action::kRefuse);
  EXPECT_NE(s.reply.find("unencrypted data after SSL request"), std::string::npos);
}

TEST(ProxyHandshake, RefusesPlainStartupWhenTlsIsRequired) {
  Handshake h({.tls_available = true, .tls_required = true});
  auto s = h.Feed(kStartup);
  ASSERT_EQ(s.action, Action::kRefuse);
  EXPECT_EQ(SqlstateOf(s.reply), "28000");
}

TEST(ProxyHandshake, RefusesASecondEncryptionRequest) {
  Handshake h({.tls_available = true});
  ASSERT_EQ(h.Feed(kSsl).action, Action::kStartTls);
  h.TlsStarted();
  auto s = h.Feed(kSsl);
  ASSERT_EQ(s.action, Action::kRefuse);
  EXPECT_EQ(SqlstateOf(s.reply), "08P01");
}

TEST(ProxyHandshake, CancelAndMalformedPackets) {
  Handshake c({});
  auto s = c.Feed(wire::EncodeCancelRequest(77, 99));
  ASSERT_EQ(s.action, Action::kCancel);
  EXPECT_EQ(s.packet.cancel_pid, 77);
  Handshake bad({});
  s = bad.Feed(U32(20000));
  ASSERT_EQ(s.action, Action::kRefuse);
  EXPECT_EQ(SqlstateOf(s.reply), "08P01");
}

}  // namespace
}  // namespace spur::proxy
