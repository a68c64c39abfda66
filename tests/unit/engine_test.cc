// Engine logic on the fake storage driver and fake instance control: lineage,
// snapshots, rollback on failure, reconciliation. No disk, process or clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "common/crash_point.h"
#include "engine/pool.h"
#include "pg/fake/fake_control.h"
#include "storage/fake/fake_driver.h"

namespace spur::engine {
namespace {

// What a kill at an armed crash point leaves: the fakes as they are.
struct SimulatedCrash {
  std::string point;
};
void ThrowCrash(std::string_view point) { throw SimulatedCrash{std::string(point)}; }

// Runs `step` with crash point `point` armed; true when it died there.
template <typename F>
bool CrashesAt(const std::string& point, F step) {
  ArmCrashPointForTesting(point, &ThrowCrash);
  bool crashed = false;
  try {
    step();
  } catch (const SimulatedCrash& c) {
    crashed = c.point == point;
  }
  ArmCrashPointForTesting("", nullptr);
  return crashed;
}

class FixedClock final : public os::Clock {
 public:
  int64_t NowSeconds() const override { return now; }
  int64_t now = 1'800'000'000;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(/*atomic=*/false); }

  void Open(bool atomic) {
    auto store = catalog::Store::Open(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = store->get();
    auto driver = std::make_unique<storage::FakeDriver>(atomic);
    driver_ = driver.get();
    auto control = std::make_unique<pg::FakeControl>();
    control_ = control.get();
    // main: a row, a dataset with a file, a running instance.
    catalog::Branch main;
    main.name = "main";
    main.state = catalog::BranchState::kRunning;
    main.port = 5500;
    main.role = "app";
    main.password = "main-password";
    main.database = "app";
    ASSERT_TRUE(store_->InsertBranch(main).ok());
    main_data_ = layout_.BranchData(main.id);
    ASSERT_TRUE(driver_->CreateDataset(main_data_).ok());
    ASSERT_TRUE(driver_->WriteFile(main_data_, "base/1/1259", "catalog").ok());
    pg::InstanceSpec spec;
    spec.pgdata = main_data_;
    spec.port = 5500;
    ASSERT_TRUE(control_->Start(spec).ok());
    ASSERT_TRUE(control_->OpenTcp(spec).ok());
    PoolConfig config;
    config.driver = "fake";
    auto pool = Pool::OpenWith(
        {layout_, std::move(*store), std::move(driver), std::move(control), config}, clock_);
    ASSERT_TRUE(pool.ok()) << pool.status().message();
    pool_ = std::move(*pool);
  }

  Result<catalog::Branch> Create(const std::string& name, std::optional<std::string> from = {},
                                 std::optional<std::string> snapshot = {}) {
    CreateBranchOptions o;
    o.name = name;
    o.from = from;
    o.snapshot = snapshot;
    return pool_->CreateBranch(o);
  }

  size_t CountSnapshots() {
    auto s = pool_->ListSnapshots();
    return s.ok() ? s->size() : 999;
  }

  FixedClock clock_;
  Layout layout_{"/pool"};
  catalog::Store* store_ = nullptr;
  storage::FakeDriver* driver_ = nullptr;
  pg::FakeControl* control_ = nullptr;
  std::string main_data_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(EngineTest, BranchOfARunningParentIsOneBackupCloneWithItsOwnPassword) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok()) << b.status().message();
  const std::string data = layout_.BranchData(b->id);
  EXPECT_EQ(control_->backups(), 1);
  EXPECT_EQ(*driver_->ReadFile(data, "base/1/1259"), "catalog");
  EXPECT_TRUE(control_->IsRunning(data));
  EXPECT_NE(b->port, 5500);
  EXPECT_EQ(control_->PortOf(data), b->port);
  EXPECT_EQ(control_->Password(data, "app"), b->password);
  EXPECT_NE(b->password, "main-password");
  // The implicit snapshot is a lineage record: no dataset of its own.
  auto snaps = pool_->ListSnapshots();
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_TRUE((*snaps)[0].implicit);
  EXPECT_FALSE((*snaps)[0].has_data);
  EXPECT_EQ((*snaps)[0].consistency, "backup");
  EXPECT_FALSE(driver_->Exists(layout_.SnapshotData((*snaps)[0].id)));
  EXPECT_EQ(b->snapshot_id, (*snaps)[0].id);
}

TEST_F(EngineTest, AtomicDriverNeedsNoBackupAndStoppedParentIsClean) {
  Open(/*atomic=*/true);
  ASSERT_TRUE(Create("a").ok());
  EXPECT_EQ(control_->backups(), 0);
  EXPECT_EQ((*pool_->ListSnapshots())[0].consistency, "atomic");
  ASSERT_TRUE(pool_->StopBranch("a").ok());
  ASSERT_TRUE(Create("b", "a").ok());
  auto snaps = *pool_->ListSnapshots();
  EXPECT_EQ(snaps.back().consistency, "clean");
}

TEST_F(EngineTest, FailureAtAnyStepOfCreateLeavesNothingBehind) {
  auto before = store_->ListBranches()->size();
  control_->FailNext(pg::FakeControl::Op::kStart);
  EXPECT_FALSE(Create("x").ok());
  driver_->FailNext(storage::FakeDriver::Op::kCloneDataset);
  EXPECT_FALSE(Create("x").ok());
  control_->FailNext(pg::FakeControl::Op::kBackup);
  EXPECT_FALSE(Create("x").ok());
  control_->FailNext(pg::FakeControl::Op::kSetPassword);
  EXPECT_FALSE(Create("x").ok());
  EXPECT_EQ(store_->ListBranches()->size(), before);
  EXPECT_EQ(CountSnapshots(), 0u);
  EXPECT_EQ(*driver_->ListDatasets(layout_.branches()), std::vector<std::string>{"1"});
  EXPECT_TRUE(Create("x").ok()) << "the name is free again";
}

TEST_F(EngineTest, DeleteRefusesMainAndParentsUnlessRecursive) {
  ASSERT_TRUE(Create("a").ok());
  ASSERT_TRUE(Create("b", "a").ok());
  ASSERT_TRUE(Create("c", "b").ok());
  EXPECT_EQ(pool_->DeleteBranch("main", true).status().code(), Code::kFailedPrecondition);
  auto refused = pool_->DeleteBranch("a", false);
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("1 child"), std::string::npos);
  auto deleted = pool_->DeleteBranch("a", true);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(CountSnapshots(), 0u) << "implicit lineage records go with their branches";
  EXPECT_EQ(*driver_->ListDatasets(layout_.branches()), std::vector<std::string>{"1"});
  EXPECT_EQ(control_->forgotten().size(), 3u);
}

TEST_F(EngineTest, NamedSnapshotsOutliveUseButNotWhileUsed) {
  auto snap = pool_->CreateSnapshot("main", "before");
  ASSERT_TRUE(snap.ok());
  EXPECT_TRUE(snap->has_data);
  EXPECT_TRUE(driver_->Exists(layout_.SnapshotData(snap->id)));
  ASSERT_TRUE(Create("old", std::nullopt, "before").ok());
  EXPECT_EQ(pool_->DeleteSnapshot("before").code(), Code::kFailedPrecondition);
  ASSERT_TRUE(pool_->DeleteBranch("old", false).ok());
  EXPECT_TRUE(pool_->DeleteSnapshot("before").ok());
  EXPECT_FALSE(driver_->Exists(layout_.SnapshotData(snap->id)));
  // Implicit records cannot be forked.
  ASSERT_TRUE(Create("x").ok());
  auto implicit = (*pool_->ListSnapshots())[0].name;
  EXPECT_EQ(Create("y", std::nullopt, implicit).status().code(), Code::kFailedPrecondition);
}

TEST_F(EngineTest, ResetTakesTheParentsStateAndKeepsIdentity) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok());
  const std::string data = layout_.BranchData(b->id);
  ASSERT_TRUE(driver_->WriteFile(data, "mine", "scratch").ok());
  ASSERT_TRUE(driver_->WriteFile(main_data_, "base/1/1259", "catalog v2").ok());
  clock_.now += 100;
  auto reset = pool_->ResetBranch("feat", std::nullopt);
  ASSERT_TRUE(reset.ok()) << reset.status().message();
  EXPECT_EQ(*driver_->ReadFile(data, "base/1/1259"), "catalog v2");
  EXPECT_FALSE(driver_->ReadFile(data, "mine").ok());
  EXPECT_EQ(reset->port, b->port);
  EXPECT_EQ(reset->password, b->password);
  EXPECT_EQ(control_->Password(data, "app"), b->password);
  EXPECT_TRUE(control_->IsRunning(data));
  EXPECT_EQ(CountSnapshots(), 1u) << "the old lineage record was dropped";
  EXPECT_FALSE(driver_->Exists(layout_.BranchStaging(b->id)));
}

