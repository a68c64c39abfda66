// `spur init --from-pgdata` and `--from-url`: main filled from a real,
// separately started postgres.
#include "os/fs.h"
#include "pg/instance.h"
#include "pool_fixture.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

TEST(ImportTest, FromStoppedDataDirectoryLeavesTheSourceAlone) {
  TempDir dir;
  SourceCluster src(dir.path());
  ASSERT_TRUE(src.ok());
  Exec(src.Superuser(), "CREATE TABLE imported AS SELECT g AS id FROM generate_series(1, 500) g");
  ASSERT_TRUE(pg::Stop(src.spec().pgdata).ok());
  auto conf_before = os::ReadFile(src.spec().pgdata + "/postgresql.conf");
  auto spur_conf_before = os::ReadFile(src.spec().pgdata + "/spur.conf");
  ASSERT_TRUE(conf_before.ok() && spur_conf_before.ok());

  CliResult init = Spur({"--pool", dir.path() + "/pool", "init", "--driver", "copy",
                         "--from-pgdata", src.spec().pgdata});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  CliResult uri = Spur({"--pool", dir.path() + "/pool", "uri", "main"});
  std::string main = uri.out.substr(0, uri.out.size() - 1);
  EXPECT_EQ(QueryValue(main, "SELECT count(*) FROM imported"), "500");
  ASSERT_EQ(Spur({"--pool", dir.path() + "/pool", "branch", "create", "b"}).exit_code, 0);
  EXPECT_EQ(*os::ReadFile(src.spec().pgdata + "/postgresql.conf"), *conf_before);
  EXPECT_EQ(*os::ReadFile(src.spec().pgdata + "/spur.conf"), *spur_conf_before);
  EXPECT_FALSE(os::PathExists(src.spec().pgdata + "/postgresql.conf.source"));
}

TEST(ImportTest, RefusesARunningDataDirectory) {
  TempDir dir;
  SourceCluster src(dir.path());
  ASSERT_TRUE(src.ok());
  CliResult init = Spur({"--pool", dir.path() + "/pool", "init", "--driver", "copy",
                         "--from-pgdata", src.spec().pgdata});
  EXPECT_EQ(init.exit_code, 5) << init.err;
  EXPECT_NE(init.err.find("stop it first"), std::string::npos) << init.err;
  EXPECT_FALSE(os::PathExists(dir.path() + "/pool")) << "a failed init leaves nothing behind";
}

TEST(ImportTest, FromUrlTakesAPhysicalCopyOfARunningServer) {
  TempDir dir;
  SourceCluster src(dir.path());
  ASSERT_TRUE(src.ok());
  Exec(src.Superuser(), "CREATE ROLE repl LOGIN REPLICATION PASSWORD 'sekret'");
  Exec(src.Superuser(), "CREATE TABLE live AS SELECT g AS id FROM generate_series(1, 700) g");
  std::string url =
      "postgresql://repl:sekret@127.0.0.1:" + std::to_string(src.spec().port) + "/postgres";
  CliResult init =
      Spur({"--pool", dir.path() + "/pool", "init", "--driver", "copy", "--from-url", url});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  CliResult uri = Spur({"--pool", dir.path() + "/pool", "uri", "main"});
  std::string main = uri.out.substr(0, uri.out.size() - 1);
  EXPECT_EQ(QueryValue(main, "SELECT count(*) FROM live"), "700");
  EXPECT_EQ(QueryValue(main, "SELECT pg_is_in_recovery()"), "f");

  CliResult bad =
      Spur({"--pool", dir.path() + "/pool2", "init", "--driver", "copy", "--from-url",
            "postgresql://repl:wrong@127.0.0.1:" + std::to_string(src.spec().port) + "/postgres"});
  EXPECT_EQ(bad.exit_code, 6) << bad.err;
  EXPECT_FALSE(os::PathExists(dir.path() + "/pool2"));
}

}  // namespace
}  // namespace spur::testing
