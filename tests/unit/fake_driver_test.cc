#include "storage/fake/fake_driver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spur::storage {
namespace {

using Files = std::vector<std::string>;

// A driver with dataset /pool/main holding two files.
class FakeDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(driver_.CreateDataset("/pool/main").ok());
    ASSERT_TRUE(driver_.WriteFile("/pool/main", "PG_VERSION", "17\n").ok());
    ASSERT_TRUE(driver_.WriteFile("/pool/main", "base/1/1259", std::string(8192, 'x')).ok());
  }

  std::string Read(const std::string& dataset, const std::string& rel) {
    Result<std::string> r = driver_.ReadFile(dataset, rel);
    return r.ok() ? *r : "<" + r.status().message() + ">";
  }

  FakeDriver driver_;
};

TEST(FakeDriver, DescribesItself) {
  FakeDriver per_file;
  EXPECT_EQ(per_file.name(), "fake");
  EXPECT_FALSE(per_file.atomic_clone());
  EXPECT_TRUE(per_file.shares_blocks());
  EXPECT_TRUE(FakeDriver(/*atomic_clone=*/true).atomic_clone());
}

TEST_F(FakeDriverTest, CreateTwiceIsAlreadyExistsAndKeepsTheFiles) {
  Status st = driver_.CreateDataset("/pool/main");
  EXPECT_EQ(st.code(), Code::kAlreadyExists);
  EXPECT_NE(st.message().find("/pool/main"), std::string::npos) << st.message();
  EXPECT_EQ(Read("/pool/main", "PG_VERSION"), "17\n");
}

TEST_F(FakeDriverTest, NewDatasetIsEmpty) {
  ASSERT_TRUE(driver_.CreateDataset("/pool/empty").ok());
  EXPECT_TRUE(driver_.Exists("/pool/empty"));
  Result<Files> files = driver_.ListFiles("/pool/empty");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

TEST_F(FakeDriverTest, RejectsRelativeDatasetPaths) {
  EXPECT_EQ(driver_.CreateDataset("pool/x").code(), Code::kInvalidArgument);
  EXPECT_EQ(driver_.CloneDataset("/pool/main", "x").code(), Code::kInvalidArgument);
  EXPECT_FALSE(driver_.Exists("x"));
}

TEST_F(FakeDriverTest, CloneCopiesEveryFile) {
  ASSERT_TRUE(driver_.CloneDataset("/pool/main", "/pool/dev").ok());
  Result<Files> files = driver_.ListFiles("/pool/dev");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (Files{"PG_VERSION", "base/1/1259"}));
  EXPECT_EQ(Read("/pool/dev", "PG_VERSION"), "17\n");
  EXPECT_EQ(Read("/pool/dev", "base/1/1259"), std::string(8192, 'x'));
}

TEST_F(FakeDriverTest, CloneIsIndependentOfItsSourceAfterWrites) {
  ASSERT_TRUE(driver_.CloneDataset("/pool/main", "/pool/dev").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/dev", "PG_VERSION", "18\n").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "only_in_main", "m").ok());
  EXPECT_EQ(Read("/pool/main", "PG_VERSION"), "17\n");
  EXPECT_EQ(Read("/pool/dev", "PG_VERSION"), "18\n");
  EXPECT_EQ(driver_.ReadFile("/pool/dev", "only_in_main").status().code(), Code::kNotFound);
}

TEST_F(FakeDriverTest, CloneOfMissingSourceIsNotFoundAndCreatesNothing) {
  Status st = driver_.CloneDataset("/pool/nope", "/pool/dev");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("/pool/nope"), std::string::npos) << st.message();
  EXPECT_FALSE(driver_.Exists("/pool/dev"));
}

TEST_F(FakeDriverTest, CloneOntoExistingDatasetIsAlreadyExistsAndKeepsIt) {
  ASSERT_TRUE(driver_.CreateDataset("/pool/dev").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/dev", "mine", "dev").ok());
  EXPECT_EQ(driver_.CloneDataset("/pool/main", "/pool/dev").code(), Code::kAlreadyExists);
  Result<Files> files = driver_.ListFiles("/pool/dev");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, Files{"mine"});
}

