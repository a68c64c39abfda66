#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "common/crypto.h"

namespace spur::audit {
namespace {

// The log lives in a fresh directory under /tmp, removed after each test.
class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/spur-audit-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/audit.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AuditLog MustOpen() {
    Result<AuditLog> log = AuditLog::Open(path_);
    EXPECT_TRUE(log.ok()) << log.status().message();
    return *log;
  }

  static AuditRecord Make(const std::string& actor, const std::string& action,
                          const std::string& target, int64_t time = 1767225600) {
    AuditRecord r;
    r.time = time;
    r.actor = actor;
    r.action = action;
    r.target = target;
    r.result = "ok";
    return r;
  }

  // Appends `n` records "branch.create" pr-1, pr-2, ... at times 1000, 1001, ...
  void AppendMany(AuditLog& log, int n) {
    for (int i = 1; i <= n; ++i) {
      Result<AuditRecord> r =
          log.Append(Make("token:ci", "branch.create", "pr-" + std::to_string(i), 1000 + i - 1));
      ASSERT_TRUE(r.ok()) << r.status().message();
    }
  }

  std::vector<std::string> Lines() const {
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  std::string Contents() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void WriteContents(const std::string& text) const {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }
  // A record line as versions before bounded records wrote it: the whole
  // detail, however big, with a valid hash.
  static std::string LegacyLine(AuditRecord r, int64_t seq, const std::string& prev) {
    r.seq = seq;
    r.prev = prev;
    nlohmann::json j = RecordToJson(r, /*with_hash=*/false);
    j["hash"] = HashOf(j);
    return CanonicalJson(j) + "\n";
  }
  static std::string HashOfLine(const std::string& line) {
    return nlohmann::json::parse(line)["hash"].get<std::string>();
  }
  void WriteLines(const std::vector<std::string>& lines) const {
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    WriteContents(text);
  }

  VerifyReport MustVerify(const AuditLog& log) {
    Result<VerifyReport> v = log.Verify();
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? *v : VerifyReport{};
  }

  std::string dir_, path_;
};

TEST_F(AuditLogTest, OpenCreatesAPrivateEmptyFile) {
  AuditLog log = MustOpen();
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 0);
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.records, 0);
  EXPECT_EQ(v.last_hash, kGenesisHash);
  EXPECT_TRUE(AuditLog::Open(path_).ok());  // an existing log opens as is
}

TEST_F(AuditLogTest, OpenRefusesADirectory) {
  Result<AuditLog> log = AuditLog::Open(dir_);
  EXPECT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("not a regular file"), std::string::npos);
}

TEST_F(AuditLogTest, AppendChainsRecordsAndWritesCanonicalLines) {
  AuditLog log = MustOpen();
  AuditRecord in = Make("token:ci", "branch.create", "pr-12");
  in.detail = {{"from", "main"}, {"ttl", 3600}};
  in.seq = 99;  // ignored
  in.prev = "bogus";
  Result<AuditRecord> first = log.Append(in);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev, kGenesisHash);
  const std::string body =
      "{\"action\":\"branch.create\",\"actor\":\"token:ci\",\"detail\":{\"from\":\"main\","
      "\"ttl\":3600},\"prev\":\"" +
      std::string(kGenesisHash) +
      "\",\"result\":\"ok\",\"seq\":1,\"target\":\"pr-12\",\"time\":1767225600}";
  EXPECT_EQ(first->hash, Sha256Hex(body));

  Result<AuditRecord> second = log.Append(Make("user:alice", "branch.delete", "pr-12"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev, first->hash);

  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "{\"action\":\"branch.create\",\"actor\":\"token:ci\",\"detail\":{\"from\":\"main\","
            "\"ttl\":3600},\"hash\":\"" +
                first->hash + "\",\"prev\":\"" + kGenesisHash +
                "\",\"result\":\"ok\",\"seq\":1,\"target\":\"pr-12\",\"time\":1767225600}");
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 2);
  EXPECT_EQ(v.last_hash, second->hash);
  EXPECT_FALSE(v.torn_tail);
}