TEST_F(EngineTest, FailedResetKeepsTheOldData) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok());
  const std::string data = layout_.BranchData(b->id);
  ASSERT_TRUE(driver_->WriteFile(data, "mine", "precious").ok());
  driver_->FailNext(storage::FakeDriver::Op::kCloneDataset);
  EXPECT_FALSE(pool_->ResetBranch("feat", std::nullopt).ok());
  EXPECT_EQ(*driver_->ReadFile(data, "mine"), "precious");
  EXPECT_TRUE(control_->IsRunning(data));
  EXPECT_FALSE(driver_->Exists(layout_.BranchStaging(b->id)));
  EXPECT_EQ(CountSnapshots(), 1u);
  EXPECT_EQ(pool_->ResetBranch("main", std::nullopt).status().code(), Code::kFailedPrecondition);
}

TEST_F(EngineTest, PortsSkipOtherProgramsAndTtlUsesTheClock) {
  control_->OccupyPort(5501);
  CreateBranchOptions o;
  o.name = "t";
  o.ttl_seconds = 3600;
  auto b = pool_->CreateBranch(o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 5502);
  EXPECT_EQ(b->expires_at, clock_.now + 3600);
}

TEST_F(EngineTest, ReconcileRepairsWhatInterruptedCommandsLeft) {
  auto b = Create("live");
  ASSERT_TRUE(b.ok());
  // A killed postmaster.
  control_->Crash(layout_.BranchData(b->id));
  // A create that died after its row and dataset were written.
  catalog::Branch half;
  half.name = "half";
  half.parent_id = 1;
  half.port = 5600;
  ASSERT_TRUE(store_->InsertBranch(half).ok());
  ASSERT_TRUE(driver_->CreateDataset(layout_.BranchData(half.id)).ok());
  // A reset that died between destroying the old data and renaming the new.
  ASSERT_TRUE(driver_->RenameDataset(layout_.BranchData(b->id), layout_.BranchStaging(b->id)).ok());
  // Data nobody owns.
  ASSERT_TRUE(driver_->CreateDataset(layout_.BranchData(77)).ok());
  ASSERT_TRUE(driver_->CreateDataset(layout_.SnapshotData(78)).ok());

  ASSERT_TRUE(pool_->Reconcile().ok());
  std::string all;
  for (const auto& r : pool_->repairs()) all += r + "\n";
  EXPECT_NE(all.find("removed half-created branch \"half\""), std::string::npos) << all;
  EXPECT_NE(all.find("finished the interrupted swap (reset or sync) of branch \"live\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("\"live\" was not running"), std::string::npos) << all;
  EXPECT_NE(all.find("removed orphan branch data /pool/data/branches/77"), std::string::npos);
  EXPECT_NE(all.find("removed orphan snapshot data /pool/data/snapshots/78"), std::string::npos);
  EXPECT_FALSE(store_->GetBranch("half").ok());
  EXPECT_EQ(store_->GetBranch("live")->state, catalog::BranchState::kStopped);
  EXPECT_TRUE(driver_->Exists(layout_.BranchData(b->id)));
  EXPECT_EQ(*driver_->ListDatasets(layout_.branches()),
            (std::vector<std::string>{"1", std::to_string(b->id)}));
  EXPECT_TRUE(driver_->ListDatasets(layout_.snapshots())->empty());
  // A second pass finds nothing more to do.
  size_t repairs = pool_->repairs().size();
  ASSERT_TRUE(pool_->Reconcile().ok());
  EXPECT_EQ(pool_->repairs().size(), repairs);
  ASSERT_TRUE(pool_->StartBranch("live").ok());
}

}  // namespace
}  // namespace spur::engine

