// `spur sync SOURCE --every ...` is run by the real `spur serve` when due.
#include <unistd.h>

#include "os/fs.h"
#include "serve_fixture.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

TEST(SyncScheduleTest, ServeRunsADueScheduledSyncAndRecordsIt) {
  ServeFixture serve;
  ASSERT_TRUE(serve.ok()) << serve.error();
  TempDir dir;
  SourceCluster source(dir.path());
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(source.CreateDatabase("shop").ok());
  Exec(source.Url("shop"),
       "CREATE TABLE items AS SELECT g AS id, 'item ' || g AS label "
       "FROM generate_series(1, 250) g");
  ASSERT_EQ(serve.Run({"source", "add", "prod", "--url", source.Url("shop")}).exit_code, 0);
  EXPECT_EQ(serve.Run({"sync", "prod", "--every", "1m"}).exit_code, 2) << "below 5m is refused";
  EXPECT_EQ(serve.Run({"sync", "prod", "--every", "1h", "--cron", "0 3 * * *"}).exit_code, 2);
  EXPECT_EQ(serve.Run({"sync", "prod", "--cron", "0 25 * * *"}).exit_code, 2);
  // Every column ruled (strict: all): a sync without --mask or --no-mask is refused.
  const std::string mask = dir.path() + "/mask.yaml";
  ASSERT_TRUE(os::WriteFileAtomic(mask, "tables:\n  items:\n    id: keep\n    label: keep\n").ok());
  CliResult scheduled = serve.Run({"sync", "prod", "--mask", mask, "--every", "24h"});
  ASSERT_EQ(scheduled.exit_code, 0) << scheduled.err;
  // Make it due now, as if a day had passed.
  auto r =
      os::Run({"sqlite3", serve.pool() + "/spur.db", "UPDATE sync_schedules SET next_run_at = 0"});
  ASSERT_TRUE(r.ok() && r->exit_code == 0);
  ASSERT_TRUE(serve.Start()) << serve.error();
  nlohmann::json runs;
  for (int i = 0; i < 120; ++i) {
    runs = serve.Run({"sync", "--list", "--json"}).json();
    if (runs.is_object() && !runs["runs"].empty() && runs["runs"][0]["state"] != "running") break;
    usleep(500 * 1000);
  }
  ASSERT_TRUE(runs.is_object() && !runs["runs"].empty()) << serve.Log();
  EXPECT_EQ(runs["runs"][0]["state"], "done") << runs.dump() << serve.Log();
  EXPECT_GT(runs["schedules"][0]["next_run_at"].get<int64_t>(), 1000000000) << "moved forward";
  std::string uri = serve.Run({"uri", "main"}).out;
  uri.pop_back();
  EXPECT_EQ(QueryValue(uri, "SELECT count(*) FROM items"), "250");
  EXPECT_EQ(serve.Run({"sync", "prod", "--unschedule"}).exit_code, 0);
  EXPECT_EQ(serve.Run({"sync", "prod", "--unschedule"}).exit_code, 3);
}

}  // namespace
}  // namespace spur::testing