TEST_F(AuditLogTest, AppendNeedsAnAction) {
  AuditLog log = MustOpen();
  EXPECT_EQ(log.Append(Make("a", "", "t")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Lines().size(), 0u);
}

TEST_F(AuditLogTest, InvalidUtf8IsStoredReplacedAndStillVerifies) {
  AuditLog log = MustOpen();
  AuditRecord r = Make("user:\xff\xfe", "branch.create", "x");
  r.detail = {{"note", "bad \xc3"}};
  Result<AuditRecord> stored = log.Append(r);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(stored->actor, "user:\xef\xbf\xbd\xef\xbf\xbd");
  Result<std::vector<AuditRecord>> all = log.List({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].actor, stored->actor);
  EXPECT_EQ((*all)[0].hash, stored->hash);
  EXPECT_TRUE(MustVerify(log).ok);
}

TEST_F(AuditLogTest, ListFilters) {
  AuditLog log = MustOpen();
  ASSERT_TRUE(log.Append(Make("token:ci", "branch.create", "pr-1", 100)).ok());
  ASSERT_TRUE(log.Append(Make("user:alice", "branch.reset", "pr-1", 200)).ok());
  ASSERT_TRUE(log.Append(Make("token:ci", "snapshot.create", "nightly", 300)).ok());
  ASSERT_TRUE(log.Append(Make("token:ci", "branch.delete", "pr-1", 400)).ok());
  ASSERT_TRUE(log.Append(Make("reaper", "branch.delete", "pr-2", 500)).ok());

  auto seqs = [&](const AuditFilter& f) {
    Result<std::vector<AuditRecord>> r = log.List(f);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<int64_t> out;
    if (r.ok()) {
      for (const auto& rec : *r) out.push_back(rec.seq);
    }
    return out;
  };
  using V = std::vector<int64_t>;
  EXPECT_EQ(seqs({}), (V{1, 2, 3, 4, 5}));
  AuditFilter f;
  f.since = 200;
  f.until = 400;
  EXPECT_EQ(seqs(f), (V{2, 3, 4}));
  f = {};
  f.actor = "token:ci";
  EXPECT_EQ(seqs(f), (V{1, 3, 4}));
  f = {};
  f.action = "branch.";
  EXPECT_EQ(seqs(f), (V{1, 2, 4, 5}));
  f.target = "pr-1";
  EXPECT_EQ(seqs(f), (V{1, 2, 4}));
  f.limit = 2;  // the newest two, oldest first
  EXPECT_EQ(seqs(f), (V{2, 4}));
  f = {};
  f.limit = 10;
  EXPECT_EQ(seqs(f), (V{1, 2, 3, 4, 5}));
  f = {};
  f.action = "branch.delete";
  f.actor = "nobody";
  EXPECT_EQ(seqs(f), V{});
}

TEST_F(AuditLogTest, VerifyFindsAModifiedRecord) {
  AuditLog log = MustOpen();
  AppendMany(log, 5);
  std::vector<std::string> lines = Lines();
  size_t at = lines[2].find("token:ci");
  ASSERT_NE(at, std::string::npos);
  lines[2].replace(at, 8, "user:eve");
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 3);
  EXPECT_EQ(v.problem, "record 3 was modified (hash mismatch)");
  EXPECT_EQ(v.records, 2);
}

TEST_F(AuditLogTest, VerifyFindsAModifiedRecordWhoseHashWasRecomputed) {
  AuditLog log = MustOpen();
  AppendMany(log, 5);
  std::vector<std::string> lines = Lines();
  nlohmann::json j = nlohmann::json::parse(lines[2]);
  j["actor"] = "user:eve";
  j["hash"] = HashOf(j);
  lines[2] = j.dump();
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
  EXPECT_EQ(v.problem, "record 4 does not follow record 3 (prev hash mismatch)");
}

TEST_F(AuditLogTest, VerifyFindsAnAddedKey) {
  AuditLog log = MustOpen();
  AppendMany(log, 2);
  std::vector<std::string> lines = Lines();
  lines[0].insert(1, "\"approved\":true,");
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "record 1 was modified (hash mismatch)");
}

TEST_F(AuditLogTest, VerifyFindsADeletedRecord) {
  AuditLog log = MustOpen();
  AppendMany(log, 5);
  std::vector<std::string> lines = Lines();
  lines.erase(lines.begin() + 2);
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 3);
  EXPECT_EQ(v.problem, "record 3 is missing or out of order (expected seq 3, found 4)");
}