namespace spur::engine {
namespace {

// Issue 11, item 6: a kill while the old data was being removed left a
// half-deleted directory, and reconcile then destroyed the complete new copy.
TEST_F(EngineTest, KillDuringResetOldDataRemovalKeepsBranch) {
  struct Case {
    const char* point;
    const char* expect;  // the branch's data after reconcile
  };
  for (const Case& c :
       {Case{"branch.reset.after_stage", "old"}, Case{"branch.reset.after_intent", "new"},
        Case{"branch.swap.after_move_away", "new"}, Case{"branch.swap.after_rename_in", "new"},
        Case{"branch.reset.after_swap", "new"}}) {
    ASSERT_TRUE(driver_->WriteFile(main_data_, "version", "old").ok());
    auto b = Create("feat");
    ASSERT_TRUE(b.ok()) << b.status().message();
    const std::string data = layout_.BranchData(b->id);
    ASSERT_TRUE(driver_->WriteFile(main_data_, "version", "new").ok());
    clock_.now += 3600;
    EXPECT_TRUE(CrashesAt(c.point, [&] { (void)pool_->ResetBranch("feat", std::nullopt); }))
        << c.point;
    ASSERT_TRUE(pool_->Reconcile().ok()) << c.point;
    ASSERT_TRUE(driver_->Exists(data)) << c.point;
    EXPECT_EQ(*driver_->ReadFile(data, "version"), c.expect) << c.point;
    // The record agrees with the data: a reset finished forward has its new
    // base (lineage, diffs), not the one the old data came from.
    auto after = store_->GetBranch("feat");
    ASSERT_TRUE(after.ok());
    auto base = store_->GetSnapshotById(*after->snapshot_id);
    ASSERT_TRUE(base.ok()) << c.point;
    EXPECT_EQ(base->created_at, c.expect == std::string("new") ? clock_.now : b->created_at)
        << c.point << ": the branch's base is not the snapshot its data came from";
    EXPECT_FALSE(store_->GetSwapIntent(b->id)->has_value()) << c.point;
    EXPECT_EQ(*driver_->ReadFile(data, "base/1/1259"), "catalog") << c.point << ": incomplete";
    EXPECT_FALSE(driver_->Exists(layout_.BranchStaging(b->id))) << c.point;
    EXPECT_FALSE(driver_->Exists(layout_.BranchOld(b->id))) << c.point;
    auto started = pool_->StartBranch("feat");
    ASSERT_TRUE(started.ok()) << c.point << ": " << started.status().message();
    EXPECT_EQ(control_->Password(data, "app"), b->password) << c.point;
    ASSERT_TRUE(pool_->DeleteBranch("feat", false).ok());
  }
}

// --keep-backup: the backup is taken only once the reset's checks passed
// (a refused reset leaves no snapshot behind), and a kill right after it
// leaves the backup and the untouched branch, both complete.
TEST_F(EngineTest, ResetKeepBackupIsTakenAfterTheChecksAndSurvivesAKillAfterIt) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok()) << b.status().message();
  const std::string data = layout_.BranchData(b->id);
  ASSERT_TRUE(driver_->WriteFile(data, "mine", "precious").ok());
  EXPECT_EQ(pool_->ResetBranch("main", std::nullopt, false, "kept").status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(pool_->ResetBranch("feat", "no-such", false, "kept").status().code(), Code::kNotFound);
  EXPECT_EQ(pool_->ResetBranch("feat", std::nullopt, false, "bad name").status().code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(store_->GetSnapshot("kept").ok()) << "a refused reset took a backup";

  EXPECT_TRUE(CrashesAt("branch.reset.after_backup",
                        [&] { (void)pool_->ResetBranch("feat", std::nullopt, false, "kept"); }));
  ASSERT_TRUE(pool_->Reconcile().ok());
  EXPECT_EQ(*driver_->ReadFile(data, "mine"), "precious") << "the branch was changed";
  auto kept = store_->GetSnapshot("kept");
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_EQ(*driver_->ReadFile(layout_.SnapshotData(kept->id), "mine"), "precious");
  // The same name again is refused before anything changes; another works.
  EXPECT_EQ(pool_->ResetBranch("feat", std::nullopt, false, "kept").status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(*driver_->ReadFile(data, "mine"), "precious");
  ASSERT_TRUE(pool_->ResetBranch("feat", std::nullopt, false, "kept2").ok());
  EXPECT_FALSE(driver_->ReadFile(data, "mine").ok()) << "reset to the parent";
  ASSERT_TRUE(pool_->ResetBranch("feat", "kept").ok());
  EXPECT_EQ(*driver_->ReadFile(data, "mine"), "precious") << "undone from the backup";
}

// Reconcile never destroys the only complete copy: old data moved away with
// no new data beside it goes back into place.
TEST_F(EngineTest, SwapWithNoNewDataPutsTheOldDataBack) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok());
  const std::string data = layout_.BranchData(b->id);
  ASSERT_TRUE(driver_->WriteFile(data, "mine", "precious").ok());
  control_->Crash(data);
  ASSERT_TRUE(driver_->RenameDataset(data, layout_.BranchOld(b->id)).ok());
  ASSERT_TRUE(pool_->Reconcile().ok());
  EXPECT_EQ(*driver_->ReadFile(data, "mine"), "precious");
  EXPECT_FALSE(driver_->Exists(layout_.BranchOld(b->id)));
}

// Issue 11, item 7: a start interrupted before the branch's own password was
// set must not accept TCP; reconcile sets it and only then opens TCP.
TEST_F(EngineTest, KillAfterStartBeforePasswordDoesNotAcceptParentPassword) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok());
  const std::string data = layout_.BranchData(b->id);
  EXPECT_TRUE(control_->TcpOpen(data));
  ASSERT_TRUE(pool_->StopBranch("feat").ok());
  for (const char* op : {"start", "reset"}) {
    EXPECT_TRUE(CrashesAt("branch.start.before_credentials", [&] {
      if (std::string(op) == "start") {
        (void)pool_->StartBranch("feat");
      } else {
        (void)pool_->ResetBranch("feat", std::nullopt);
      }
    })) << op;
    EXPECT_TRUE(control_->IsRunning(data)) << op;
    EXPECT_FALSE(control_->TcpOpen(data)) << op << ": TCP open on the parent's password";
    ASSERT_TRUE(pool_->Reconcile().ok()) << op;
    EXPECT_TRUE(control_->TcpOpen(data)) << op;
    EXPECT_EQ(control_->Password(data, "app"), b->password) << op;
    ASSERT_TRUE(pool_->StopBranch("feat").ok());
  }
}