TEST_F(FakeDriverTest, CloneSubtreeReplacesFilesUnderThePrefixAndKeepsOthers) {
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "pg_wal/000001", "wal-1-old").ok());
  ASSERT_TRUE(driver_.CloneDataset("/pool/main", "/pool/snap").ok());
  // The source moves on: a segment is rewritten, one is added, data changes.
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "pg_wal/000001", "wal-1-new").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "pg_wal/000002", "wal-2").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "pg_wal_extra", "not under pg_wal/").ok());
  ASSERT_TRUE(driver_.WriteFile("/pool/main", "PG_VERSION", "changed").ok());
  // The destination has a file of its own under the prefix.
  ASSERT_TRUE(driver_.WriteFile("/pool/snap", "pg_wal/backup_label.old", "keep").ok());

  ASSERT_TRUE(driver_.CloneSubtree("/pool/main", "/pool/snap", "pg_wal/").ok());

  EXPECT_EQ(Read("/pool/snap", "pg_wal/000001"), "wal-1-new");
  EXPECT_EQ(Read("/pool/snap", "pg_wal/000002"), "wal-2");
  EXPECT_EQ(Read("/pool/snap", "pg_wal/backup_label.old"), "keep");
  EXPECT_EQ(Read("/pool/snap", "PG_VERSION"), "17\n");
  EXPECT_EQ(driver_.ReadFile("/pool/snap", "pg_wal_extra").status().code(), Code::kNotFound);
}

TEST_F(FakeDriverTest, CloneSubtreeChecksBothDatasetsAndThePath) {
  EXPECT_EQ(driver_.CloneSubtree("/pool/nope", "/pool/main", "pg_wal").code(), Code::kNotFound);
  EXPECT_EQ(driver_.CloneSubtree("/pool/main", "/pool/nope", "pg_wal").code(), Code::kNotFound);
  EXPECT_FALSE(driver_.Exists("/pool/nope"));
  for (const std::string bad : {"/pg_wal", "../main", "pg_wal/../..", "a//b"}) {
    EXPECT_EQ(driver_.CloneSubtree("/pool/main", "/pool/main", bad).code(), Code::kInvalidArgument)
        << bad;
  }
}

TEST_F(FakeDriverTest, DestroyRemovesTheDatasetAndMissingIsFine) {
  EXPECT_TRUE(driver_.DestroyDataset("/pool/main").ok());
  EXPECT_FALSE(driver_.Exists("/pool/main"));
  EXPECT_EQ(driver_.ReadFile("/pool/main", "PG_VERSION").status().code(), Code::kNotFound);
  EXPECT_TRUE(driver_.DestroyDataset("/pool/main").ok());
  EXPECT_TRUE(driver_.DestroyDataset("/pool/never-was").ok());
}

TEST_F(FakeDriverTest, UsageOfAnUnclonedDatasetIsAllExclusive) {
  Result<os::SpaceUsage> u = driver_.Usage("/pool/main");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->logical_bytes, 3u + 8192u);
  EXPECT_EQ(u->exclusive_bytes, 3u + 8192u);
  EXPECT_EQ(u->shared_bytes, 0u);
  EXPECT_EQ(driver_.Usage("/pool/nope").status().code(), Code::kNotFound);
}

TEST_F(FakeDriverTest, FreshCloneSharesEverythingUntilWritten) {
  ASSERT_TRUE(driver_.CloneDataset("/pool/main", "/pool/dev").ok());
  Result<os::SpaceUsage> fresh = driver_.Usage("/pool/dev");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->exclusive_bytes, 0u);
  EXPECT_EQ(fresh->shared_bytes, 3u + 8192u);
  EXPECT_EQ(fresh->logical_bytes, 3u + 8192u);

  ASSERT_TRUE(driver_.WriteFile("/pool/dev", "base/1/1259", std::string(8192, 'y')).ok());
  Result<os::SpaceUsage> dev = driver_.Usage("/pool/dev");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->exclusive_bytes, 8192u);
  EXPECT_EQ(dev->shared_bytes, 3u);
  // The source's copy of the rewritten file is now its own, too.
  Result<os::SpaceUsage> main = driver_.Usage("/pool/main");
  ASSERT_TRUE(main.ok());
  EXPECT_EQ(main->exclusive_bytes, 8192u);
  EXPECT_EQ(main->shared_bytes, 3u);
}