TEST_F(AuditLogTest, VerifyFindsReorderedRecords) {
  AuditLog log = MustOpen();
  AppendMany(log, 5);
  std::vector<std::string> lines = Lines();
  std::swap(lines[1], lines[3]);
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_EQ(v.problem, "record 2 is missing or out of order (expected seq 2, found 4)");
}

TEST_F(AuditLogTest, VerifyFindsARenumberedChain) {
  AuditLog log = MustOpen();
  AppendMany(log, 3);
  std::vector<std::string> lines = Lines();
  lines.erase(lines.begin());  // drop record 1 and renumber the rest, rehashing each
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json j = nlohmann::json::parse(lines[i]);
    j["seq"] = static_cast<int64_t>(i + 1);
    j["hash"] = HashOf(j);
    lines[i] = j.dump();
  }
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 1);
  EXPECT_EQ(v.problem, "record 1 does not start a chain (prev is not 64 zeros)");
}

TEST_F(AuditLogTest, VerifyAndListReportALineThatIsNotJson) {
  AuditLog log = MustOpen();
  AppendMany(log, 4);
  std::vector<std::string> lines = Lines();
  lines[2] = "{\"seq\":3,";
  WriteLines(lines);
  VerifyReport v = MustVerify(log);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 3);
  EXPECT_EQ(v.problem, "line 3 is not valid JSON");
  Result<std::vector<AuditRecord>> listed = log.List({});
  EXPECT_EQ(listed.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(listed.status().message().find("is not an audit record"), std::string::npos)
      << listed.status().message();

  lines[2] = "{\"seq\":3}";
  WriteLines(lines);
  EXPECT_EQ(MustVerify(log).problem,
            "line 3 is not an audit record (\"time\" is missing or not an integer)");
}

TEST_F(AuditLogTest, TornTailIsReportedAndCutOffByTheNextAppend) {
  AuditLog log = MustOpen();
  AppendMany(log, 3);
  const std::string complete = Contents();
  WriteContents(complete + "{\"action\":\"branch.create\",\"actor\":\"tok");  // crash mid-write
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_TRUE(v.torn_tail);
  EXPECT_EQ(v.records, 3);
  Result<std::vector<AuditRecord>> listed = log.List({});
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  EXPECT_EQ(listed->size(), 3u);

  Result<AuditRecord> next = log.Append(Make("token:ci", "branch.create", "pr-4"));
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->seq, 4);
  EXPECT_EQ(Contents().substr(0, complete.size()), complete);
  v = MustVerify(log);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_FALSE(v.torn_tail);
  EXPECT_EQ(v.records, 4);
}

TEST_F(AuditLogTest, TornFirstLineLeavesAnEmptyLog) {
  AuditLog log = MustOpen();
  WriteContents(std::string(100, '\0'));  // zeros after a crash on some filesystems
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(v.torn_tail);
  EXPECT_EQ(v.records, 0);
  Result<AuditRecord> first = log.Append(Make("a", "branch.create", "t"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev, kGenesisHash);
  EXPECT_EQ(Lines().size(), 1u);
  EXPECT_TRUE(MustVerify(log).ok);
}

TEST_F(AuditLogTest, AppendRefusesToChainOntoADamagedLastRecord) {
  AuditLog log = MustOpen();
  AppendMany(log, 2);
  WriteContents(Contents() + "not json\n");
  Result<AuditRecord> r = log.Append(Make("a", "branch.create", "t"));
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("spur audit verify"), std::string::npos);
  EXPECT_EQ(Lines().size(), 3u);
}

// Records written before records were bounded can be huge; new records chain
// onto them, they verify, and List shows them without loading their detail.
TEST_F(AuditLogTest, LongRecordsChainAcrossReadChunks) {
  AuditLog log = MustOpen();
  AuditRecord big = Make("a", "config.set", "x");
  big.detail = {{"value", std::string(100000, 'v')}, {"ratio", 0.1}, {"list", {1, 2, 3}}};
  std::string first = LegacyLine(big, 1, kGenesisHash);
  std::string second = LegacyLine(big, 2, HashOfLine(first));
  WriteContents(first + second);
  Result<AuditRecord> small = log.Append(Make("a", "config.set", "y"));
  ASSERT_TRUE(small.ok()) << small.status().message();
  EXPECT_EQ(small->seq, 3);
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 3);
  Result<std::vector<AuditRecord>> listed = log.List({});
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].seq, 1);
  EXPECT_EQ((*listed)[0].target, "x");
  EXPECT_EQ((*listed)[0].hash, HashOfLine(first));
  EXPECT_EQ((*listed)[0].detail, nlohmann::json({{"omitted_bytes", first.size() - 1}}));
  EXPECT_EQ((*listed)[2].hash, small->hash);
}

