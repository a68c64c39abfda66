#include "catalog/store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalog/migrations.h"

namespace spur::catalog {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> opened = Store::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
  }

  // A complete, insertable branch; ports must differ between branches.
  static Branch MakeBranch(const std::string& name, int port) {
    Branch b;
    b.name = name;
    b.state = BranchState::kStopped;
    b.port = port;
    b.role = "app";
    b.password = "secret";
    b.database = "app";
    b.owner = "alice";
    b.created_at = 1000;
    b.last_used_at = 1000;
    return b;
  }

  static Snapshot MakeSnapshot(const std::string& name) {
    Snapshot n;
    n.name = name;
    n.branch_name = "main";
    n.ready = true;
    n.consistency = "clean";
    n.lsn = "0/3000028";
    n.created_at = 2000;
    return n;
  }

  static std::vector<std::string> Names(const std::vector<Branch>& branches) {
    std::vector<std::string> out;
    for (const auto& b : branches) out.push_back(b.name);
    return out;
  }

  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, OpenAppliesEveryMigration) {
  EXPECT_EQ(store_->schema_version(), static_cast<int>(Migrations().size()));
  EXPECT_GE(store_->schema_version(), 1);
}

TEST_F(StoreTest, SettingsRoundTripAndOverwrite) {
  Result<std::optional<std::string>> missing = store_->GetSetting("driver");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store_->SetSetting("driver", "reflink").ok());
  ASSERT_TRUE(store_->SetSetting("driver", "btrfs").ok());
  ASSERT_TRUE(store_->SetSetting("empty", "").ok());
  Result<std::optional<std::string>> driver = store_->GetSetting("driver");
  ASSERT_TRUE(driver.ok());
  EXPECT_EQ(driver->value_or("<none>"), "btrfs");
  Result<std::optional<std::string>> empty = store_->GetSetting("empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->value_or("<none>"), "");
}

TEST_F(StoreTest, BranchInsertGetUpdateDelete) {
  Branch b = MakeBranch("main", 5500);
  b.labels_json = R"({"team":"db"})";
  b.expires_at = 9000;
  b.ttl_seconds = 3600;
  ASSERT_TRUE(store_->InsertBranch(b).ok());
  EXPECT_GT(b.id, 0);

  Result<Branch> got = store_->GetBranch("main");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, b.id);
  EXPECT_EQ(got->port, 5500);
  EXPECT_EQ(got->state, BranchState::kStopped);
  EXPECT_EQ(got->password, "secret");
  EXPECT_EQ(got->labels_json, R"({"team":"db"})");
  EXPECT_FALSE(got->parent_id.has_value());
  EXPECT_EQ(got->expires_at, std::optional<int64_t>(9000));
  EXPECT_EQ(got->ttl_seconds, std::optional<int64_t>(3600));

  b.state = BranchState::kRunning;
  b.last_used_at = 1500;
  b.expires_at.reset();
  ASSERT_TRUE(store_->UpdateBranch(b).ok());
  Result<Branch> updated = store_->GetBranchById(b.id);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->state, BranchState::kRunning);
  EXPECT_EQ(updated->last_used_at, 1500);
  EXPECT_FALSE(updated->expires_at.has_value());

  ASSERT_TRUE(store_->DeleteBranch(b.id).ok());
  EXPECT_EQ(store_->GetBranch("main").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetBranchById(b.id).status().code(), Code::kNotFound);
}

TEST_F(StoreTest, DuplicateBranchNameIsAlreadyExists) {
  Branch a = MakeBranch("dev", 5501);
  ASSERT_TRUE(store_->InsertBranch(a).ok());
  Branch b = MakeBranch("dev", 5502);
  Status st = store_->InsertBranch(b);
  EXPECT_EQ(st.code(), Code::kAlreadyExists);
  EXPECT_NE(st.message().find("\"dev\""), std::string::npos) << st.message();
  Result<std::vector<Branch>> all = store_->ListBranches();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StoreTest, DuplicatePortIsAlreadyExists) {
  Branch a = MakeBranch("a", 5501);
  ASSERT_TRUE(store_->InsertBranch(a).ok());
  Branch b = MakeBranch("b", 5501);
  Status st = store_->InsertBranch(b);
  EXPECT_EQ(st.code(), Code::kAlreadyExists);
  EXPECT_NE(st.message().find("5501"), std::string::npos) << st.message();
  EXPECT_EQ(store_->GetBranch("b").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, MissingBranchMessageNamesItAndSaysWhatToDo) {
  Status st = store_->GetBranch("pr-12").status();
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("\"pr-12\""), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("spur branch list"), std::string::npos) << st.message();
}