// Found by the chaos test: a start killed while postgres was still starting
// up left it unready, and reconcile's credentials step then failed every
// command ("the database system is starting up"). Reconcile waits for it
// (Start) and stops a branch that never gets ready, so commands go on.
TEST_F(EngineTest, BranchLeftStartingUpIsStoppedByReconcileNotAnErrorForEveryCommand) {
  auto b = Create("feat");
  ASSERT_TRUE(b.ok());
  const std::string data = layout_.BranchData(b->id);
  ASSERT_TRUE(pool_->StopBranch("feat").ok());
  EXPECT_TRUE(
      CrashesAt("branch.start.before_credentials", [&] { (void)pool_->StartBranch("feat"); }));
  ASSERT_TRUE(control_->IsRunning(data));
  control_->FailNext(pg::FakeControl::Op::kStart);  // still not answering
  ASSERT_TRUE(pool_->Reconcile().ok());
  EXPECT_FALSE(control_->IsRunning(data));
  EXPECT_EQ(store_->GetBranch("feat")->state, catalog::BranchState::kStopped);
  ASSERT_TRUE(pool_->StartBranch("feat").ok());
  EXPECT_TRUE(control_->TcpOpen(data));
  EXPECT_EQ(control_->Password(data, "app"), b->password);
}

// Issue 11: reconcile destroyed every dataset whose name it did not know.
TEST_F(EngineTest, ReconcileLeavesUnknownDatasetsAlone) {
  const std::vector<std::string> foreign = {
      layout_.branches() + "/feature-x", layout_.branches() + "/2.bak", layout_.branches() + "/007",
      layout_.snapshots() + "/3.diff-x", layout_.snapshots() + "/abc"};
  for (const auto& path : foreign) ASSERT_TRUE(driver_->CreateDataset(path).ok()) << path;
  ASSERT_TRUE(pool_->Reconcile().ok());
  for (const auto& path : foreign) EXPECT_TRUE(driver_->Exists(path)) << path;
  auto unknown = pool_->unknown_datasets();
  std::sort(unknown.begin(), unknown.end());
  auto expected = foreign;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(unknown, expected);
  for (const auto& r : pool_->repairs()) EXPECT_EQ(r.find("orphan"), std::string::npos) << r;
}