// Regression (issue 11, item 3): a 10 MiB request made a 21 MB record.
// Whatever a caller passes, one record is at most kMaxRecordBytes on disk and
// still verifies; what was cut is described by its size and hash.
TEST_F(AuditLogTest, AuditRecordSizeIsBounded) {
  AuditLog log = MustOpen();
  AuditRecord huge = Make(std::string(100000, 'a'), "branch.create", std::string(1 << 20, 't'));
  huge.result = "error: " + std::string(1 << 20, 'e');
  huge.detail = {{"body", std::string(10 << 20, 'b')}};
  Result<AuditRecord> stored = log.Append(huge);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_LE(Contents().size(), kMaxRecordBytes);
  EXPECT_EQ(stored->detail["truncated"], true);
  EXPECT_EQ(stored->detail["sha256"], Sha256Hex(CanonicalJson(huge.detail)));
  // Characters JSON escapes six times over ("\u0001") cannot get past the cap.
  AuditRecord escaped = Make(std::string(4000, '\x01'), "branch.create", std::string(4000, '"'));
  escaped.result = std::string(4000, '\x02');
  escaped.detail = {{std::string(3000, '\x03'), std::string(3000, '\x04')}};
  const size_t before = Contents().size();
  ASSERT_TRUE(log.Append(escaped).ok());
  EXPECT_LE(Contents().size() - before, kMaxRecordBytes);
  VerifyReport v = MustVerify(log);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 2);
}

// Regression (issue 11, item 3): listing read every record into memory. Scan
// goes newest first from the end and stops at the limit: a damaged line
// older than what was asked for is never even looked at.
TEST_F(AuditLogTest, AuditListStreams) {
  AuditLog log = MustOpen();
  AppendMany(log, 200);
  std::vector<std::string> lines = Lines();
  lines[0] = "not a record at all";
  WriteLines(lines);
  std::vector<int64_t> seen;
  AuditFilter newest;
  newest.limit = 3;
  Status st = log.Scan(newest, [&](const AuditRecord& r) {
    seen.push_back(r.seq);
    return true;
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(seen, (std::vector<int64_t>{200, 199, 198}));
  // The visitor stops it too; `before` pages back.
  seen.clear();
  AuditFilter page;
  page.before = 150;
  ASSERT_TRUE(log.Scan(page,
                       [&](const AuditRecord& r) {
                         seen.push_back(r.seq);
                         return seen.size() < 2;
                       })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{149, 148}));
  // Reading as far as the damaged line reports it.
  EXPECT_EQ(log.List({}).status().code(), Code::kFailedPrecondition);
}

TEST_F(AuditLogTest, MissingFileIsNotFound) {
  AuditLog log = MustOpen();
  std::filesystem::remove(path_);
  EXPECT_EQ(log.Append(Make("a", "b", "c")).status().code(), Code::kNotFound);
  EXPECT_EQ(log.List({}).status().code(), Code::kNotFound);
  EXPECT_EQ(log.Verify().status().code(), Code::kNotFound);
}

TEST_F(AuditLogTest, ConcurrentThreadsKeepTheChainIntact) {
  AuditLog shared = MustOpen();
  auto append = [&](const std::string& actor, bool own_object) {
    AuditLog log = own_object ? MustOpen() : shared;
    for (int i = 0; i < 200; ++i) {
      Result<AuditRecord> r = log.Append(Make(actor, "branch.create", std::to_string(i)));
      ASSERT_TRUE(r.ok()) << r.status().message();
    }
  };
  std::thread a(append, "thread:a", false);
  std::thread b(append, "thread:b", true);
  a.join();
  b.join();
  VerifyReport v = MustVerify(shared);
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 400);
  AuditFilter f;
  f.actor = "thread:b";
  Result<std::vector<AuditRecord>> from_b = shared.List(f);
  ASSERT_TRUE(from_b.ok());
  EXPECT_EQ(from_b->size(), 200u);
}

}  // namespace
}  // namespace spur::audit