TEST_F(StoreTest, ChildrenOfListsDirectChildrenInOrder) {
  Branch main = MakeBranch("main", 5500);
  ASSERT_TRUE(store_->InsertBranch(main).ok());
  Branch b1 = MakeBranch("b1", 5501);
  b1.parent_id = main.id;
  ASSERT_TRUE(store_->InsertBranch(b1).ok());
  Branch b2 = MakeBranch("b2", 5502);
  b2.parent_id = main.id;
  ASSERT_TRUE(store_->InsertBranch(b2).ok());
  Branch grandchild = MakeBranch("b1-x", 5503);
  grandchild.parent_id = b1.id;
  ASSERT_TRUE(store_->InsertBranch(grandchild).ok());

  Result<std::vector<Branch>> children = store_->ChildrenOf(main.id);
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(Names(*children), (std::vector<std::string>{"b1", "b2"}));
  Result<std::vector<Branch>> of_b1 = store_->ChildrenOf(b1.id);
  ASSERT_TRUE(of_b1.ok());
  EXPECT_EQ(Names(*of_b1), std::vector<std::string>{"b1-x"});
  Result<std::vector<Branch>> none = store_->ChildrenOf(b2.id);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(StoreTest, SnapshotsInsertGetListAndBranchesFromThem) {
  Snapshot s1 = MakeSnapshot("before-migration");
  ASSERT_TRUE(store_->InsertSnapshot(s1).ok());
  Snapshot s2 = MakeSnapshot("implicit-1");
  s2.implicit = true;
  ASSERT_TRUE(store_->InsertSnapshot(s2).ok());
  EXPECT_NE(s1.id, s2.id);

  Result<Snapshot> got = store_->GetSnapshot("before-migration");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, s1.id);
  EXPECT_EQ(got->lsn, "0/3000028");
  EXPECT_TRUE(got->ready);
  EXPECT_FALSE(got->implicit);
  Result<std::vector<Snapshot>> all = store_->ListSnapshots();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].name, "implicit-1");
  EXPECT_TRUE((*all)[1].implicit);

  Snapshot dup = MakeSnapshot("implicit-1");
  EXPECT_EQ(store_->InsertSnapshot(dup).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->GetSnapshot("nope").status().code(), Code::kNotFound);

  Branch a = MakeBranch("a", 5501);
  a.snapshot_id = s1.id;
  ASSERT_TRUE(store_->InsertBranch(a).ok());
  Branch b = MakeBranch("b", 5502);
  b.snapshot_id = s2.id;
  ASSERT_TRUE(store_->InsertBranch(b).ok());
  Result<std::vector<Branch>> from_s1 = store_->BranchesFromSnapshot(s1.id);
  ASSERT_TRUE(from_s1.ok());
  EXPECT_EQ(Names(*from_s1), std::vector<std::string>{"a"});
}

TEST_F(StoreTest, SnapshotStillUsedByABranchCannotBeDeleted) {
  Snapshot s = MakeSnapshot("base");
  ASSERT_TRUE(store_->InsertSnapshot(s).ok());
  Branch b = MakeBranch("dev", 5501);
  b.snapshot_id = s.id;
  ASSERT_TRUE(store_->InsertBranch(b).ok());

  EXPECT_FALSE(store_->DeleteSnapshot(s.id).ok());
  EXPECT_TRUE(store_->GetSnapshotById(s.id).ok());

  ASSERT_TRUE(store_->DeleteBranch(b.id).ok());
  EXPECT_TRUE(store_->DeleteSnapshot(s.id).ok());
  EXPECT_EQ(store_->GetSnapshotById(s.id).status().code(), Code::kNotFound);
}

TEST_F(StoreTest, ForeignKeyViolationsAreNotReportedAsAlreadyExists) {
  Snapshot s = MakeSnapshot("base");
  ASSERT_TRUE(store_->InsertSnapshot(s).ok());
  Branch b = MakeBranch("dev", 5501);
  b.snapshot_id = s.id;
  ASSERT_TRUE(store_->InsertBranch(b).ok());
  EXPECT_NE(store_->DeleteSnapshot(s.id).code(), Code::kAlreadyExists);

  Branch orphan = MakeBranch("orphan", 5502);
  orphan.parent_id = 424242;
  Status st = store_->InsertBranch(orphan);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.code(), Code::kAlreadyExists) << st.message();
}

TEST_F(StoreTest, EventsAreRecorded) {
  ASSERT_TRUE(store_->RecordEvent(100, "branch.create", "dev", "from main").ok());
  ASSERT_TRUE(store_->RecordEvent(200, "branch.delete", "dev", "").ok());
  // The Store has no reader for events yet: copy them into a setting to read them.
  const char* copy_events =
      "INSERT INTO settings(key, value) SELECT 'probe', "
      "group_concat(at || ' ' || kind || ' ' || subject || ' ' || detail, ';') "
      "FROM (SELECT * FROM events ORDER BY id)";
  ASSERT_TRUE(store_->Exec(copy_events).ok());
  Result<std::optional<std::string>> events = store_->GetSetting("probe");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->value_or(""), "100 branch.create dev from main;200 branch.delete dev ");
}

}  // namespace
}  // namespace spur::catalog
