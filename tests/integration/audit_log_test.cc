// The audit log shared by real processes: concurrent appends from two
// processes, and a writer killed at an arbitrary moment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "audit/log.h"

namespace spur::audit {
namespace {

class AuditLogProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/spur-audit-proc-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/audit.log";
    ASSERT_TRUE(AuditLog::Open(path_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Forks a child that appends `count` records as `actor` (forever when
  // count < 0) and exits 0 when every append succeeded.
  pid_t SpawnWriter(const std::string& actor, int count) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    Result<AuditLog> log = AuditLog::Open(path_);
    if (!log.ok()) ::_exit(2);
    for (int i = 0; count < 0 || i < count; ++i) {
      AuditRecord r;
      r.time = 1767225600 + i;
      r.actor = actor;
      r.action = "branch.create";
      r.target = "pr-" + std::to_string(i);
      r.result = "ok";
      r.detail = {{"i", i}};
      if (!log->Append(r).ok()) ::_exit(1);
    }
    ::_exit(0);
  }

  static int ExitCode(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string dir_, path_;
};

TEST_F(AuditLogProcessTest, TwoProcessesAppendingAtOnceKeepOneChain) {
  pid_t a = SpawnWriter("proc:a", 200);
  pid_t b = SpawnWriter("proc:b", 200);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  EXPECT_EQ(ExitCode(a), 0);
  EXPECT_EQ(ExitCode(b), 0);

  Result<AuditLog> log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  Result<VerifyReport> v = log->Verify();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_FALSE(v->torn_tail);
  EXPECT_EQ(v->records, 400);
  for (const char* actor : {"proc:a", "proc:b"}) {
    AuditFilter f;
    f.actor = actor;
    Result<std::vector<AuditRecord>> mine = log->List(f);
    ASSERT_TRUE(mine.ok());
    EXPECT_EQ(mine->size(), 200u) << actor;
  }
}

TEST_F(AuditLogProcessTest, AWriterKilledMidwayLeavesAUsableLog) {
  pid_t writer = SpawnWriter("proc:killed", -1);
  ASSERT_GT(writer, 0);
  ::usleep(200 * 1000);
  ::kill(writer, SIGKILL);
  EXPECT_EQ(ExitCode(writer), 128 + SIGKILL);

  Result<AuditLog> log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  Result<VerifyReport> before = log->Verify();
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_TRUE(before->ok) << before->problem;
  EXPECT_GT(before->records, 0);

  AuditRecord r;
  r.time = 1767225600;
  r.actor = "proc:parent";
  r.action = "branch.delete";
  Result<AuditRecord> next = log->Append(r);  // the lock died with the writer
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->seq, before->records + 1);
  Result<VerifyReport> after = log->Verify();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->ok) << after->problem;
  EXPECT_FALSE(after->torn_tail);
  EXPECT_EQ(after->records, before->records + 1);
}

}  // namespace
}  // namespace spur::audit