TEST(LayoutTest, EveryDatasetNameRoundTripsThroughClassify) {
  using K = DatasetName::Kind;
  const Layout layout{"/srv/pool"};
  for (int64_t id : {int64_t{0}, int64_t{1}, int64_t{42}, int64_t{123456789012}}) {
    struct Case {
      std::string path;
      K kind;
    };
    for (const Case& c :
         {Case{layout.BranchData(id), K::kBranch},
          Case{layout.BranchStaging(id), K::kBranchStaging},
          Case{layout.BranchOld(id), K::kBranchOld}, Case{layout.BranchSync(id), K::kBranchSync},
          Case{layout.SnapshotData(id), K::kSnapshot},
          Case{layout.SnapshotDiffData(id, 4242), K::kSnapshotDiff},
          Case{layout.ScratchData(4242, id), K::kScratch}}) {
      const DatasetName n = layout.Classify(c.path);
      EXPECT_EQ(n.kind, c.kind) << c.path;
      EXPECT_EQ(n.id, id) << c.path;
      if (c.kind == K::kSnapshotDiff || c.kind == K::kScratch) {
        EXPECT_EQ(n.pid, 4242) << c.path;
      }
    }
  }
  for (const std::string& other :
       {layout.branches() + "/x", layout.branches() + "/1.new.new", layout.branches() + "/01",
        layout.branches() + "/-1", layout.branches() + "/1/2", layout.snapshots() + "/1.new",
        layout.snapshots() + "/1.diff-", layout.data() + "/1", layout.BranchLog(1),
        layout.snapshots() + "/scratch-1", layout.snapshots() + "/scratch-1-",
        layout.snapshots() + "/scratch--1-2", layout.snapshots() + "/scratch-1-2-3",
        std::string("/elsewhere/data/branches/1"), layout.branches() + "/",
        layout.branches() + "/1.old.sync"}) {
    EXPECT_EQ(layout.Classify(other).kind, K::kUnknown) << other;
  }
}

}  // namespace
}  // namespace spur::engine

