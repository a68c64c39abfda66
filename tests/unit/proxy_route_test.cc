#include <gtest/gtest.h>

#include "proxy/route.h"

namespace spur::proxy {
namespace {

namespace wire = pg::wire;

wire::StartupPacket Startup(wire::Parameters p) {
  wire::StartupPacket s;
  s.parameters = std::move(p);
  return s;
}

TEST(ProxyRoute, SniNamesTheBranchCaseInsensitively) {
  auto r = RouteStartup(Startup({{"user", "app"}, {"database", "app@x"}}), "PR-1.DB.Example.com",
                        "db.example.com");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.route.branch, "pr-1");
  EXPECT_EQ(r.route.source, "sni");
  // SNI routed, so the database keeps its '@'.
  EXPECT_EQ(r.route.forward, (wire::Parameters{{"user", "app"}, {"database", "app@x"}}));
}

TEST(ProxyRoute, SniOutsideTheDomainFallsThrough) {
  for (const char* sni :
       {"db.example.com", "pr-1.db.example.org", "xdb.example.com", "localhost"}) {
    auto r = RouteStartup(Startup({{"user", "app"}, {"options", "--branch=main"}}), sni,
                          "db.example.com");
    ASSERT_TRUE(r.ok) << sni << ": " << r.error.message;
    EXPECT_EQ(r.route.branch, "main");
    EXPECT_EQ(r.route.source, "options");
  }
  // No domain configured: SNI routing is off.
  auto r =
      RouteStartup(Startup({{"user", "app"}, {"database", "app@main"}}), "pr-1.db.example.com", "");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.source, "database");
}

TEST(ProxyRoute, OptionsWordsAreTakenOutAndTheRestForwarded) {
  auto r = RouteStartup(Startup({{"user", "app"},
                                 {"options", "-c search_path=a\\ b --branch=pr-2 -c geqo=off"},
                                 {"database", "app"}}),
                        "", "db.example.com");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.route.branch, "pr-2");
  EXPECT_EQ(r.route.forward, (wire::Parameters{{"user", "app"},
                                               {"options", "-c search_path=a\\ b -c geqo=off"},
                                               {"database", "app"}}));
  for (const char* o : {"-c spur.branch=pr-2", "-cspur.branch=pr-2", "--spur.branch=pr-2"}) {
    auto only = RouteStartup(Startup({{"user", "app"}, {"options", o}}), "", "");
    ASSERT_TRUE(only.ok) << o;
    EXPECT_EQ(only.route.branch, "pr-2");
    EXPECT_EQ(only.route.forward, (wire::Parameters{{"user", "app"}})) << o;
  }
}

TEST(ProxyRoute, DatabaseAtBranchUsesTheLastAt) {
  auto r = RouteStartup(Startup({{"user", "app"}, {"database", "we@ird@pr-3"}}), "", "");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.route.branch, "pr-3");
  EXPECT_EQ(r.route.source, "database");
  EXPECT_EQ(r.route.forward, (wire::Parameters{{"user", "app"}, {"database", "we@ird"}}));
}

TEST(ProxyRoute, RefusesTwoDifferentBranches) {
  auto both = RouteStartup(Startup({{"user", "app"}, {"options", "--branch=b"}}),
                           "a.db.example.com", "db.example.com");
  EXPECT_FALSE(both.ok);
  EXPECT_EQ(both.error.sqlstate, wire::sqlstate::kProtocolViolation);
  EXPECT_EQ(both.error.message, "the connection names two branches (sni and options); name one");
  auto two =
      RouteStartup(Startup({{"user", "app"}, {"options", "--branch=a -c spur.branch=b"}}), "", "");
  EXPECT_FALSE(two.ok);
  // The same branch twice is one branch.
  auto same = RouteStartup(Startup({{"user", "app"}, {"options", "--branch=a"}}),
                           "a.db.example.com", "db.example.com");
  EXPECT_TRUE(same.ok);
}

TEST(ProxyRoute, RefusesNamesThatAreNotBranchNames) {
  for (const char* o : {"--branch=", "--branch=../main", "--branch=Main", "--branch=a;b"}) {
    auto r = RouteStartup(Startup({{"user", "app"}, {"options", o}}), "", "");
    EXPECT_FALSE(r.ok) << o;
    EXPECT_EQ(r.error.sqlstate, wire::sqlstate::kProtocolViolation) << o;
  }
  auto at_end = RouteStartup(Startup({{"user", "app"}, {"database", "app@"}}), "", "");
  EXPECT_FALSE(at_end.ok);
}

TEST(ProxyRoute, NoBranchNamedSaysHowToNameOne) {
  auto r = RouteStartup(Startup({{"user", "app"}, {"database", "app"}}), "db.example.com",
                        "db.example.com");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.sqlstate, wire::sqlstate::kInvalidCatalogName);
  EXPECT_EQ(r.error.hint,
            "connect to NAME.db.example.com, add options=--branch=NAME, or connect to "
            "database@NAME");
}

}  // namespace
}  // namespace spur::proxy
