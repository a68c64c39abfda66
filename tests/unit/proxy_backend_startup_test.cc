#include <gtest/gtest.h>

#include <string>

#include "proxy/backend_startup.h"
#include "wire_test_bytes.h"

namespace spur::proxy {
namespace {

using State = BackendStartup::State;

using wire_test::U32;
std::string Msg(char type, const std::string& body) {
  return std::string(1, type) + U32(4 + body.size()) + body;
}
const std::string z(1, '\0');

// What postgres 15 sends a SCRAM client that logs in, then a query's rows.
std::string LoginReply() {
  return Msg('R', U32(12) + "server-final") + Msg('R', U32(0)) +
         Msg('S', "server_version" + z + "15.8" + z) + Msg('S', "TimeZone" + z + "UTC" + z) +
         Msg('K', U32(4242) + U32(0xdeadbeef)) + Msg('Z', "I");
}

TEST(ProxyBackendStartup, FindsTheCancelKeyAndWhereTheStartupEnds) {
  const std::string startup = LoginReply();
  const std::string after = Msg('T', "rows...") + Msg('Z', "I");
  BackendStartup b;
  EXPECT_EQ(b.Feed(startup + after), startup.size());
  EXPECT_EQ(b.state(), State::kReady);
  ASSERT_TRUE(b.has_cancel_key());
  EXPECT_EQ(b.pid(), 4242);
  EXPECT_EQ(b.cancel_key(), static_cast<int32_t>(0xdeadbeef));
  EXPECT_EQ(b.Feed("more"), 0u);
}

TEST(ProxyBackendStartup, SameResultByteByByte) {
  const std::string all = LoginReply() + Msg('D', "x");
  BackendStartup b;
  size_t used = 0;
  for (char c : all) used += b.Feed(std::string_view(&c, 1));
  EXPECT_EQ(used, LoginReply().size());
  EXPECT_EQ(b.state(), State::kReady);
  EXPECT_EQ(b.pid(), 4242);
}

TEST(ProxyBackendStartup, AFailedLoginIsAFailureWithItsCode) {
  BackendStartup b;
  const std::string reply = Msg('R', U32(10) + "SCRAM-SHA-256" + z + z) +
                            Msg('E', "SFATAL" + z + "VFATAL" + z + "C28P01" + z +
                                         "Mpassword authentication failed" + z + z);
  EXPECT_EQ(b.Feed(reply), reply.size());
  EXPECT_EQ(b.state(), State::kFailed);
  EXPECT_EQ(b.error_sqlstate(), "28P01");
  EXPECT_FALSE(b.has_cancel_key());
}

TEST(ProxyBackendStartup, LengthsOutOfRangeAreMalformed) {
  for (uint32_t len : {0u, 3u, BackendStartup::kMaxMessage + 1, 0xffffffffu}) {
    BackendStartup b;
    b.Feed(std::string(1, 'S') + U32(len));
    EXPECT_EQ(b.state(), State::kMalformed) << len;
  }
  // A large message within the limit streams through without being kept.
  BackendStartup big;
  const std::string body(BackendStartup::kMaxMessage - 4, 'x');
  EXPECT_EQ(big.Feed(Msg('N', body)), body.size() + 5);
  EXPECT_EQ(big.state(), State::kInProgress);
}

}  // namespace
}  // namespace spur::proxy