namespace spur::engine {
namespace {

// Issue 11, item 11: a create on a full pool crashed the parent's postgres
// (pg_backup_start) and exited 1; now refused before anything is copied.
TEST_F(EngineTest, FullPoolCreateFailsCleanlyAndParentKeepsRunning) {
  ASSERT_TRUE(Create("before").ok());
  const auto datasets = *driver_->ListDatasets(layout_.branches());
  const size_t snapshots = CountSnapshots();
  driver_->SetFreeBytes(kMinFreeBytes - 1);
  auto full = Create("feat");
  EXPECT_EQ(full.status().code(), Code::kStorageFull);
  EXPECT_NE(full.status().message().find("pool /pool has"), std::string::npos)
      << full.status().message();
  EXPECT_EQ(pool_->ResetBranch("before", std::nullopt).status().code(), Code::kStorageFull);
  EXPECT_EQ(pool_->CreateSnapshot("main", std::string("s")).status().code(), Code::kStorageFull);
  EXPECT_EQ(control_->backups(), 1) << "a backup was started on a full pool";
  EXPECT_TRUE(control_->IsRunning(main_data_));
  EXPECT_EQ(*driver_->ListDatasets(layout_.branches()), datasets);
  EXPECT_EQ(CountSnapshots(), snapshots);
  EXPECT_FALSE(store_->GetBranch("feat").ok());
  driver_->SetFreeBytes(kMinFreeBytes);
  EXPECT_TRUE(Create("feat").ok());
}

// Issue 11: the engine's probes of a snapshot's source went to the host (a
// libpq connection, standby.signal checks) even over the fakes; they go
// through InstanceControl now, so these tests see them.
TEST_F(EngineTest, SnapshotOfStoppedBranchAsksControlAboutTransactionsInFlight) {
  ASSERT_TRUE(Create("quiet").ok());
  ASSERT_TRUE(pool_->StopBranch("quiet").ok());
  auto clean = pool_->CreateSnapshot("quiet", std::string("clean"));
  ASSERT_TRUE(clean.ok()) << clean.status().message();
  EXPECT_EQ(clean->consistency, "clean");
  EXPECT_EQ(clean->inflight_xids, "");
  control_->MarkPrepared(layout_.BranchData(store_->GetBranch("quiet")->id));
  auto prepared = pool_->CreateSnapshot("quiet", std::string("prepared"));
  ASSERT_TRUE(prepared.ok()) << prepared.status().message();
  EXPECT_EQ(prepared->inflight_xids, "?");
}

TEST_F(EngineTest, SnapshotOfRunningBranchRecordsControlsInflightWindow) {
  control_->SetInflightRange("740-742");
  auto snap = pool_->CreateSnapshot("main", std::string("live"));
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  EXPECT_EQ(snap->inflight_xids, "740-742");
  EXPECT_EQ(store_->GetSnapshot("live")->inflight_xids, "740-742");
}

TEST_F(EngineTest, DetachedDataIsGrantedToTheBranchRoleOnStartAndRetriedAfterAFailure) {
  auto b = Create("copy");
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_TRUE(pool_->StopBranch("copy").ok());
  const std::string data = layout_.BranchData(b->id);
  control_->MarkDetached(data);
  control_->FailNext(pg::FakeControl::Op::kGrantDetached);
  EXPECT_FALSE(pool_->StartBranch("copy").ok());
  EXPECT_TRUE(control_->Detached(data)) << "the marker stays for the next start";
  EXPECT_FALSE(control_->TcpOpen(data)) << "TCP opened before the role had its data";
  ASSERT_TRUE(pool_->StartBranch("copy").ok());
  EXPECT_FALSE(control_->Detached(data));
  EXPECT_EQ(control_->detached_grants().count(b->role + "@" + data), 1u);
  EXPECT_TRUE(control_->TcpOpen(data));
}

}  // namespace
}  // namespace spur::engine
