// Admission: the connection caps of HttpServer, without sockets.
#include <gtest/gtest.h>

#include "http/admission.h"

namespace spur::http {
namespace {

TEST(HttpAdmission, PerPeerCapRefusesOnlyThatPeer) {
  Admission a(/*max_open=*/100, /*max_per_peer=*/2, /*reserved=*/0);
  EXPECT_TRUE(a.TryAdmit("ip 127.0.0.2", false));
  EXPECT_TRUE(a.TryAdmit("ip 127.0.0.2", false));
  EXPECT_FALSE(a.TryAdmit("ip 127.0.0.2", false));
  EXPECT_TRUE(a.TryAdmit("ip 127.0.0.3", false));
  EXPECT_EQ(a.open(), 3);
  a.Release("ip 127.0.0.2");
  EXPECT_TRUE(a.TryAdmit("ip 127.0.0.2", false));
}

TEST(HttpAdmission, GlobalCapLeavesTheReserveToPrivilegedPeers) {
  Admission a(/*max_open=*/3, /*max_per_peer=*/10, /*reserved=*/2);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(a.TryAdmit("ip 127.0.0." + std::to_string(i), false));
  EXPECT_FALSE(a.TryAdmit("ip 127.0.0.9", false));
  EXPECT_FALSE(a.TryAdmit("uid 1000", false));
  EXPECT_TRUE(a.TryAdmit("uid 0", true));
  EXPECT_TRUE(a.TryAdmit("uid 0", true));
  EXPECT_FALSE(a.TryAdmit("uid 0", true));
  EXPECT_EQ(a.open(), 5);
}

TEST(HttpAdmission, ReleaseOfAnUnknownPeerChangesNothing) {
  Admission a(1, 1, 0);
  EXPECT_FALSE([&] {
    a.Release("ip 10.0.0.1");
    return a.open() != 0;
  }());
  EXPECT_TRUE(a.TryAdmit("ip 10.0.0.1", false));
  EXPECT_FALSE(a.TryAdmit("ip 10.0.0.2", false));
}

}  // namespace
}  // namespace spur::http