TEST_F(FakeDriverTest, DestroyingTheOnlyCloneMakesTheSourceExclusiveAgain) {
  ASSERT_TRUE(driver_.CloneDataset("/pool/main", "/pool/dev").ok());
  ASSERT_TRUE(driver_.DestroyDataset("/pool/dev").ok());
  Result<os::SpaceUsage> u = driver_.Usage("/pool/main");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->shared_bytes, 0u);
  EXPECT_EQ(u->exclusive_bytes, 3u + 8192u);
}

TEST_F(FakeDriverTest, InjectedFailureIsReturnedOnceAndChangesNothing) {
  driver_.FailNext(FakeDriver::Op::kCloneDataset);
  Status st = driver_.CloneDataset("/pool/main", "/pool/dev");
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_NE(st.message().find("injected"), std::string::npos) << st.message();
  EXPECT_FALSE(driver_.Exists("/pool/dev"));
  // Only the next call fails.
  EXPECT_TRUE(driver_.CloneDataset("/pool/main", "/pool/dev").ok());
}

TEST_F(FakeDriverTest, InjectedFailuresHitOnlyTheirOperationAndAddUp) {
  driver_.FailNext(FakeDriver::Op::kDestroyDataset);
  driver_.FailNext(FakeDriver::Op::kDestroyDataset);
  ASSERT_TRUE(driver_.CreateDataset("/pool/other").ok());
  EXPECT_EQ(driver_.DestroyDataset("/pool/main").code(), Code::kInternal);
  EXPECT_EQ(driver_.DestroyDataset("/pool/main").code(), Code::kInternal);
  EXPECT_TRUE(driver_.Exists("/pool/main"));
  EXPECT_EQ(Read("/pool/main", "PG_VERSION"), "17\n");
  EXPECT_TRUE(driver_.DestroyDataset("/pool/main").ok());
  EXPECT_FALSE(driver_.Exists("/pool/main"));
}

TEST_F(FakeDriverTest, EveryOperationCanBeMadeToFail) {
  driver_.FailNext(FakeDriver::Op::kCreateDataset);
  EXPECT_EQ(driver_.CreateDataset("/pool/x").code(), Code::kInternal);
  EXPECT_FALSE(driver_.Exists("/pool/x"));

  ASSERT_TRUE(driver_.CreateDataset("/pool/x").ok());
  driver_.FailNext(FakeDriver::Op::kCloneSubtree);
  EXPECT_EQ(driver_.CloneSubtree("/pool/main", "/pool/x", "base").code(), Code::kInternal);
  Result<Files> files = driver_.ListFiles("/pool/x");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());

  driver_.FailNext(FakeDriver::Op::kUsage);
  EXPECT_EQ(driver_.Usage("/pool/main").status().code(), Code::kInternal);
  EXPECT_TRUE(driver_.Usage("/pool/main").ok());
}

TEST_F(FakeDriverTest, TestApiChecksItsArguments) {
  EXPECT_EQ(driver_.WriteFile("/pool/nope", "f", "x").code(), Code::kNotFound);
  EXPECT_EQ(driver_.WriteFile("/pool/main", "", "x").code(), Code::kInvalidArgument);
  EXPECT_EQ(driver_.WriteFile("/pool/main", "../escape", "x").code(), Code::kInvalidArgument);
  EXPECT_EQ(driver_.ReadFile("/pool/main", "missing").status().code(), Code::kNotFound);
  EXPECT_EQ(driver_.ListFiles("/pool/nope").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace spur::storage
